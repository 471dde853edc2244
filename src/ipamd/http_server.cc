#include "ipamd/http_server.h"

#include <httplib.h>

#include "base/log.h"
#include "base/strings.h"

namespace vpccni::ipamd {

struct HttpServer::Impl {
  httplib::Server server;
};

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  std::string_view t = strings::Trim(text);
  if (t.rfind("unix:", 0) == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "listen address '{}': unix sockets are not "
                     "supported", text);
  }
  ListenAddress a;
  std::string_view port_part = t;
  auto colon = t.rfind(':');
  if (colon != std::string_view::npos) {
    a.host = std::string(t.substr(0, colon));
    port_part = t.substr(colon + 1);
    if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']') {
      a.host = a.host.substr(1, a.host.size() - 2);
    }
  }
  if (a.host.empty()) {
    a.host = "0.0.0.0";
  }
  auto port = strings::ParseInt(port_part);
  if (!port || *port < 0 || *port > 65535) {
    return MakeError(ErrorCode::kInvalidArgument, "listen address '{}': bad port", text);
  }
  a.port = static_cast<int>(*port);
  return a;
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(std::string_view listen,
                                                      HttpHandler handler, std::string name) {
  ASSIGN_OR_RETURN(ListenAddress addr, ParseListenAddress(listen));
  std::unique_ptr<HttpServer> s(new HttpServer());
  s->impl_ = std::make_unique<Impl>();
  s->impl_->server.set_read_timeout(5, 0);
  s->impl_->server.set_write_timeout(5, 0);
  auto h = std::move(handler);
  s->impl_->server.Get(".*", [h, name](const httplib::Request& req, httplib::Response& res) {
    HttpResponse r = h(req.path);
    res.status = r.status;
    res.set_content(r.body, r.content_type.c_str());
    LOG_DEBUG("ipamd", "{} GET {} -> {}", name, req.path, r.status);
  });
  int port = 0;
  if (addr.port == 0) {
    port = s->impl_->server.bind_to_any_port(addr.host);
  } else {
    port = s->impl_->server.bind_to_port(addr.host, addr.port) ? addr.port : -1;
  }
  if (port <= 0) {
    return MakeError(ErrorCode::kUnavailable, "{}: cannot listen on {}", name, listen);
  }
  s->host_ = addr.host;
  s->port_ = port;
  Impl* impl = s->impl_.get();
  s->thread_ = std::thread([impl] { impl->server.listen_after_bind(); });
  return s;
}

void HttpServer::Stop() {
  if (stopped_.exchange(true)) {
    return;
  }
  if (impl_) {
    impl_->server.stop();
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

HttpServer::~HttpServer() { Stop(); }

}  // namespace vpccni::ipamd
