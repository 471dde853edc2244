#include "policy/npa.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "net/ip.h"

namespace vpccni::policy {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

Result<void> WaitFd(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return MakeError(ErrorCode::kDeadlineExceeded, "npa socket I/O timed out");
    }
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc > 0) {
      return Ok();
    }
    if (rc < 0 && errno != EINTR) {
      return MakeSysError(errno, "poll");
    }
  }
}

Result<void> WriteAll(int fd, const std::string& data, Clock::time_point deadline) {
  size_t off = 0;
  while (off < data.size()) {
    RETURN_IF_ERROR(WaitFd(fd, POLLOUT, deadline));
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) {
        continue;
      }
      Error e = MakeSysError(errno, "write to npa socket");
      e.code = ErrorCode::kUnavailable;
      return e;
    }
    off += static_cast<size_t>(n);
  }
  return Ok();
}

Result<void> ReadExact(int fd, char* buf, size_t len, Clock::time_point deadline) {
  size_t off = 0;
  while (off < len) {
    RETURN_IF_ERROR(WaitFd(fd, POLLIN, deadline));
    ssize_t n = ::recv(fd, buf + off, len - off, MSG_DONTWAIT);
    if (n == 0) {
      return MakeError(ErrorCode::kUnavailable, "npa peer closed the connection");
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) {
        continue;
      }
      Error e = MakeSysError(errno, "read from npa socket");
      e.code = ErrorCode::kUnavailable;
      return e;
    }
    off += static_cast<size_t>(n);
  }
  return Ok();
}

Result<void> WriteFrame(int fd, std::string_view payload, Clock::time_point deadline) {
  std::string frame(4, '\0');
  uint32_t n = static_cast<uint32_t>(payload.size());
  frame[0] = static_cast<char>(n >> 24);
  frame[1] = static_cast<char>(n >> 16);
  frame[2] = static_cast<char>(n >> 8);
  frame[3] = static_cast<char>(n);
  frame.append(payload);
  return WriteAll(fd, frame, deadline);
}

Result<std::string> ReadFrame(int fd, Clock::time_point deadline) {
  unsigned char hdr[4];
  RETURN_IF_ERROR(ReadExact(fd, reinterpret_cast<char*>(hdr), 4, deadline));
  uint32_t n = (uint32_t{hdr[0]} << 24) | (uint32_t{hdr[1]} << 16) | (uint32_t{hdr[2]} << 8) |
               uint32_t{hdr[3]};
  if (n == 0 || n > kNpaMaxFrame) {
    return MakeError(ErrorCode::kInvalidArgument, "npa frame length {} out of range", n);
  }
  std::string payload(n, '\0');
  RETURN_IF_ERROR(ReadExact(fd, payload.data(), n, deadline));
  return payload;
}

Result<std::string> StringField(const Json& obj, const char* key, bool required) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) {
      return MakeError(ErrorCode::kInvalidArgument, "npa request: {} missing", key);
    }
    return std::string();
  }
  if (!it->is_string()) {
    return MakeError(ErrorCode::kInvalidArgument, "npa request: {} must be a string", key);
  }
  return it->get<std::string>();
}

}  // namespace

std::string EncodeNpaRequest(const NpaRequest& r) {
  return Json{{"Version", 1},
              {"Method", r.method},
              {"Request",
               {{"K8S_POD_NAME", r.pod_name},
                {"K8S_POD_NAMESPACE", r.pod_namespace},
                {"PodIP", r.pod_ip},
                {"IfName", r.if_name}}}}
      .dump();
}

Result<NpaRequest> DecodeNpaRequest(std::string_view json) {
  Json j = Json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "npa request is not a JSON object");
  }
  auto v = j.find("Version");
  if (v == j.end() || !v->is_number_integer() || v->get<int>() != 1) {
    return MakeError(ErrorCode::kInvalidArgument, "npa request: unsupported Version");
  }
  NpaRequest r;
  ASSIGN_OR_RETURN(r.method, StringField(j, "Method", true));
  if (r.method != kNpaEnforce && r.method != kNpaDelete) {
    return MakeError(ErrorCode::kInvalidArgument, "npa request: unknown Method \"{}\"", r.method);
  }
  auto req = j.find("Request");
  if (req == j.end() || !req->is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "npa request: Request object missing");
  }
  ASSIGN_OR_RETURN(r.pod_name, StringField(*req, "K8S_POD_NAME", true));
  ASSIGN_OR_RETURN(r.pod_namespace, StringField(*req, "K8S_POD_NAMESPACE", true));
  ASSIGN_OR_RETURN(r.pod_ip, StringField(*req, "PodIP", false));
  ASSIGN_OR_RETURN(r.if_name, StringField(*req, "IfName", false));
  if (r.pod_name.empty() || r.pod_namespace.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "npa request: empty pod name or namespace");
  }
  if (r.method == kNpaEnforce && !net::Ipv4Address::Parse(r.pod_ip)) {
    return MakeError(ErrorCode::kInvalidArgument, "npa request: PodIP \"{}\" is not IPv4",
                     r.pod_ip);
  }
  return r;
}

std::string EncodeNpaReply(std::string_view method, const NpaReply& r) {
  Json reply{{"Success", r.success}};
  if (!r.state.empty()) {
    reply["State"] = r.state;
  }
  if (!r.error_message.empty()) {
    reply["ErrorMessage"] = r.error_message;
  }
  return Json{{"Version", 1}, {"Method", method}, {"Reply", reply}}.dump();
}

Result<NpaReply> DecodeNpaReply(std::string_view json) {
  Json j = Json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("Reply") || !j["Reply"].is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "npa reply is malformed");
  }
  const Json& r = j["Reply"];
  NpaReply out;
  out.success = r.value("Success", false);
  out.state = r.contains("State") && r["State"].is_string() ? r["State"].get<std::string>() : "";
  out.error_message = r.contains("ErrorMessage") && r["ErrorMessage"].is_string()
                          ? r["ErrorMessage"].get<std::string>()
                          : "";
  return out;
}

Result<NpaReply> CallNpa(const std::string& socket_path, const NpaRequest& request,
                         std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return MakeSysError(errno, "socket");
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path)) {
    ::close(fd);
    return MakeError(ErrorCode::kInvalidArgument, "socket path too long: {}", socket_path);
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    ::close(fd);
    Error e = MakeSysError(err, "connect {}", socket_path);
    e.code = ErrorCode::kUnavailable;
    return e;
  }
  auto result = [&]() -> Result<NpaReply> {
    RETURN_IF_ERROR(WriteFrame(fd, EncodeNpaRequest(request), deadline));
    ASSIGN_OR_RETURN(std::string payload, ReadFrame(fd, deadline));
    return DecodeNpaReply(payload);
  }();
  ::close(fd);
  return result;
}

Result<std::unique_ptr<NpaServer>> NpaServer::Start(const std::string& path, Handler handler) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::filesystem::create_directories(parent, ec);
  }

  struct stat st {};

  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return MakeError(ErrorCode::kAlreadyExists, "{} exists and is not a socket", path);
    }
    ::unlink(path.c_str());
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    return MakeSysError(errno, "socket");
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    ::close(fd);
    return MakeError(ErrorCode::kInvalidArgument, "socket path too long: {}", path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::chmod(path.c_str(), 0600) != 0 || ::listen(fd, 16) != 0) {
    int err = errno;
    ::close(fd);
    return MakeSysError(err, "bind/listen {}", path);
  }
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) != 0) {
    int err = errno;
    ::close(fd);
    return MakeSysError(err, "pipe");
  }
  return std::unique_ptr<NpaServer>(
      new NpaServer(path, std::move(handler), fd, pipefd[0], pipefd[1]));
}

NpaServer::NpaServer(std::string path, Handler handler, int listen_fd, int wake_r, int wake_w)
    : path_(std::move(path)),
      handler_(std::move(handler)),
      listen_fd_(listen_fd),
      wake_r_(wake_r),
      wake_w_(wake_w) {
  thread_ = std::thread([this] { Loop(); });
}

NpaServer::~NpaServer() {
  Shutdown();
}

void NpaServer::Shutdown() {
  if (stopped_.exchange(true)) {
    return;
  }
  char c = 1;
  (void)!::write(wake_w_, &c, 1);
  if (thread_.joinable()) {
    thread_.join();
  }
  ::close(listen_fd_);
  ::close(wake_r_);
  ::close(wake_w_);
  ::unlink(path_.c_str());
}

void NpaServer::Loop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_r_, POLLIN, 0}};
    int rc = ::poll(fds, 2, -1);
    if (rc < 0 && errno != EINTR) {
      LOG_ERROR("netpol", "npa poll failed: {}", std::strerror(errno));
      return;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      return;
    }
    if ((fds[0].revents & POLLIN) == 0) {
      continue;
    }
    int conn = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) {
      continue;
    }
    ServeOne(conn);
    ::close(conn);
  }
}

void NpaServer::ServeOne(int fd) {
  auto deadline = Clock::now() + std::chrono::seconds(2);
  auto payload = ReadFrame(fd, deadline);
  if (!payload) {
    LOG_WARN("netpol", "npa: bad frame: {}", payload.error().ToString());
    return;
  }
  auto req = DecodeNpaRequest(*payload);
  NpaReply reply;
  std::string method = "Error";
  if (!req) {
    reply.success = false;
    reply.error_message = req.error().message;
  } else {
    method = req->method;
    reply = handler_(*req);
  }
  auto w = WriteFrame(fd, EncodeNpaReply(method, reply), deadline);
  if (!w) {
    LOG_WARN("netpol", "npa: cannot reply: {}", w.error().ToString());
  }
}

}  // namespace vpccni::policy
