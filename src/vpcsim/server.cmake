# vpc-emulator pieces: the pure EC2 Query codec (vpccni::vpcsim_query).
vpccni_library(NAME vpcsim_query
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/query_params.cc ${CMAKE_CURRENT_SOURCE_DIR}/query_xml.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/query_auth.cc
  DEPS vpccni::base)
vpccni_test(NAME vpcsim_query_test
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/query_test.cc
  DEPS vpccni::vpcsim_query vpccni::testing)
vpccni_fuzz(NAME vpcsim_query_parse
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/query_parse_fuzz.cc
  DEPS vpccni::vpcsim_query)
