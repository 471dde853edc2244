#include <cstring>

#include "base/result.h"

namespace vpccni {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "ok";
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "already_exists";
    case ErrorCode::kFailedPrecondition:
      return "failed_precondition";
    case ErrorCode::kResourceExhausted:
      return "resource_exhausted";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kDeadlineExceeded:
      return "deadline_exceeded";
    case ErrorCode::kPermissionDenied:
      return "permission_denied";
    case ErrorCode::kAborted:
      return "aborted";
    case ErrorCode::kUnimplemented:
      return "unimplemented";
    case ErrorCode::kInternal:
      return "internal";
    case ErrorCode::kDataLoss:
      return "data_loss";
  }
  return "unknown";
}

std::string Error::ToString() const {
  std::string out;
  for (const auto& c : context) {
    out += c;
    out += ": ";
  }
  out += message;
  if (!reason.empty()) {
    out += " [" + reason + "]";
  }
  if (sys_errno != 0) {
    out += " (";
    out += std::strerror(sys_errno);  // NOLINT(concurrency-mt-unsafe)
    out += ")";
  }
  return out;
}

}  // namespace vpccni
