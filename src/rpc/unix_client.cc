#include "rpc/unix_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "rpc/frame_io.h"

namespace vpccni::rpc {
namespace {

Error Unavailable(int err, const std::string& path) {
  Error e = MakeSysError(err, "cannot connect to ipamd at {}", path);
  e.code = ErrorCode::kUnavailable;
  return e;
}

template <typename ReplyT>
Result<ReplyT> Expect(Result<Reply> r, Method want) {
  if (!r.has_value()) {
    return r.error();
  }
  if (auto* err = std::get_if<ErrorReply>(&*r)) {
    return MakeErrorValue(err->code, "ipamd: " + err->message);
  }
  if (MethodOf(*r) != want) {
    return MakeError(ErrorCode::kInvalidArgument, "rpc: reply method {} does not match {}",
                     MethodName(MethodOf(*r)), MethodName(want));
  }
  return std::get<ReplyT>(std::move(*r));
}

}  // namespace

std::string ResolveSocketPath(std::string_view configured) {
  if (!configured.empty()) {
    return std::string(configured);
  }
  const char* env = std::getenv(std::string(kSocketPathEnv).c_str());  // NOLINT
  if (env != nullptr && env[0] != '\0') {
    return env;
  }
  return std::string(kDefaultSocketPath);
}

Result<UnixClient> UnixClient::Connect(UnixClientOptions opts) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (opts.path.empty() || opts.path.size() >= sizeof(addr.sun_path)) {
    return MakeError(ErrorCode::kInvalidArgument, "ipamd socket path \"{}\" is empty or too long",
                     opts.path);
  }
  std::memcpy(addr.sun_path, opts.path.data(), opts.path.size());
  auto deadline = std::chrono::steady_clock::now() + opts.connect_timeout;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    return MakeSysError(errno, "socket(AF_UNIX)");
  }
  for (;;) {
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
      break;
    }
    int err = errno;
    if (err == EINTR) {
      continue;
    }
    if (err == EAGAIN || err == EINPROGRESS) {
      // The listener's backlog is full: ipamd is alive but busy; retry until the deadline.
      if (std::chrono::steady_clock::now() >= deadline) {
        ::close(fd);
        return MakeError(ErrorCode::kDeadlineExceeded, "connect to ipamd at {} timed out",
                         opts.path);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    ::close(fd);
    return Unavailable(err, opts.path);
  }
  return UnixClient(std::move(opts), fd);
}

UnixClient::UnixClient(UnixClient&& o) noexcept : opts_(std::move(o.opts_)), fd_(o.fd_) {
  o.fd_ = -1;
}

UnixClient& UnixClient::operator=(UnixClient&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    opts_ = std::move(o.opts_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

UnixClient::~UnixClient() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

Result<Reply> UnixClient::Call(const Request& req) {
  if (fd_ < 0) {
    return MakeError(ErrorCode::kFailedPrecondition, "rpc: client is not connected");
  }
  auto deadline = std::chrono::steady_clock::now() + opts_.call_timeout;
  RETURN_IF_ERROR(
      WithContext(internal::WriteFrame(fd_, EncodeRequest(req), deadline), "ipamd {}",
                  MethodName(MethodOf(req))));
  auto payload = internal::ReadFrame(fd_, opts_.max_frame_bytes, deadline);
  if (!payload.has_value()) {
    Error e = std::move(payload.error());
    if (e.code == ErrorCode::kNotFound) {
      e.code = ErrorCode::kUnavailable;
      e.message = "ipamd closed the connection without a reply";
    }
    e.AddContext(fmt::format("ipamd {}", MethodName(MethodOf(req))));
    return e;
  }
  return DecodeReply(*payload);
}

Result<AddNetworkReply> UnixClient::AddNetwork(const AddNetworkRequest& req) {
  return Expect<AddNetworkReply>(Call(req), Method::kAddNetwork);
}
Result<DelNetworkReply> UnixClient::DelNetwork(const DelNetworkRequest& req) {
  return Expect<DelNetworkReply>(Call(req), Method::kDelNetwork);
}
Result<GcReply> UnixClient::Gc(const GcRequest& req) {
  return Expect<GcReply>(Call(req), Method::kGc);
}
Result<StatusReply> UnixClient::Status(const StatusRequest& req) {
  return Expect<StatusReply>(Call(req), Method::kStatus);
}

}  // namespace vpccni::rpc
