// File: sysctl.h
//
// SysctlOps reads and writes kernel parameters by slash-separated key relative to /proc/sys
// ("net/ipv6/conf/eni1234/accept_ra"; slashes, because interface names may contain dots).
// ProcSysctl acts in the calling thread's current netns at the time of each call (the net/
// subtree of /proc/sys follows the thread's netns).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vpccni::netlink {

class SysctlOps {
 public:
  virtual ~SysctlOps() = default;
  // Returns the value without the trailing newline. kNotFound if the key does not exist.
  virtual Result<std::string> Read(std::string_view key) = 0;
  // Writes the value. kNotFound if the key does not exist, kInvalidArgument for keys with "..".
  virtual Result<void> Write(std::string_view key, std::string_view value) = 0;
};

class ProcSysctl : public SysctlOps {
 public:
  // root defaults to /proc/sys (tests may point it at a temp dir).
  explicit ProcSysctl(std::string root = "/proc/sys") : root_(std::move(root)) {}

  Result<std::string> Read(std::string_view key) override;
  Result<void> Write(std::string_view key, std::string_view value) override;

 private:
  Result<std::string> PathFor(std::string_view key) const;
  std::string root_;
};

// ProcSysctl acting inside another netns: each call moves the calling thread into netns_fd and
// back (ScopedNetns). The fd is borrowed and must outlive this object.
class NetnsSysctl : public SysctlOps {
 public:
  explicit NetnsSysctl(int netns_fd) : netns_fd_(netns_fd) {}

  Result<std::string> Read(std::string_view key) override;
  Result<void> Write(std::string_view key, std::string_view value) override;

 private:
  int netns_fd_;
  ProcSysctl proc_;
};

// One desired sysctl value. tolerate_missing: a missing key is not an error (e.g. IPv6 keys on a
// kernel booted without IPv6).
struct SysctlSetting {
  std::string key;
  std::string value;
  bool tolerate_missing = false;

  bool operator==(const SysctlSetting&) const = default;
};

// Writes every setting in order; returns the first error (with the key in the context).
Result<void> ApplySysctls(SysctlOps& ops, const std::vector<SysctlSetting>& settings);

}  // namespace vpccni::netlink
