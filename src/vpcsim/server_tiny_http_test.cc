#include "vpcsim/server_tiny_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "testing/result_matchers.h"

namespace vpccni::vpcsim {
namespace {

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  return fd;
}

// Sends `req` and reads until `expect_bytes` arrive or the peer closes.
std::string RoundTrip(int fd, const std::string& req, size_t stop_after_responses = 1) {
  EXPECT_EQ(::send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  std::string out;
  char buf[4096];
  while (true) {
    size_t seen = 0;
    for (size_t p = out.find("HTTP/1.1 "); p != std::string::npos;
         p = out.find("HTTP/1.1 ", p + 1)) {
      ++seen;
    }
    if (seen >= stop_after_responses && out.size() > 4 &&
        out.find("\r\n\r\n") != std::string::npos && out.substr(out.size() - 2) != "\r\n") {
      break;
    }
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

TEST(TinyHttpServerTest, PutWithoutContentLengthKeepAliveAndErrors) {
  TinyHttpServer server([](const TinyHttpRequest& r) {
    TinyHttpResponse resp;
    resp.body = r.method + " " + r.path + " [" + r.body +
                "] ttl=" + (r.headers.count("x-ttl") ? r.headers.at("x-ttl") : "-");
    resp.headers["X-Echo"] = "1";
    return resp;
  });
  ASSERT_OK_AND_ASSIGN(int port, server.Bind("127.0.0.1", 0));
  server.Start();
  int fd = Connect(port);
  std::string a = RoundTrip(fd, "PUT /latest/api/token HTTP/1.1\r\nHost: x\r\nX-TTL: 60\r\n\r\n");
  EXPECT_NE(a.find("HTTP/1.1 200 OK"), std::string::npos) << a;
  EXPECT_NE(a.find("PUT /latest/api/token [] ttl=60"), std::string::npos) << a;
  EXPECT_NE(a.find("X-Echo: 1"), std::string::npos) << a;
  // Same connection, with a body.
  std::string b = RoundTrip(fd, "POST /p?q=1 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_NE(b.find("POST /p [abc]"), std::string::npos) << b;
  ::close(fd);
  fd = Connect(port);
  std::string bad = RoundTrip(fd, "NONSENSE\r\n\r\n");
  EXPECT_NE(bad.find("HTTP/1.1 400"), std::string::npos) << bad;
  ::close(fd);
  fd = Connect(port);
  std::string chunked =
      RoundTrip(fd, "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  EXPECT_NE(chunked.find("HTTP/1.1 411"), std::string::npos) << chunked;
  ::close(fd);
  // An idle keep-alive connection does not hold Stop() up.
  int idle = Connect(port);
  auto t0 = std::chrono::steady_clock::now();
  server.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  ::close(idle);
}

}  // namespace
}  // namespace vpccni::vpcsim
