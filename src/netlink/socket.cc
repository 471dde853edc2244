#include "netlink/socket.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "netlink/netns.h"

namespace vpccni::netlink {
namespace {

constexpr size_t kRecvBufSize = 64 * 1024;

}  // namespace

bool IsMissingErrno(int err) {
  return err == ENOENT || err == ESRCH || err == ENODEV || err == EADDRNOTAVAIL;
}

Error ErrnoToError(int err, std::string message) {
  ErrorCode code = ErrorCode::kInternal;
  if (err == EEXIST) {
    code = ErrorCode::kAlreadyExists;
  } else if (IsMissingErrno(err)) {
    code = ErrorCode::kNotFound;
  } else if (err == EPERM || err == EACCES) {
    code = ErrorCode::kPermissionDenied;
  } else if (err == EINVAL || err == ERANGE || err == EAFNOSUPPORT || err == EOPNOTSUPP) {
    code = ErrorCode::kInvalidArgument;
  } else if (err == EBUSY || err == EAGAIN) {
    code = ErrorCode::kUnavailable;
  }
  Error e = MakeErrorValue(code, std::move(message));
  e.sys_errno = err;
  return e;
}

Result<NetlinkSocket> NetlinkSocket::Open(int protocol) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
  if (fd < 0) {
    return ErrnoToError(errno, fmt::format("socket(AF_NETLINK, {})", protocol));
  }
  NetlinkSocket s(fd);
  int one = 1;
  // Extended acks carry the kernel's error text; capped acks keep replies small. Both are
  // optional (older kernels), so failures are ignored.
  (void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
  (void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
  // Room for the acks of a full batch and for dump replies.
  int rcvbuf = 1 << 20;
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  timeval tv{};
  tv.tv_sec = 10;
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return ErrnoToError(errno, "bind(netlink)");
  }
  return s;
}

Result<NetlinkSocket> NetlinkSocket::OpenInNetns(int netns_fd) {
  ASSIGN_OR_RETURN(auto scoped, ScopedNetns::EnterFd(netns_fd));
  return Open();
}

NetlinkSocket::NetlinkSocket(NetlinkSocket&& o) noexcept : fd_(o.fd_), seq_(o.seq_) {
  o.fd_ = -1;
}

NetlinkSocket& NetlinkSocket::operator=(NetlinkSocket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) {
      close(fd_);
    }
    fd_ = o.fd_;
    seq_ = o.seq_;
    o.fd_ = -1;
  }
  return *this;
}

NetlinkSocket::~NetlinkSocket() {
  if (fd_ >= 0) {
    close(fd_);
  }
}

Result<std::vector<Reply>> NetlinkSocket::Exchange(std::vector<std::vector<uint8_t>> requests) {
  std::vector<Reply> replies(requests.size());
  if (requests.empty()) {
    return replies;
  }
  const uint32_t base = seq_;
  seq_ += static_cast<uint32_t>(requests.size());
  std::vector<bool> is_dump(requests.size());
  std::vector<bool> done(requests.size());
  std::vector<uint8_t> out;
  for (size_t i = 0; i < requests.size(); ++i) {
    auto& r = requests[i];
    if (r.size() < sizeof(nlmsghdr)) {
      return MakeError(ErrorCode::kInvalidArgument, "netlink request {} too short", i);
    }
    nlmsghdr h{};
    std::memcpy(&h, r.data(), sizeof(h));
    h.nlmsg_seq = base + static_cast<uint32_t>(i);
    h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    is_dump[i] = (h.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
    std::memcpy(r.data(), &h, sizeof(h));
    out.insert(out.end(), r.begin(), r.end());
    out.resize((out.size() + 3U) & ~size_t{3}, 0);
  }
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t sent = 0;
  do {
    sent = sendto(fd_, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
                  sizeof(kernel));
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    return ErrnoToError(errno, "netlink sendto");
  }
  size_t remaining = requests.size();
  std::vector<uint8_t> buf(kRecvBufSize);
  while (remaining > 0) {
    ssize_t n = 0;
    do {
      n = recv(fd_, buf.data(), buf.size(), MSG_TRUNC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      int err = errno;
      if (err == EAGAIN) {
        Error e = MakeError(ErrorCode::kDeadlineExceeded, "netlink reply timed out");
        e.sys_errno = err;
        return e;
      }
      return ErrnoToError(err, "netlink recv");
    }
    if (static_cast<size_t>(n) > buf.size()) {
      return MakeError(ErrorCode::kInternal, "netlink reply of {} bytes truncated", n);
    }
    ASSIGN_OR_RETURN(auto msgs,
                     SplitMessages(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n))));
    for (const auto& m : msgs) {
      if (m.seq < base || m.seq >= base + requests.size()) {
        continue;  // stale reply of an earlier exchange
      }
      size_t i = m.seq - base;
      if (done[i]) {
        continue;
      }
      if (m.type == NLMSG_ERROR) {
        ASSIGN_OR_RETURN(replies[i].error, DecodeErrorCode(m));
        if (replies[i].error != 0) {
          replies[i].error_text = DecodeExtAckMessage(m);
        }
        // A dump's terminal message is NLMSG_DONE; an error ends it too.
        done[i] = true;
        --remaining;
      } else if (m.type == NLMSG_DONE) {
        if (m.payload.size() >= sizeof(int32_t)) {
          int32_t e = 0;
          std::memcpy(&e, m.payload.data(), sizeof(e));
          replies[i].error = e < 0 ? -e : 0;
        }
        done[i] = true;
        --remaining;
      } else if (m.type != NLMSG_NOOP) {
        if ((m.flags & NLM_F_DUMP_INTR) != 0) {
          replies[i].dump_interrupted = true;
        }
        const uint8_t* start = m.payload.data() - sizeof(nlmsghdr);
        replies[i].messages.emplace_back(start, start + sizeof(nlmsghdr) + m.payload.size());
      }
    }
  }
  return replies;
}

Result<std::vector<std::vector<uint8_t>>> NetlinkSocket::Request(std::vector<uint8_t> request) {
  std::vector<std::vector<uint8_t>> reqs;
  reqs.push_back(std::move(request));
  ASSIGN_OR_RETURN(auto replies, Exchange(std::move(reqs)));
  Reply& r = replies[0];
  if (r.error != 0) {
    std::string msg = std::strerror(r.error);  // NOLINT(concurrency-mt-unsafe)
    if (!r.error_text.empty()) {
      msg += " (" + r.error_text + ")";
    }
    return ErrnoToError(r.error, "netlink: " + msg);
  }
  return std::move(r.messages);
}

}  // namespace vpccni::netlink
