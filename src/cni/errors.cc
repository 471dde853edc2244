#include "cni/errors.h"

#include <cstring>

#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace vpccni::cni {
namespace {
constexpr std::string_view kTag = "cni:";

ErrorCode CodeFor(int cni_code) {
  if (cni_code >= 1 && cni_code <= 7) {
    return ErrorCode::kInvalidArgument;
  }
  if (cni_code == kCodeTryAgainLater || cni_code == kCodeNotAvailable ||
      cni_code == kCodeLimitedConnectivity) {
    return ErrorCode::kUnavailable;
  }
  return ErrorCode::kInternal;
}
}  // namespace

Error CniError(int code, std::string msg) {
  Error e = MakeErrorValue(CodeFor(code), std::move(msg));
  e.reason = fmt::format("{}{}", kTag, code);
  return e;
}

Error TagCni(Error e, int code) {
  if (e.reason.rfind(kTag, 0) != 0) {
    e.reason = fmt::format("{}{}", kTag, code);
  }
  return e;
}

int CniCodeOf(const Error& e) {
  if (e.reason.rfind(kTag, 0) == 0) {
    auto n = strings::ParseInt(std::string_view(e.reason).substr(kTag.size()));
    if (n.has_value() && *n > 0 && *n < 1000) {
      return static_cast<int>(*n);
    }
  }
  switch (e.code) {
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded:
      return kCodeTryAgainLater;
    case ErrorCode::kInvalidArgument:
      return kCodeInvalidConfig;
    default:
      return kCodeInternal;
  }
}

std::string EncodeError(std::string_view cni_version, const Error& e) {
  nlohmann::json j;
  j["cniVersion"] = std::string(cni_version);
  j["code"] = CniCodeOf(e);
  std::string msg;
  for (const auto& c : e.context) {
    msg += c + ": ";
  }
  msg += e.message;
  j["msg"] = msg;
  if (e.sys_errno != 0) {
    j["details"] = std::strerror(e.sys_errno);  // NOLINT(concurrency-mt-unsafe)
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace vpccni::cni
