#include "rpc/unix_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/log.h"
#include "rpc/frame_io.h"

namespace vpccni::rpc {

namespace {

constexpr std::string_view kLog = "rpc";
// Workers started with the server; more are added while all are busy, up to max_connections.
constexpr int kInitialWorkers = 2;

Result<void> PrepareSocketPath(const std::string& path) {
  std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) {
    std::filesystem::create_directories(p.parent_path(), ec);
    if (ec) {
      return MakeSysError(ec.value(), "mkdir -p {}", p.parent_path().string());
    }
  }

  struct stat st {};

  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return Ok();
    }
    return MakeSysError(errno, "stat {}", path);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return MakeError(ErrorCode::kAlreadyExists, "{} exists and is not a socket", path);
  }
  // A socket file: stale unless a server still answers on it.
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return MakeSysError(errno, "socket(AF_UNIX)");
  }
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int err = errno;
  ::close(fd);
  if (rc == 0 || err == EAGAIN) {
    return MakeError(ErrorCode::kAlreadyExists, "another server is listening on {}", path);
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return MakeSysError(errno, "remove stale socket {}", path);
  }
  return Ok();
}

// Replies with an error and closes once the peer has sent what it wanted to (or 200 ms passed):
// closing first would make the peer's pending write fail and lose the reply.
void SendErrorAndClose(int fd, ErrorCode code, std::string message) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  (void)internal::WriteFrame(fd, EncodeReply(ErrorReply{code, std::move(message)}), deadline);
  ::shutdown(fd, SHUT_WR);
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0 ||
        ::read(fd, buf, sizeof(buf)) <= 0) {
      break;
    }
  }
  ::close(fd);
}

}  // namespace

Result<std::unique_ptr<UnixServer>> UnixServer::Start(IpamService* service,
                                                      UnixServerOptions opts) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (opts.path.empty() || opts.path.size() >= sizeof(addr.sun_path)) {
    return MakeError(ErrorCode::kInvalidArgument, "socket path \"{}\" is empty or too long",
                     opts.path);
  }
  if (service == nullptr) {
    return MakeError(ErrorCode::kInvalidArgument, "UnixServer needs a service");
  }
  RETURN_IF_ERROR(PrepareSocketPath(opts.path));
  std::memcpy(addr.sun_path, opts.path.data(), opts.path.size());
  // Non-blocking: every worker polls the listening socket and only one wins each accept.
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    return MakeSysError(errno, "socket(AF_UNIX)");
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    ::close(fd);
    return MakeSysError(err, "bind {}", opts.path);
  }
  if (::chmod(opts.path.c_str(), 0600) != 0 || ::listen(fd, 512) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(opts.path.c_str());
    return MakeSysError(err, "chmod/listen {}", opts.path);
  }
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(opts.path.c_str());
    return MakeSysError(err, "pipe2");
  }
  std::unique_ptr<UnixServer> server(
      new UnixServer(service, std::move(opts), fd, pipefd[0], pipefd[1]));
  {
    std::lock_guard<std::mutex> lock(server->mu_);
    for (int i = 0; i < std::min(kInitialWorkers, server->opts_.max_connections); ++i) {
      server->SpawnWorkerLocked();
    }
  }
  LOG_INFO(kLog, "serving the plugin protocol v{} on {}", kProtocolVersion, server->path());
  return server;
}

UnixServer::UnixServer(IpamService* service, UnixServerOptions opts, int listen_fd, int wake_r,
                       int wake_w)
    : service_(service),
      opts_(std::move(opts)),
      listen_fd_(listen_fd),
      wake_r_(wake_r),
      wake_w_(wake_w) {}

UnixServer::~UnixServer() {
  Shutdown();
}

void UnixServer::Shutdown() {
  std::call_once(shutdown_once_, [this] {
    stopping_ = true;
    char b = 1;
    (void)!::write(wake_w_, &b, 1);  // never read: every poller sees it readable
    std::vector<std::thread> workers;
    {
      std::lock_guard<std::mutex> lock(mu_);
      workers.swap(workers_);
    }
    for (auto& t : workers) {
      t.join();
    }
    ::close(listen_fd_);
    ::unlink(opts_.path.c_str());
    ::close(wake_r_);
    ::close(wake_w_);
  });
}

void UnixServer::SpawnWorkerLocked() {
  if (stopping_ || static_cast<int>(workers_.size()) >= opts_.max_connections) {
    return;
  }
  idle_.fetch_add(1);
  workers_.emplace_back([this] { WorkerLoop(); });
}

void UnixServer::WorkerLoop() {
  const uid_t self = ::geteuid();
  while (!stopping_) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_r_, POLLIN, 0}};
    int n = ::poll(fds, 2, 1000);
    if (n < 0 && errno != EINTR) {
      LOG_ERROR(kLog, "poll on {}: {}", opts_.path, std::strerror(errno));  // NOLINT
      return;
    }
    if (n <= 0 || (fds[1].revents & POLLIN) != 0) {
      continue;
    }
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;  // another worker took it (EAGAIN), or the peer is gone already
    }
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      SendErrorAndClose(fd, ErrorCode::kPermissionDenied, "cannot read peer credentials");
      continue;
    }
    bool allowed = cred.uid == 0 || cred.uid == self ||
                   std::find(opts_.allowed_uids.begin(), opts_.allowed_uids.end(), cred.uid) !=
                       opts_.allowed_uids.end();
    if (!allowed) {
      LOG_WARN(kLog, "rejected a connection from uid {} pid {}", cred.uid, cred.pid);
      SendErrorAndClose(fd, ErrorCode::kPermissionDenied,
                        fmt::format("uid {} may not use this socket", cred.uid));
      continue;
    }
    if (idle_.fetch_sub(1) == 1) {
      // This was the last idle worker: keep one listening while this one serves.
      std::lock_guard<std::mutex> lock(mu_);
      SpawnWorkerLocked();
    }
    Serve(fd);
    idle_.fetch_add(1);
  }
}

void UnixServer::Serve(int fd) {
  for (;;) {
    auto deadline = std::chrono::steady_clock::now() + opts_.io_timeout;
    auto payload = internal::ReadFrame(fd, opts_.max_frame_bytes, deadline, wake_r_);
    if (!payload.has_value()) {
      if (payload.error().code == ErrorCode::kInvalidArgument) {
        (void)internal::WriteFrame(
            fd, EncodeReply(ErrorReply{ErrorCode::kInvalidArgument, payload.error().message}),
            std::chrono::steady_clock::now() + std::chrono::milliseconds(200));
      }
      break;
    }
    std::string reply = HandlePayload(*service_, *payload);
    served_.fetch_add(1);
    if (!internal::WriteFrame(fd, reply, std::chrono::steady_clock::now() + opts_.io_timeout)
             .has_value()) {
      break;
    }
    if (stopping_) {
      break;
    }
  }
  ::close(fd);
}

}  // namespace vpccni::rpc
