#include "vpcsim/server_emulator.h"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "base/log.h"
#include "base/strings.h"
#include "cloud/sigv4.h"
#include "vpcsim/imds_handler.h"
#include "vpcsim/query_auth.h"
#include "vpcsim/query_params.h"
#include "vpcsim/query_xml.h"
#include "vpcsim/server_ec2.h"
#include "vpcsim/server_tiny_http.h"

namespace vpccni::vpcsim {
namespace {

constexpr std::string_view kLog = "vpc-emulator";
constexpr int kSnapshotVersion = 1;

// Per-thread random source for request IDs and IMDS tokens.
std::mt19937_64& ThreadRng() {
  thread_local std::mt19937_64 rng(std::random_device{}() ^
                                   (static_cast<uint64_t>(std::random_device{}()) << 32));
  return rng;
}

std::string NewRequestId() {
  auto& rng = ThreadRng();
  uint64_t a = rng();
  uint64_t b = rng();
  a = (a & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 1
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xFFFF, a & 0xFFFF,
                     b >> 48, b & 0xFFFFFFFFFFFFULL);
}

class RandomTokenSource : public ImdsTokenSource {
 public:
  std::string NewToken() override {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve(56);
    auto& rng = ThreadRng();
    for (int i = 0; i < 56; ++i) {
      out.push_back(kAlphabet[rng() % 64]);
    }
    return out;
  }
};

void SendJson(httplib::Response& res, int status, const nlohmann::json& j) {
  res.status = status;
  res.set_content(j.dump() + "\n", "application/json");
}

void SendJsonError(httplib::Response& res, int status, const std::string& message) {
  SendJson(res, status, nlohmann::json{{"error", message}});
}

bool IsTerminal(const std::string& state) {
  return state == "terminated" || state == "shutting-down";
}

}  // namespace

Result<std::pair<std::string, int>> ParseListenAddress(std::string_view s) {
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "listen address '{}' is not host:port", s);
  }
  std::string host(s.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string_view port_text = s.substr(colon + 1);
  int port = -1;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() ||
      port < 0 || port > 65535) {
    return MakeError(ErrorCode::kInvalidArgument, "listen address '{}' has a bad port", s);
  }
  return std::make_pair(host, port);
}

struct Emulator::ImdsListener {
  std::string instance_id;
  std::string region;
  std::string netns;
  std::string address;  // host:port actually bound
  std::string url;
  std::unique_ptr<TinyHttpServer> server;
  // The EC2 API inside the bound netns, on the address of --listen (none when not bound).
  std::unique_ptr<httplib::Server> ec2;
  std::thread ec2_thread;
  std::mutex mu;  // guards tokens and source
  ImdsTokenStore tokens;
  RandomTokenSource source;
};

Emulator::Emulator(EmulatorConfig config, Clock& clock, std::unique_ptr<NodeBinder> binder)
    : config_(std::move(config)), clock_(clock), binder_(std::move(binder)) {}

Emulator::~Emulator() {
  Stop();
}

std::unique_ptr<VpcModel> Emulator::NewModel(const std::string& region) const {
  VpcModel::Options o;
  o.region = region;
  o.seed = config_.seed;
  o.create_default_vpc = config_.default_vpc;
  o.attach_delay = config_.attach_delay;
  o.detach_delay = config_.attach_delay;
  o.throttling_enabled = config_.throttle;
  o.imds_history = std::max<Duration>(std::chrono::minutes(10), config_.imds_lag * 4);
  return std::make_unique<VpcModel>(o, clock_.Now());
}

VpcModel& Emulator::ModelLocked(const std::string& region) {
  auto it = regions_.find(region);
  if (it == regions_.end()) {
    it = regions_.emplace(region, RegionState{NewModel(region)}).first;
  }
  return *it->second.model;
}

Result<std::unique_ptr<Emulator>> Emulator::Create(EmulatorConfig config, Clock& clock,
                                                   std::unique_ptr<NodeBinder> binder) {
  RETURN_IF_ERROR(ParseListenAddress(config.listen));
  RETURN_IF_ERROR(ParseListenAddress(config.imds_listen));
  if (config.access_key.empty() != config.secret_key.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--access-key and --secret-key must be given together");
  }
  if (config.scenario.has_value()) {
    const ScenarioSpec& s = *config.scenario;
    if (s.attach_delay_ms.has_value()) {
      config.attach_delay = std::chrono::milliseconds(*s.attach_delay_ms);
    }
    if (s.throttle.has_value()) {
      config.throttle = *s.throttle;
    }
    if (s.default_vpc.has_value()) {
      config.default_vpc = *s.default_vpc;
    }
    if (s.seed.has_value()) {
      config.seed = *s.seed;
    }
  }
  std::unique_ptr<Emulator> e(new Emulator(std::move(config), clock, std::move(binder)));
  e->scenario_region_ = e->config_.default_region;
  if (e->config_.scenario.has_value() && !e->config_.scenario->region.empty()) {
    e->scenario_region_ = e->config_.scenario->region;
  }
  bool loaded = false;
  if (!e->config_.snapshot_path.empty() && std::filesystem::exists(e->config_.snapshot_path)) {
    std::ifstream in(e->config_.snapshot_path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    RETURN_IF_ERROR(
        WithContext(e->LoadSnapshotFile(ss.str()), "snapshot {}", e->config_.snapshot_path));
    loaded = true;
    LOG_INFO(kLog, "loaded snapshot {}", e->config_.snapshot_path);
  }
  if (!loaded) {
    RETURN_IF_ERROR(e->InitState());
  }
  return e;
}

Result<void> Emulator::InitState() {
  std::lock_guard<std::mutex> lock(mu_);
  regions_.clear();
  VpcModel& model = ModelLocked(scenario_region_);
  if (config_.scenario.has_value()) {
    ASSIGN_OR_RETURN(auto applied, ApplyScenario(*config_.scenario, model, clock_.Now()));
    for (const auto& inst : config_.scenario->instances) {
      auto it = applied.instance_ids.find(inst.name);
      if (it == applied.instance_ids.end()) {
        continue;
      }
      instance_bindings_[it->second] = {inst.imds_listen.value_or(config_.imds_listen),
                                        inst.netns.value_or("")};
    }
  }
  return Ok();
}

Result<void> Emulator::LoadSnapshotFile(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "not a JSON object");
  }
  if (!j.contains("version") || j["version"] != kSnapshotVersion || !j.contains("regions") ||
      !j["regions"].is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "unsupported snapshot layout");
  }
  std::lock_guard<std::mutex> lock(mu_);
  regions_.clear();
  for (const auto& [region, mj] : j["regions"].items()) {
    ASSIGN_OR_RETURN(VpcModel m, WithContext(VpcModel::FromJson(mj), "region {}", region));
    m.SetThrottlingEnabled(config_.throttle || m.ThrottlingEnabled());
    regions_.emplace(region, RegionState{std::make_unique<VpcModel>(std::move(m))});
  }
  if (j.contains("bindings") && j["bindings"].is_object()) {
    for (const auto& [id, b] : j["bindings"].items()) {
      if (b.is_object()) {
        instance_bindings_[id] = {b.value("listen", config_.imds_listen), b.value("netns", "")};
      }
    }
  }
  return Ok();
}

Result<void> Emulator::SaveSnapshot() {
  if (config_.snapshot_path.empty()) {
    return Ok();
  }
  nlohmann::json j;
  {
    std::lock_guard<std::mutex> lock(mu_);
    j["version"] = kSnapshotVersion;
    j["regions"] = nlohmann::json::object();
    for (const auto& [region, st] : regions_) {
      j["regions"][region] = st.model->ToJson();
    }
    j["bindings"] = nlohmann::json::object();
    for (const auto& [id, b] : instance_bindings_) {
      j["bindings"][id] = {{"listen", b.first}, {"netns", b.second}};
    }
    // Keep the ports IMDS listeners actually got, so a restart serves the same URLs.
    for (const auto& [id, l] : imds_) {
      j["bindings"][id]["listen"] = l->address;
      j["bindings"][id]["netns"] = l->netns;
    }
  }
  std::string tmp = config_.snapshot_path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << j.dump();
    out.flush();
    if (!out) {
      return MakeError(ErrorCode::kInternal, "cannot write snapshot {}", tmp);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, config_.snapshot_path, ec);
  if (ec) {
    return MakeError(ErrorCode::kInternal, "cannot rename snapshot to {}: {}",
                     config_.snapshot_path, ec.message());
  }
  return Ok();
}

std::unique_ptr<httplib::Server> Emulator::NewEc2Server(bool with_admin) {
  auto server = std::make_unique<httplib::Server>();
  auto& s = *server;
  s.set_payload_max_length(kMaxQueryBytes + 1024);
  s.set_keep_alive_max_count(100000);
  s.set_tcp_nodelay(true);  // replies go out in one write; avoid Nagle/delayed-ACK stalls
  // Idle keep-alive connections hold a worker until this timeout, also at shutdown.
  s.set_keep_alive_timeout(1);
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content(
        RenderErrorXml("InternalError", "An internal error has occurred", NewRequestId()),
        "text/xml;charset=UTF-8");
  });
  auto admin = [this](const httplib::Request& req, httplib::Response& res) {
    HandleAdmin(req, res);
  };
  auto ec2 = [this, with_admin](const httplib::Request& req, httplib::Response& res) {
    HandleEc2(req, res, /*node_side=*/!with_admin);
  };
  if (with_admin) {
    s.Get("/_emulator/.*", admin);
    s.Post("/_emulator/.*", admin);
    s.Delete("/_emulator/.*", admin);
  }
  s.Post(".*", ec2);
  s.Get(".*", ec2);
  return server;
}

Result<void> Emulator::Start() {
  ASSIGN_OR_RETURN(auto hp, ParseListenAddress(config_.listen));
  ec2_server_ = NewEc2Server(true);
  auto& s = *ec2_server_;
  int port = hp.second;
  if (port == 0) {
    port = s.bind_to_any_port(hp.first);
    if (port <= 0) {
      return MakeError(ErrorCode::kUnavailable, "cannot bind {}", config_.listen);
    }
  } else if (!s.bind_to_port(hp.first, port)) {
    return MakeError(ErrorCode::kUnavailable, "cannot bind {}", config_.listen);
  }
  std::string host = hp.first.find(':') != std::string::npos ? "[" + hp.first + "]" : hp.first;
  ec2_url_ = fmt::format("http://{}:{}", host, port);
  ec2_host_ = hp.first;
  ec2_port_ = port;
  ec2_thread_ = std::thread([this] { ec2_server_->listen_after_bind(); });
  started_ = true;
  std::vector<std::string> regions;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [r, st] : regions_) {
      regions.push_back(r);
    }
  }
  for (const auto& r : regions) {
    ReconcileListeners(r);
  }
  if (!config_.snapshot_path.empty()) {
    snapshot_thread_ = std::thread([this] { SnapshotLoop(); });
  }
  if (binder_ != nullptr) {
    binding_thread_ = std::thread([this] { BindingLoop(); });
  }
  LOG_INFO(kLog, "serving EC2 on {} (default region {})", ec2_url_, config_.default_region);
  return Ok();
}

void Emulator::SnapshotLoop() {
  std::unique_lock<std::mutex> lock(snapshot_mu_);
  while (!stopping_) {
    snapshot_cv_.wait_for(lock, config_.snapshot_interval, [this] { return stopping_.load(); });
    if (stopping_) {
      break;
    }
    lock.unlock();
    auto r = SaveSnapshot();
    if (!r.has_value()) {
      LOG_WARN(kLog, "periodic snapshot failed: {}", r.error().ToString());
    }
    lock.lock();
  }
}

void Emulator::BindingLoop() {
  std::unique_lock<std::mutex> lock(snapshot_mu_);
  while (!stopping_) {
    snapshot_cv_.wait_for(lock, std::chrono::milliseconds(200),
                          [this] { return stopping_.load(); });
    if (stopping_) {
      break;
    }
    lock.unlock();
    bool any_bound = false;
    std::vector<std::string> regions;
    {
      std::lock_guard<std::mutex> state_lock(mu_);
      for (const auto& [id, b] : instance_bindings_) {
        any_bound = any_bound || !b.second.empty();
      }
      for (const auto& [r, st] : regions_) {
        regions.push_back(r);
      }
    }
    if (any_bound) {
      for (const auto& r : regions) {
        ReconcileListeners(r);
      }
    }
    lock.lock();
  }
}

void Emulator::Stop() {
  if (!started_ || stopping_.exchange(true)) {
    return;
  }
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    snapshot_cv_.notify_all();
  }
  if (snapshot_thread_.joinable()) {
    snapshot_thread_.join();
  }
  if (binding_thread_.joinable()) {
    binding_thread_.join();
  }
  if (ec2_server_) {
    ec2_server_->stop();
  }
  if (ec2_thread_.joinable()) {
    ec2_thread_.join();
  }
  auto saved = SaveSnapshot();
  if (!saved.has_value()) {
    LOG_ERROR(kLog, "snapshot on stop failed: {}", saved.error().ToString());
  }
  StopAllImds();
}

std::string Emulator::Ec2Url() const {
  return ec2_url_;
}

std::map<std::string, std::string> Emulator::ImdsUrls() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::string> out;
  for (const auto& [id, l] : imds_) {
    out[id] = l->url;
  }
  return out;
}

std::string Emulator::ReadyLine() const {
  nlohmann::json j;
  j["ec2"] = ec2_url_;
  j["imds"] = ImdsUrls();
  j["region"] = scenario_region_;
  return j.dump();
}

// ---- EC2 ----------------------------------------------------------------------------------

void Emulator::HandleEc2(const httplib::Request& req, httplib::Response& res, bool node_side) {
  const std::string rid = NewRequestId();
  auto send = [&](const Ec2Reply& r) {
    res.status = r.http_status;
    res.set_header("x-amzn-RequestId", rid);
    res.set_content(r.body, "text/xml;charset=UTF-8");
  };
  std::string region = config_.default_region;
  std::string auth = req.get_header_value("Authorization");
  if (!auth.empty()) {
    auto h = ParseAuthorizationHeader(auth);
    if (!h.has_value()) {
      send(Ec2ErrorReply(h.error(), rid));
      return;
    }
    region = h->region;
  }
  std::string_view target(req.target);
  size_t q = target.find('?');
  std::string_view query_string =
      q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  if (!config_.access_key.empty()) {
    if (auth.empty()) {
      send(Ec2ErrorReply(
          Ec2Error("AuthFailure", "AWS was not able to validate the provided access credentials"),
          rid));
      return;
    }
    auto h = ParseAuthorizationHeader(auth);
    if (h->access_key != config_.access_key) {
      send(Ec2ErrorReply(
          Ec2Error("AuthFailure", "AWS was not able to validate the provided access credentials"),
          rid));
      return;
    }
    cloud::SigV4Request sreq;
    sreq.method = req.method;
    sreq.path = std::string(q == std::string_view::npos ? target : target.substr(0, q));
    auto qp = cloud::ParseQueryString(query_string, false);
    if (!qp.has_value()) {
      send(Ec2ErrorReply(Ec2Error("MalformedQueryString", qp.error().message), rid));
      return;
    }
    sreq.query = std::move(*qp);
    for (const auto& [k, v] : req.headers) {
      if (k == "REMOTE_ADDR" || k == "REMOTE_PORT" || k == "LOCAL_ADDR" || k == "LOCAL_PORT") {
        continue;  // pseudo-headers httplib adds
      }
      sreq.headers.emplace_back(k, v);
    }
    sreq.body = req.body;
    auto verified = cloud::VerifyRequest(sreq, config_.secret_key, clock_.Now());
    if (!verified.has_value()) {
      Error e = verified.error();
      if (e.reason.empty()) {
        e.reason = "SignatureDoesNotMatch";
      }
      send(Ec2ErrorReply(e, rid));
      return;
    }
  }
  std::string_view body = req.method == "POST" ? std::string_view(req.body) : std::string_view();
  auto parsed = ParseEc2Request(query_string, body);
  if (!parsed.has_value()) {
    send(Ec2ErrorReply(parsed.error(), rid));
    return;
  }
  Ec2Reply reply;
  {
    std::lock_guard<std::mutex> lock(mu_);
    reply = HandleEc2Action(ModelLocked(region), *parsed, clock_.Now(), rid);
  }
  if (reply.extra_latency > Duration::zero()) {
    clock_.SleepFor(reply.extra_latency);
  }
  const std::string& action = parsed->action;
  if (reply.http_status == 200 &&
      (action == "RunInstances" || action == "TerminateInstances" ||
       (binder_ != nullptr && action != "DescribeNetworkInterfaces" &&
        action.rfind("Describe", 0) != 0 && action.rfind("Get", 0) != 0))) {
    // A node-side request must not stop listeners: it may run on the listener it would stop
    // (the binding loop stops those within 200 ms).
    ReconcileListeners(region, /*allow_stops=*/!node_side);
  }
  send(reply);
}

// ---- IMDS -----------------------------------------------------------------------------------

Result<std::string> Emulator::StartImds(const std::string& instance_id, const std::string& region,
                                        const std::string& listen, const std::string& netns) {
  ASSIGN_OR_RETURN(auto hp, ParseListenAddress(listen));
  auto l = std::make_unique<ImdsListener>();
  l->instance_id = instance_id;
  l->region = region;
  l->netns = netns;
  ImdsListener* raw = l.get();
  l->server = std::make_unique<TinyHttpServer>([this, raw](const TinyHttpRequest& req) {
    ImdsRequest ir;
    ir.method = req.method;
    ir.path = req.path;
    ir.headers = req.headers;
    WallTime now = clock_.Now();
    Result<ImdsView> view = MakeError(ErrorCode::kNotFound, "no view");
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = regions_.find(raw->region);
      if (it != regions_.end()) {
        view = it->second.model->GetImdsView(raw->instance_id, now, config_.imds_lag);
      }
    }
    ImdsReply reply;
    {
      std::lock_guard<std::mutex> lock(raw->mu);
      reply = HandleImdsRequest(ir, now, raw->tokens, raw->source, view);
    }
    TinyHttpResponse res;
    res.status = reply.status;
    res.headers = reply.headers;
    res.content_type = reply.content_type;
    res.body = std::move(reply.body);
    return res;
  });
  Result<int> port = MakeError(ErrorCode::kInternal, "not bound");
  bool ec2_bound = false;
  auto bind = [&] {
    port = l->server->Bind(hp.first, hp.second);
    if (!netns.empty() && ec2_port_ > 0) {
      // The node reaches EC2 on the same URL as the host does (a stand-in for a VPC endpoint).
      l->ec2 = NewEc2Server(false);
      ec2_bound = l->ec2->bind_to_port(ec2_host_, ec2_port_);
    }
  };
  if (!netns.empty()) {
    if (binder_ == nullptr) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "instance {} is bound to netns {} but node binding is unavailable",
                       instance_id, netns);
    }
    RETURN_IF_ERROR(binder_->RunInNetns(netns, bind));
  } else {
    bind();
  }
  if (!port.has_value()) {
    return WithContext(Result<std::string>(port.error()), "IMDS listener {} for {}", listen,
                       instance_id);
  }
  std::string host = hp.first.find(':') != std::string::npos ? "[" + hp.first + "]" : hp.first;
  l->address = fmt::format("{}:{}", host, *port);
  l->url = fmt::format("http://{}:{}", host, *port);
  l->server->Start();
  if (ec2_bound) {
    l->ec2_thread = std::thread([s = l->ec2.get()] { s->listen_after_bind(); });
    LOG_INFO(kLog, "EC2 on {} in netns {}", ec2_url_, netns);
  } else if (l->ec2) {
    LOG_WARN(kLog, "EC2 listener {} in netns {} not bound; the node cannot reach EC2 there",
             ec2_url_, netns);
    l->ec2.reset();
  }
  std::string url = l->url;
  {
    std::lock_guard<std::mutex> lock(mu_);
    imds_[instance_id] = std::move(l);
  }
  LOG_INFO(kLog, "IMDS for {} on {}{}", instance_id, url,
           netns.empty() ? "" : " in netns " + netns);
  return url;
}

void Emulator::StopImds(const std::string& instance_id) {
  std::unique_ptr<ImdsListener> l;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = imds_.find(instance_id);
    if (it == imds_.end()) {
      return;
    }
    l = std::move(it->second);
    imds_.erase(it);
  }
  StopListener(*l);
}

void Emulator::StopListener(ImdsListener& l) {
  l.server->Stop();
  if (l.ec2) {
    l.ec2->stop();
  }
  if (l.ec2_thread.joinable()) {
    l.ec2_thread.join();
  }
  if (!l.netns.empty() && binder_ != nullptr) {
    binder_->Unbind(l.netns);
  }
}

void Emulator::StopAllImds() {
  std::vector<std::unique_ptr<ImdsListener>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, l] : imds_) {
      all.push_back(std::move(l));
    }
    imds_.clear();
  }
  for (auto& l : all) {
    StopListener(*l);
  }
}

void Emulator::ReconcileListeners(const std::string& region, bool allow_stops) {
  if (stopping_) {
    return;
  }
  std::lock_guard<std::mutex> serial(reconcile_mu_);

  struct Want {
    std::string id;
    std::string listen;
    std::string netns;
  };

  std::vector<Want> to_start;
  std::vector<std::string> to_stop;
  std::vector<std::pair<std::string, ImdsView>> to_sync;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto rit = regions_.find(region);
    if (rit == regions_.end()) {
      return;
    }
    const VpcModel& m = *rit->second.model;
    size_t running = imds_.size();
    for (const auto& id : m.InstanceIds()) {
      auto view = m.CurrentImdsView(id);
      if (!view.has_value()) {
        continue;
      }
      bool has = imds_.count(id) > 0;
      if (IsTerminal(view->state)) {
        if (has && allow_stops) {
          to_stop.push_back(id);
        }
        continue;
      }
      auto b = instance_bindings_.find(id);
      std::string netns = b == instance_bindings_.end() ? "" : b->second.second;
      if (!has && running < static_cast<size_t>(config_.max_imds_listeners)) {
        to_start.push_back(
            {id, b == instance_bindings_.end() ? config_.imds_listen : b->second.first, netns});
        ++running;
      }
      if (!netns.empty() && binder_ != nullptr) {
        to_sync.emplace_back(netns, std::move(*view));
      }
    }
  }
  for (const auto& id : to_stop) {
    StopImds(id);
  }
  for (const auto& w : to_start) {
    auto r = StartImds(w.id, region, w.listen, w.netns);
    if (!r.has_value() && w.listen != config_.imds_listen && w.netns.empty()) {
      LOG_WARN(kLog, "IMDS for {} on {} failed ({}); using {}", w.id, w.listen,
               r.error().ToString(), config_.imds_listen);
      r = StartImds(w.id, region, config_.imds_listen, w.netns);
    }
    if (!r.has_value()) {
      LOG_ERROR(kLog, "IMDS for {} not started: {}", w.id, r.error().ToString());
    }
  }
  for (const auto& [netns, view] : to_sync) {
    auto r = binder_->Sync(netns, view);
    if (!r.has_value()) {
      LOG_WARN(kLog, "node binding sync for {} failed: {}", netns, r.error().ToString());
    }
  }
}

// ---- admin ----------------------------------------------------------------------------------

nlohmann::json Emulator::StateJson() {
  nlohmann::json j;
  j["ec2"] = ec2_url_;
  j["imds"] = ImdsUrls();
  std::lock_guard<std::mutex> lock(mu_);
  j["regions"] = nlohmann::json::object();
  for (const auto& [region, st] : regions_) {
    j["regions"][region] = st.model->ToJson();
  }
  return j;
}

nlohmann::json Emulator::CallsJson() {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json total = nlohmann::json::object();
  nlohmann::json per_region = nlohmann::json::object();
  for (const auto& [region, st] : regions_) {
    nlohmann::json r = nlohmann::json::object();
    for (const auto& [action, c] : st.model->CallCounters()) {
      r[action] = {{"calls", c.calls},
                   {"errors", c.errors},
                   {"throttled", c.throttled},
                   {"injected", c.injected}};
      auto& t = total[action];
      if (t.is_null()) {
        t = {{"calls", 0}, {"errors", 0}, {"throttled", 0}, {"injected", 0}};
      }
      t["calls"] = t["calls"].get<int64_t>() + c.calls;
      t["errors"] = t["errors"].get<int64_t>() + c.errors;
      t["throttled"] = t["throttled"].get<int64_t>() + c.throttled;
      t["injected"] = t["injected"].get<int64_t>() + c.injected;
    }
    per_region[region] = r;
  }
  return {{"actions", total}, {"regions", per_region}};
}

void Emulator::HandleAdmin(const httplib::Request& req, httplib::Response& res) {
  const std::string& path = req.path;
  nlohmann::json body = nlohmann::json::object();
  if (req.method == "POST" && !req.body.empty()) {
    body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.is_discarded()) {
      std::string t(strings::Trim(req.body));
      if (path == "/_emulator/throttle" && (t == "on" || t == "off")) {
        body = {{"enabled", t == "on"}};
      } else {
        SendJsonError(res, 400, "body is not JSON");
        return;
      }
    }
    if (!body.is_object()) {
      SendJsonError(res, 400, "body must be a JSON object");
      return;
    }
  }
  std::string region = body.is_object() && body.contains("region") && body["region"].is_string()
                           ? body["region"].get<std::string>()
                           : scenario_region_;
  if (req.method == "GET" && path == "/_emulator/state") {
    SendJson(res, 200, StateJson());
    return;
  }
  if (req.method == "GET" && path == "/_emulator/calls") {
    SendJson(res, 200, CallsJson());
    return;
  }
  if ((req.method == "POST" || req.method == "DELETE") && path == "/_emulator/faults") {
    std::lock_guard<std::mutex> lock(mu_);
    if (req.method == "DELETE" || body.value("clear", false)) {
      for (auto& [r, st] : regions_) {
        st.model->ClearFaults();
      }
      SendJson(res, 200, {{"ok", true}});
      return;
    }
    FaultRule rule;
    try {
      rule.action = body.value("action", "*");
      rule.error_code = body.value("error_code", "");
      rule.message = body.value("message", "");
      rule.remaining = body.value("count", rule.error_code.empty() ? 0 : -1);
      rule.error_rate = body.value("error_rate", 0.0);
      rule.extra_latency = std::chrono::milliseconds(body.value("latency_ms", 0));
    } catch (const nlohmann::json::exception& e) {
      SendJsonError(res, 400, std::string("bad fault: ") + e.what());
      return;
    }
    if (rule.error_rate > 0 && rule.error_code.empty()) {
      rule.error_code = "InternalError";
    }
    auto r = ModelLocked(region).AddFault(rule);
    if (!r.has_value()) {
      SendJsonError(res, 400, r.error().ToString());
      return;
    }
    SendJson(res, 200, {{"ok", true}, {"region", region}});
    return;
  }
  if (req.method == "POST" && path == "/_emulator/throttle") {
    if (!body.contains("enabled") || !body["enabled"].is_boolean()) {
      SendJsonError(res, 400, "expected {\"enabled\": true|false}");
      return;
    }
    bool on = body["enabled"].get<bool>();
    std::lock_guard<std::mutex> lock(mu_);
    config_.throttle = on;
    for (auto& [r, st] : regions_) {
      st.model->SetThrottlingEnabled(on);
    }
    SendJson(res, 200, {{"ok", true}, {"enabled", on}});
    return;
  }
  if (req.method == "POST" && path == "/_emulator/reset") {
    StopAllImds();
    {
      std::lock_guard<std::mutex> lock(mu_);
      instance_bindings_.clear();
    }
    auto r = InitState();
    if (!r.has_value()) {
      SendJsonError(res, 500, r.error().ToString());
      return;
    }
    ReconcileListeners(scenario_region_);
    SendJson(res, 200, {{"ok", true}, {"imds", ImdsUrls()}});
    return;
  }
  if (req.method == "POST" && path == "/_emulator/instances") {
    RunInstancesRequest rr;
    std::string listen;
    std::string netns;
    try {
      rr.image_id = body.value("image_id", "ami-0123456789abcdef0");
      rr.instance_type = body.value("instance_type", "m5.large");
      rr.subnet_id = body.value("subnet_id", "");
      rr.availability_zone = body.value("availability_zone", "");
      if (body.contains("private_ip")) {
        rr.private_ip_address = body["private_ip"].get<std::string>();
      }
      rr.security_group_ids = body.value("security_group_ids", std::vector<std::string>{});
      rr.tags = body.value("tags", TagMap{});
      rr.secondary_private_ip_address_count = body.value("secondary_ips", 0);
      listen = body.value("imds_listen", config_.imds_listen);
      netns = body.value("netns", "");
    } catch (const nlohmann::json::exception& e) {
      SendJsonError(res, 400, std::string("bad instance: ") + e.what());
      return;
    }
    if (!netns.empty() && binder_ == nullptr) {
      SendJsonError(res, 400, "node binding (netns) needs root and the binding support");
      return;
    }
    std::string id;
    std::string ip;
    Result<std::string> url = std::string();
    {
      // Serialized with ReconcileListeners so the new instance gets exactly one listener.
      std::lock_guard<std::mutex> serial(reconcile_mu_);
      {
        std::lock_guard<std::mutex> lock(mu_);
        auto r = ModelLocked(region).RunInstances(rr, clock_.Now());
        if (!r.has_value()) {
          WireError w = ToWireError(r.error());
          SendJson(res, 400, {{"error", r.error().ToString()}, {"code", w.code}});
          return;
        }
        id = r->instances.front().instance_id;
        ip = r->instances.front().private_ip_address.ToString();
        instance_bindings_[id] = {listen, netns};
      }
      url = StartImds(id, region, listen, netns);
    }
    if (!url.has_value()) {
      SendJson(res, 500, {{"error", url.error().ToString()}, {"instance_id", id}});
      return;
    }
    ReconcileListeners(region);
    SendJson(res, 200,
             {{"instance_id", id}, {"imds", *url}, {"private_ip", ip}, {"region", region}});
    return;
  }
  SendJsonError(res, 404, "unknown admin endpoint " + req.method + " " + path);
}

}  // namespace vpccni::vpcsim
