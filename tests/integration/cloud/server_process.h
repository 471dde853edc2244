// File: server_process.h (test-only)
//
// Starts a server binary as a child process for integration tests, and stops it: SIGTERM, then
// SIGKILL after a grace period. Helpers to find a free loopback port, to poll an HTTP URL until it
// answers (with a deadline, never a fixed sleep), and to read the child's stdout line by line.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cloud/curl_http_client.h"

namespace vpccni::cloud::testing {

// A free TCP port on 127.0.0.1 (bind to 0, read it, close).
inline int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// Full path of an executable on PATH, or "".
inline std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): test-only
  std::string p = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(':', start);
    std::string dir = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::filesystem::path cand = std::filesystem::path(dir.empty() ? "." : dir) / name;
    if (access(cand.c_str(), X_OK) == 0) {
      return cand.string();
    }
    if (end == std::string::npos) {
      break;
    }
    start = end + 1;
  }
  return "";
}

class ServerProcess {
 public:
  ServerProcess() = default;
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess() { Stop(); }

  // Starts argv[0] with argv; stdout goes to a pipe (ReadLine), stderr to `stderr_path` (or
  // /dev/null). Returns false when fork/exec fails.
  bool Start(const std::vector<std::string>& argv, const std::string& stderr_path = "") {
    int out[2];
    if (pipe(out) != 0) {
      return false;
    }
    pid_ = fork();
    if (pid_ < 0) {
      return false;
    }
    if (pid_ == 0) {
      setpgid(0, 0);
      // The server dies with the test process even if the test crashes before Stop().
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      dup2(out[1], 1);
      int err = open(stderr_path.empty() ? "/dev/null" : stderr_path.c_str(),
                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (err >= 0) {
        dup2(err, 2);
      }
      close(out[0]);
      std::vector<char*> args;
      args.reserve(argv.size() + 1);
      for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
      }
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(out[1]);
    stdout_fd_ = out[0];
    return true;
  }

  // Reads one line of the child's stdout, waiting at most `timeout`.
  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      size_t nl = buf_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return std::nullopt;
      }
      pollfd pfd{stdout_fd_, POLLIN, 0};
      if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0) {
        continue;
      }
      char chunk[4096];
      ssize_t n = read(stdout_fd_, chunk, sizeof(chunk));
      if (n <= 0) {
        return std::nullopt;
      }
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }

  // SIGTERM the process group, wait up to `grace`, then SIGKILL. Idempotent.
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(3000)) {
    if (pid_ <= 0) {
      return;
    }
    kill(-pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + grace;
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(-pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = -1;
    if (stdout_fd_ >= 0) {
      close(stdout_fd_);
      stdout_fd_ = -1;
    }
  }

  bool Running() {
    return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buf_;
};

// Polls `url` until any HTTP status comes back or the deadline passes.
inline bool WaitForHttp(const std::string& url, std::chrono::milliseconds deadline_after) {
  CurlHttpClient http;
  auto deadline = std::chrono::steady_clock::now() + deadline_after;
  while (std::chrono::steady_clock::now() < deadline) {
    HttpRequest req;
    req.url = url;
    req.timeout = std::chrono::milliseconds(500);
    if (http.Send(req).has_value()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace vpccni::cloud::testing
