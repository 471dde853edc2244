#include "netlink/sysctl.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "netlink/netns.h"
#include "netlink/socket.h"

namespace vpccni::netlink {

Result<std::string> ProcSysctl::PathFor(std::string_view key) const {
  if (key.empty() || key.front() == '/' || key.find("..") != std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid sysctl key '{}'", key);
  }
  return root_ + "/" + std::string(key);
}

Result<std::string> ProcSysctl::Read(std::string_view key) {
  ASSIGN_OR_RETURN(auto path, PathFor(key));
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return ErrnoToError(errno, "read sysctl " + std::string(key));
  }
  std::string out;
  char buf[512];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      int err = errno;
      close(fd);
      return ErrnoToError(err, "read sysctl " + std::string(key));
    }
    if (n == 0) {
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
    out.pop_back();
  }
  return out;
}

Result<void> ProcSysctl::Write(std::string_view key, std::string_view value) {
  ASSIGN_OR_RETURN(auto path, PathFor(key));
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    return ErrnoToError(errno, "write sysctl " + std::string(key));
  }
  ssize_t n = 0;
  do {
    n = write(fd, value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  int err = errno;
  close(fd);
  if (n < 0) {
    return ErrnoToError(err, fmt::format("write sysctl {}={}", key, value));
  }
  return Ok();
}

Result<std::string> NetnsSysctl::Read(std::string_view key) {
  ASSIGN_OR_RETURN(auto scoped, ScopedNetns::EnterFd(netns_fd_));
  return proc_.Read(key);
}

Result<void> NetnsSysctl::Write(std::string_view key, std::string_view value) {
  ASSIGN_OR_RETURN(auto scoped, ScopedNetns::EnterFd(netns_fd_));
  return proc_.Write(key, value);
}

Result<void> ApplySysctls(SysctlOps& ops, const std::vector<SysctlSetting>& settings) {
  for (const auto& s : settings) {
    auto r = ops.Write(s.key, s.value);
    if (!r) {
      if (s.tolerate_missing && r.error().code == ErrorCode::kNotFound) {
        continue;
      }
      return WithContext(std::move(r), "sysctl {}={}", s.key, s.value);
    }
  }
  return Ok();
}

}  // namespace vpccni::netlink
