// File: netns.h
//
// Network namespace helpers. Netns owns an fd on a netns (/run/netns/NAME, any nsfs path, or the
// calling thread's current one). ScopedNetns moves the CALLING THREAD into a netns and restores
// the previous one on destruction (setns() is per thread). CreateNamed/DeleteNamed manage named
// namespaces the way `ip netns add/del` does: a bind mount of a fresh netns on /run/netns/NAME.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace vpccni::netlink {

inline constexpr std::string_view kNetnsRunDir = "/run/netns";

class Netns {
 public:
  // Opens /run/netns/<name>. kNotFound if absent, kInvalidArgument for names with '/'.
  static Result<Netns> OpenByName(std::string_view name);
  // Opens any nsfs path (e.g. /proc/<pid>/ns/net, /var/run/netns/cni-...). kNotFound if absent,
  // kInvalidArgument if the file is not a network namespace.
  static Result<Netns> OpenPath(const std::string& path);
  // The calling thread's current netns (/proc/thread-self/ns/net).
  static Result<Netns> Current();

  // Creates /run/netns/<name> holding a new empty netns (lo down), like `ip netns add`.
  // kAlreadyExists if the name is taken. The calling thread's netns is unchanged.
  static Result<void> CreateNamed(std::string_view name);
  // Unmounts and removes /run/netns/<name>; kNotFound if absent. The netns itself goes away when
  // the last process/fd using it is gone.
  static Result<void> DeleteNamed(std::string_view name);
  static bool NamedExists(std::string_view name);

  Netns(Netns&& o) noexcept;
  Netns& operator=(Netns&& o) noexcept;
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;
  ~Netns();

  int fd() const { return fd_; }

  const std::string& path() const { return path_; }

  // True when both refer to the same namespace (same nsfs inode).
  bool SameAs(const Netns& other) const;

 private:
  Netns(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  int fd_ = -1;
  std::string path_;
};

// Moves the calling thread into `target` for the lifetime of this object. Must be destroyed on
// the same thread. If restoring fails the process aborts (a thread left in the wrong netns would
// silently corrupt later work).
class ScopedNetns {
 public:
  // kInternal/kPermissionDenied with sys_errno if setns() fails (the thread is then unchanged).
  static Result<ScopedNetns> Enter(const Netns& target);
  // Same with a raw netns fd (not owned; only used during the call).
  static Result<ScopedNetns> EnterFd(int netns_fd);

  ScopedNetns(ScopedNetns&& o) noexcept;
  ScopedNetns& operator=(ScopedNetns&&) = delete;
  ScopedNetns(const ScopedNetns&) = delete;
  ScopedNetns& operator=(const ScopedNetns&) = delete;
  ~ScopedNetns();

 private:
  explicit ScopedNetns(int saved_fd) : saved_fd_(saved_fd) {}

  int saved_fd_ = -1;
};

}  // namespace vpccni::netlink
