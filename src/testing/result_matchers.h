// File: result_matchers.h (test-only)
//
// gtest helpers for Result<T>: EXPECT_OK(expr), ASSERT_OK(expr), ASSERT_OK_AND_ASSIGN(lhs, expr),
// EXPECT_ERROR_CODE(expr, code).
#pragma once

#include <gtest/gtest.h>

#include "base/result.h"

#define EXPECT_OK(expr)                                              \
  do {                                                               \
    auto&& vpccni_r_ = (expr);                                       \
    EXPECT_TRUE(vpccni_r_.has_value()) << vpccni_r_.error().ToString(); \
  } while (0)

#define ASSERT_OK(expr)                                              \
  do {                                                               \
    auto&& vpccni_r_ = (expr);                                       \
    ASSERT_TRUE(vpccni_r_.has_value()) << vpccni_r_.error().ToString(); \
  } while (0)

#define VPCCNI_ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr)   \
  auto tmp = (expr);                                       \
  ASSERT_TRUE(tmp.has_value()) << tmp.error().ToString();  \
  lhs = std::move(*tmp)

#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  VPCCNI_ASSERT_OK_AND_ASSIGN_IMPL(VPCCNI_CONCAT(vpccni_test_r_, __LINE__), lhs, expr)

#define EXPECT_ERROR_CODE(expr, expected_code)                                   \
  do {                                                                           \
    auto&& vpccni_r_ = (expr);                                                   \
    ASSERT_FALSE(vpccni_r_.has_value()) << "expected an error";                  \
    EXPECT_EQ(vpccni_r_.error().code, expected_code) << vpccni_r_.error().ToString(); \
  } while (0)
