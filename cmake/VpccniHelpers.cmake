# vpccni_library(NAME n SRCS ... DEPS ...)   -> static library vpccni_n, alias vpccni::n
# vpccni_test(NAME n SRCS ... DEPS ... [LABELS unit|integration|privileged|e2e] [TIMEOUT s])
# vpccni_fuzz(NAME n SRCS ... DEPS ...)      -> corpus replay test (gcc) or libFuzzer run (VPCCNI_FUZZ)
#   corpus: tests/fuzz/corpus/<n>/
# vpccni_binary(NAME n SRCS ... DEPS ... [STATIC])

set(VPCCNI_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
    -Wcast-align -Wformat=2 -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND VPCCNI_WARNINGS -Wduplicated-cond -Wlogical-op -Wno-maybe-uninitialized)
  # gcc 12's known false positives on inlined std::string code at -O2/-O3 (GCC bugs 105329,
  # 105651); the release preset builds every test with -Werror, so silence them there.
  list(APPEND VPCCNI_WARNINGS
    $<$<CONFIG:Release>:-Wno-restrict> $<$<CONFIG:Release>:-Wno-array-bounds>
    $<$<CONFIG:Release>:-Wno-stringop-overflow>)
endif()
if(VPCCNI_WERROR)
  list(APPEND VPCCNI_WARNINGS -Werror)
endif()

function(vpccni_apply_common target)
  target_compile_options(${target} PRIVATE ${VPCCNI_WARNINGS})
  target_include_directories(${target} PUBLIC ${CMAKE_SOURCE_DIR}/src)
endfunction()

function(vpccni_library)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(vpccni_${A_NAME} STATIC ${A_SRCS})
  add_library(vpccni::${A_NAME} ALIAS vpccni_${A_NAME})
  vpccni_apply_common(vpccni_${A_NAME})
  target_link_libraries(vpccni_${A_NAME} PUBLIC ${A_DEPS})
endfunction()

function(vpccni_test)
  cmake_parse_arguments(A "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT VPCCNI_BUILD_TESTS)
    return()
  endif()
  if(NOT A_LABELS)
    set(A_LABELS unit)
  endif()
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 120)
  endif()
  add_executable(${A_NAME} ${A_SRCS})
  vpccni_apply_common(${A_NAME})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} GTest::gmock GTest::gtest_main)
  target_compile_definitions(${A_NAME} PRIVATE
    VPCCNI_SOURCE_DIR="${CMAKE_SOURCE_DIR}" VPCCNI_BINARY_DIR="${CMAKE_BINARY_DIR}")
  if(TARGET vpccni_test_pch)
    target_precompile_headers(${A_NAME} REUSE_FROM vpccni_test_pch)
  endif()
  gtest_discover_tests(${A_NAME}
    DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS "${A_LABELS}" TIMEOUT ${A_TIMEOUT}
    ENVIRONMENT "VPCCNI_BINARY_DIR=${CMAKE_BINARY_DIR};VPCCNI_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endfunction()

# One precompiled header (gtest, gmock, json, fmt, std) shared by every test target: test
# translation units spend most of their compile time in these headers.
function(vpccni_make_test_pch)
  add_library(vpccni_test_pch OBJECT ${CMAKE_SOURCE_DIR}/tests/pch_anchor.cc)
  vpccni_apply_common(vpccni_test_pch)
  target_link_libraries(vpccni_test_pch PRIVATE GTest::gmock GTest::gtest fmt::fmt-header-only
    tl::expected nlohmann_json::nlohmann_json)
  target_compile_definitions(vpccni_test_pch PRIVATE
    VPCCNI_SOURCE_DIR="${CMAKE_SOURCE_DIR}" VPCCNI_BINARY_DIR="${CMAKE_BINARY_DIR}")
  target_precompile_headers(vpccni_test_pch PRIVATE
    <gtest/gtest.h> <gmock/gmock.h> <nlohmann/json.hpp> <fmt/format.h> <tl/expected.hpp>
    <string> <string_view> <vector> <map> <memory> <optional> <functional> <chrono> <thread>)
endfunction()

function(vpccni_fuzz)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  if(NOT VPCCNI_BUILD_TESTS)
    return()
  endif()
  set(corpus ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${A_NAME})
  add_executable(fuzz_${A_NAME} ${A_SRCS})
  vpccni_apply_common(fuzz_${A_NAME})
  target_link_libraries(fuzz_${A_NAME} PRIVATE ${A_DEPS})
  if(VPCCNI_FUZZ)
    target_link_options(fuzz_${A_NAME} PRIVATE -fsanitize=fuzzer)
    add_test(NAME fuzz.${A_NAME}
      COMMAND fuzz_${A_NAME} -max_total_time=${VPCCNI_FUZZ_SECONDS} ${corpus})
    set_tests_properties(fuzz.${A_NAME} PROPERTIES LABELS fuzz)
  else()
    target_sources(fuzz_${A_NAME} PRIVATE ${CMAKE_SOURCE_DIR}/tests/fuzz/replay_main.cc)
    add_test(NAME fuzz_replay.${A_NAME} COMMAND fuzz_${A_NAME} ${corpus})
    set_tests_properties(fuzz_replay.${A_NAME} PROPERTIES LABELS unit TIMEOUT 120)
  endif()
endfunction()

function(vpccni_binary)
  cmake_parse_arguments(A "STATIC" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  vpccni_apply_common(${A_NAME})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS})
  if(A_STATIC)
    target_link_options(${A_NAME} PRIVATE -static)
  endif()
endfunction()
