// File: unix_server.h
//
// Serves an IpamService on a Unix stream socket with the framing of protocol.h.
//
// Start(): mkdir -p the parent directory (0755), removes a stale socket file (refuses to remove
// anything that is not a socket, and refuses when a live server answers on it), binds, chmods the
// socket to 0600 and listens. Worker threads poll the listening socket and serve the connection
// they accept (no hand-off, no thread per connection): two at start, one more whenever the last
// idle worker takes a connection, up to max_connections; past that, connections wait in the
// listen backlog. Each connection checks SO_PEERCRED: the peer's uid must be 0, the server's
// effective uid, or listed in allowed_uids; otherwise it gets an Error reply of code
// permission_denied and is closed. Frames larger than max_frame_bytes close the connection after
// an Error reply. A connection idle (or a frame stalled) for longer than io_timeout is closed.
//
// Thread-safety: Shutdown() may be called from any thread, once or more; the destructor calls it.
// Shutdown stops accepting, lets in-flight requests finish, closes idle connections, joins all
// threads and unlinks the socket path.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "rpc/ipam_service.h"
#include "rpc/protocol.h"

namespace vpccni::rpc {

struct UnixServerOptions {
  std::string path = std::string(kDefaultSocketPath);
  uint32_t max_frame_bytes = kMaxFrameBytes;
  std::chrono::milliseconds io_timeout{30000};
  // Connections served at once (worker threads).
  int max_connections = 64;
  // Extra uids allowed besides 0 and the server's effective uid.
  std::vector<uid_t> allowed_uids;
};

class UnixServer {
 public:
  // Binds and starts serving `service` (not owned; must outlive the server). Errors: the errno
  // of mkdir/bind/listen/chmod (kInternal with sys_errno), kAlreadyExists when a live server
  // already listens on the path or the path exists and is not a socket.
  static Result<std::unique_ptr<UnixServer>> Start(IpamService* service, UnixServerOptions opts);

  ~UnixServer();
  UnixServer(const UnixServer&) = delete;
  UnixServer& operator=(const UnixServer&) = delete;

  void Shutdown();

  const std::string& path() const { return opts_.path; }

  // Requests answered so far (all connections).
  uint64_t requests_served() const { return served_.load(); }

 private:
  UnixServer(IpamService* service, UnixServerOptions opts, int listen_fd, int wake_r, int wake_w);
  void SpawnWorkerLocked();  // needs mu_
  void WorkerLoop();
  void Serve(int fd);

  IpamService* service_;
  UnixServerOptions opts_;
  int listen_fd_;
  int wake_r_;
  int wake_w_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> served_{0};
  std::atomic<int> idle_{0};  // workers waiting for a connection
  std::mutex mu_;
  std::vector<std::thread> workers_;  // guarded by mu_
  std::once_flag shutdown_once_;
};

}  // namespace vpccni::rpc
