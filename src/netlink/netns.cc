#include "netlink/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "netlink/socket.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

namespace vpccni::netlink {
namespace {

constexpr const char* kThreadNetns = "/proc/thread-self/ns/net";

Result<std::string> NamedPath(std::string_view name) {
  if (name.empty() || name.find('/') != std::string_view::npos || name == "." || name == "..") {
    return MakeError(ErrorCode::kInvalidArgument, "invalid netns name '{}'", name);
  }
  return std::string(kNetnsRunDir) + "/" + std::string(name);
}

Error SysError(int err, std::string msg) {
  return ErrnoToError(err, std::move(msg));
}

// Makes /run/netns exist and be a shared mount point, as `ip netns add` does, so that
// namespaces mounted later propagate to mount namespaces created from this one.
Result<void> PrepareRunDir() {
  std::string dir(kNetnsRunDir);
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return SysError(errno, "mkdir " + dir);
  }
  if (mount("", dir.c_str(), "none", MS_SHARED | MS_REC, nullptr) == 0) {
    return Ok();
  }
  if (errno != EINVAL) {
    return SysError(errno, "mount --make-shared " + dir);
  }
  // Not a mount point yet: bind it onto itself, then retry.
  if (mount(dir.c_str(), dir.c_str(), "none", MS_BIND | MS_REC, nullptr) != 0) {
    return SysError(errno, "mount --bind " + dir);
  }
  if (mount("", dir.c_str(), "none", MS_SHARED | MS_REC, nullptr) != 0) {
    return SysError(errno, "mount --make-shared " + dir);
  }
  return Ok();
}

}  // namespace

Result<Netns> Netns::OpenPath(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return SysError(err, fmt::format("open netns {}", path));
  }

  struct statfs st {};

  if (fstatfs(fd, &st) != 0 || st.f_type != NSFS_MAGIC) {
    close(fd);
    return MakeError(ErrorCode::kInvalidArgument, "{} is not a network namespace", path);
  }
  return Netns(fd, path);
}

Result<Netns> Netns::OpenByName(std::string_view name) {
  ASSIGN_OR_RETURN(auto path, NamedPath(name));
  return OpenPath(path);
}

Result<Netns> Netns::Current() {
  return OpenPath(kThreadNetns);
}

bool Netns::NamedExists(std::string_view name) {
  auto path = NamedPath(name);
  return path && access(path->c_str(), F_OK) == 0;
}

Result<void> Netns::CreateNamed(std::string_view name) {
  ASSIGN_OR_RETURN(auto path, NamedPath(name));
  RETURN_IF_ERROR(PrepareRunDir());
  int fd = open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (fd < 0) {
    return SysError(errno, "create " + path);
  }
  close(fd);
  // unshare() on a short-lived thread so the caller's netns never changes.
  int err = 0;
  std::string what;
  std::thread t([&] {
    if (unshare(CLONE_NEWNET) != 0) {
      err = errno;
      what = "unshare(CLONE_NEWNET)";
      return;
    }
    if (mount(kThreadNetns, path.c_str(), "none", MS_BIND, nullptr) != 0) {
      err = errno;
      what = "bind mount netns on " + path;
    }
  });
  t.join();
  if (err != 0) {
    unlink(path.c_str());
    return SysError(err, what);
  }
  return Ok();
}

Result<void> Netns::DeleteNamed(std::string_view name) {
  ASSIGN_OR_RETURN(auto path, NamedPath(name));
  if (access(path.c_str(), F_OK) != 0) {
    return MakeError(ErrorCode::kNotFound, "netns {} does not exist", name);
  }
  if (umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL) {
    return SysError(errno, "umount " + path);
  }
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return SysError(errno, "unlink " + path);
  }
  return Ok();
}

Netns::Netns(Netns&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) {
  o.fd_ = -1;
}

Netns& Netns::operator=(Netns&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) {
      close(fd_);
    }
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
  }
  return *this;
}

Netns::~Netns() {
  if (fd_ >= 0) {
    close(fd_);
  }
}

bool Netns::SameAs(const Netns& other) const {
  struct stat a {};

  struct stat b {};

  if (fstat(fd_, &a) != 0 || fstat(other.fd_, &b) != 0) {
    return false;
  }
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

Result<ScopedNetns> ScopedNetns::EnterFd(int netns_fd) {
  int saved = open(kThreadNetns, O_RDONLY | O_CLOEXEC);
  if (saved < 0) {
    return SysError(errno, std::string("open ") + kThreadNetns);
  }
  if (setns(netns_fd, CLONE_NEWNET) != 0) {
    int err = errno;
    close(saved);
    return SysError(err, "setns(CLONE_NEWNET)");
  }
  return ScopedNetns(saved);
}

Result<ScopedNetns> ScopedNetns::Enter(const Netns& target) {
  return EnterFd(target.fd());
}

ScopedNetns::ScopedNetns(ScopedNetns&& o) noexcept : saved_fd_(o.saved_fd_) {
  o.saved_fd_ = -1;
}

ScopedNetns::~ScopedNetns() {
  if (saved_fd_ < 0) {
    return;
  }
  if (setns(saved_fd_, CLONE_NEWNET) != 0) {
    // A thread stuck in the wrong namespace would silently misconfigure the node.
    std::abort();
  }
  close(saved_fd_);
}

}  // namespace vpccni::netlink
