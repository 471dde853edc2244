// File: result.h
//
// Result<T> is the project's error-as-value type: a [[nodiscard]] wrapper over tl::expected<T, Error>.
// Error carries a canonical code, a message, an optional machine-readable reason (for example an EC2
// error code such as "InsufficientCidrBlocks"), an errno and a context chain added by WithContext().
// This header and error.cc are the only code that names tl::, so a later move to std::expected stays
// local.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <tl/expected.hpp>

namespace vpccni {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kResourceExhausted,
  kUnavailable,
  kDeadlineExceeded,
  kPermissionDenied,
  kAborted,
  kUnimplemented,
  kInternal,
  kDataLoss,
};

// Returns the stable lower-case name of a code ("invalid_argument", ...).
std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  // Machine-readable sub-code, e.g. the EC2 error code; empty when none.
  std::string reason;
  int sys_errno = 0;
  // Outermost context first.
  std::vector<std::string> context;

  // Adds an outer context line ("attach eni-123") and returns *this.
  Error& AddContext(std::string ctx) {
    context.insert(context.begin(), std::move(ctx));
    return *this;
  }

  // "ctx1: ctx2: message [reason] (errno text)".
  std::string ToString() const;
};

template <typename T = void>
class [[nodiscard]] Result : public tl::expected<T, Error> {
 public:
  using Base = tl::expected<T, Error>;
  using Base::Base;
  Result(const Base& b) : Base(b) {}             // NOLINT(google-explicit-constructor)
  Result(Base&& b) : Base(std::move(b)) {}       // NOLINT(google-explicit-constructor)
  Result(Error e) : Base(tl::unexpected<Error>(std::move(e))) {}  // NOLINT
};

inline Error MakeErrorValue(ErrorCode code, std::string message) {
  Error e;
  e.code = code;
  e.message = std::move(message);
  return e;
}

// Builds an Error with a fmt-formatted message.
template <typename... Args>
Error MakeError(ErrorCode code, fmt::format_string<Args...> f, Args&&... args) {
  return MakeErrorValue(code, fmt::format(f, std::forward<Args>(args)...));
}

// Builds an Error from errno with a fmt-formatted message.
template <typename... Args>
Error MakeSysError(int err, fmt::format_string<Args...> f, Args&&... args) {
  Error e = MakeErrorValue(ErrorCode::kInternal, fmt::format(f, std::forward<Args>(args)...));
  e.sys_errno = err;
  return e;
}

// Returns the result unchanged on success; on error prepends a context line.
template <typename T, typename... Args>
Result<T> WithContext(Result<T> r, fmt::format_string<Args...> f, Args&&... args) {
  if (!r.has_value()) {
    r.error().AddContext(fmt::format(f, std::forward<Args>(args)...));
  }
  return r;
}

inline Result<void> Ok() { return {}; }

}  // namespace vpccni

#define VPCCNI_CONCAT_INNER(a, b) a##b
#define VPCCNI_CONCAT(a, b) VPCCNI_CONCAT_INNER(a, b)

// Evaluates expr (a Result<...>); on error returns its Error from the enclosing function.
#define RETURN_IF_ERROR(expr)                                   \
  do {                                                          \
    auto&& vpccni_status_ = (expr);                             \
    if (!vpccni_status_.has_value()) {                          \
      return ::vpccni::Error(std::move(vpccni_status_.error())); \
    }                                                           \
  } while (0)

#define VPCCNI_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.has_value()) {                            \
    return ::vpccni::Error(std::move(tmp.error()));  \
  }                                                  \
  lhs = std::move(*tmp)

// Evaluates expr (a Result<T>); on error returns the Error, else assigns the value to lhs
// (which may be a declaration: ASSIGN_OR_RETURN(auto x, Foo());).
#define ASSIGN_OR_RETURN(lhs, expr) \
  VPCCNI_ASSIGN_OR_RETURN_IMPL(VPCCNI_CONCAT(vpccni_result_, __LINE__), lhs, expr)
