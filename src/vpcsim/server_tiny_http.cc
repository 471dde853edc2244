#include "vpcsim/server_tiny_http.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "base/strings.h"

namespace vpccni::vpcsim {
namespace {

constexpr size_t kMaxHeaderBytes = 16 * 1024;
constexpr size_t kMaxBodyBytes = 64 * 1024;
constexpr int kIdleTimeoutMs = 5000;

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Internal Server Error";
  }
}

bool WriteAll(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

std::string Render(const TinyHttpResponse& r, bool keep_alive, bool head) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
                                r.status, Reason(r.status), r.content_type, r.body.size());
  for (const auto& [k, v] : r.headers) {
    out += k;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  if (!head) {
    out += r.body;
  }
  return out;
}

TinyHttpResponse Status(int status) {
  TinyHttpResponse r;
  r.status = status;
  r.body = Reason(status);
  return r;
}

}  // namespace

TinyHttpServer::~TinyHttpServer() {
  Stop();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
  }
  for (int fd : wake_fds_) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
}

Result<int> TinyHttpServer::Bind(const std::string& host, int port) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    family = AF_INET6;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in6);
  } else {
    return MakeError(ErrorCode::kInvalidArgument, "'{}' is not an IP address", host);
  }
  int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return MakeSysError(errno, "socket");
  }
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 64) != 0) {
    int err = errno;
    ::close(fd);
    Error e = MakeSysError(err, "bind {}:{}", host, port);
    e.code = ErrorCode::kUnavailable;
    return e;
  }
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    int err = errno;
    ::close(fd);
    return MakeSysError(err, "getsockname");
  }
  if (::pipe2(wake_fds_, O_CLOEXEC | O_NONBLOCK) != 0) {
    int err = errno;
    ::close(fd);
    return MakeSysError(err, "pipe2");
  }
  listen_fd_ = fd;
  return static_cast<int>(ntohs(family == AF_INET ? v4->sin_port : v6->sin6_port));
}

void TinyHttpServer::Start() {
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

void TinyHttpServer::Stop() {
  if (stopping_.exchange(true)) {
    return;
  }
  if (wake_fds_[1] >= 0) {
    char c = 1;
    (void)!::write(wake_fds_[1], &c, 1);
  }
  if (accept_thread_.joinable()) {
    accept_thread_.join();
  }
  std::vector<std::unique_ptr<Conn>> conns;
  {
    std::lock_guard<std::mutex> lock(mu_);
    conns.swap(conns_);
  }
  for (auto& c : conns) {
    ::shutdown(c->fd, SHUT_RDWR);
  }
  for (auto& c : conns) {
    if (c->thread.joinable()) {
      c->thread.join();
    }
    ::close(c->fd);
  }
}

void TinyHttpServer::AcceptLoop() {
  while (!stopping_) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fds_[0], POLLIN, 0}};
    int n = ::poll(fds, 2, 1000);
    if (n < 0 && errno != EINTR) {
      return;
    }
    if (stopping_ || (fds[1].revents & POLLIN) != 0) {
      return;
    }
    if ((fds[0].revents & POLLIN) == 0) {
      continue;
    }
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::lock_guard<std::mutex> lock(mu_);
    // Reap finished connections.
    for (auto it = conns_.begin(); it != conns_.end();) {
      if ((*it)->done) {
        (*it)->thread.join();
        ::close((*it)->fd);
        it = conns_.erase(it);
      } else {
        ++it;
      }
    }
    if (conns_.size() >= static_cast<size_t>(kMaxConnections)) {
      WriteAll(fd, Render(Status(503), false, false));
      ::close(fd);
      continue;
    }
    auto conn = std::make_unique<Conn>();
    conn->fd = fd;
    Conn* raw = conn.get();
    conn->thread = std::thread([this, raw] {
      Serve(raw->fd);
      raw->done = true;
    });
    conns_.push_back(std::move(conn));
  }
}

void TinyHttpServer::Serve(int fd) {
  std::string buf;
  char chunk[4096];
  // Reads more bytes into buf; false on EOF, error, idle timeout or stop.
  auto fill = [&]() -> bool {
    pollfd fds[2] = {{fd, POLLIN, 0}, {wake_fds_[0], POLLIN, 0}};
    int n = ::poll(fds, 2, kIdleTimeoutMs);
    if (n <= 0 || stopping_ || (fds[1].revents & POLLIN) != 0) {
      return false;
    }
    ssize_t r = ::recv(fd, chunk, sizeof(chunk), 0);
    if (r <= 0) {
      return false;
    }
    buf.append(chunk, static_cast<size_t>(r));
    return true;
  };
  while (!stopping_) {
    size_t end = buf.find("\r\n\r\n");
    while (end == std::string::npos) {
      if (buf.size() > kMaxHeaderBytes) {
        WriteAll(fd, Render(Status(431), false, false));
        return;
      }
      if (!fill()) {
        return;
      }
      end = buf.find("\r\n\r\n");
    }
    std::string_view head(buf.data(), end);
    TinyHttpRequest req;
    size_t line_end = head.find("\r\n");
    std::string_view request_line = head.substr(0, line_end);
    std::vector<std::string> parts = strings::Split(request_line, ' ', true);
    if (parts.size() != 3 || parts[2].rfind("HTTP/1.", 0) != 0) {
      WriteAll(fd, Render(Status(400), false, false));
      return;
    }
    req.method = parts[0];
    req.target = parts[1];
    req.path = req.target.substr(0, req.target.find('?'));
    bool http10 = parts[2] == "HTTP/1.0";
    if (line_end != std::string_view::npos) {
      for (const std::string& line : strings::Split(head.substr(line_end + 2), '\n', true)) {
        size_t colon = line.find(':');
        if (colon == std::string::npos) {
          WriteAll(fd, Render(Status(400), false, false));
          return;
        }
        req.headers[strings::ToLower(strings::Trim(std::string_view(line).substr(0, colon)))] =
            std::string(strings::Trim(std::string_view(line).substr(colon + 1)));
      }
    }
    buf.erase(0, end + 4);
    if (req.headers.count("transfer-encoding") > 0) {
      WriteAll(fd, Render(Status(411), false, false));
      return;
    }
    size_t length = 0;
    if (auto it = req.headers.find("content-length"); it != req.headers.end()) {
      const std::string& v = it->second;
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), length);
      if (v.empty() || ec != std::errc() || ptr != v.data() + v.size()) {
        WriteAll(fd, Render(Status(400), false, false));
        return;
      }
      if (length > kMaxBodyBytes) {
        WriteAll(fd, Render(Status(413), false, false));
        return;
      }
    }
    while (buf.size() < length) {
      if (!fill()) {
        return;
      }
    }
    req.body = buf.substr(0, length);
    buf.erase(0, length);
    std::string connection = strings::ToLower(req.headers["connection"]);
    bool keep_alive = http10 ? connection == "keep-alive" : connection != "close";
    TinyHttpResponse resp = handler_(req);
    if (!WriteAll(fd, Render(resp, keep_alive, req.method == "HEAD")) || !keep_alive) {
      return;
    }
  }
}

}  // namespace vpccni::vpcsim
