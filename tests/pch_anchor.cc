// Anchor translation unit for the shared test precompiled header (see vpccni_make_test_pch).
