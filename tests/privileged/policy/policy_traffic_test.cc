// Real-traffic network-policy tests (root): the Kubernetes e2e netpol layout - namespaces x, y, z
// times pods a, b, c - as network namespaces wired to a "node" namespace by veth pairs and /32
// routes. The agent core (NetpolAgent + NftEnforcer, exactly what netpol-agent runs) programs
// nftables in the node namespace; TCP and UDP (and SCTP when the kernel has it) probes on ports
// 80 and 81 between every ordered pair of pods are compared with `vpcctl policy matrix` and with
// hand-written "# expect" lines of every scenario in scenarios/.
//
// Established connections: this implementation keeps an established flow working when a policy
// change would deny it (replies and established flows are accepted by conntrack state before any
// policy); only new connections see the new rules. EstablishedConnectionSurvivesPolicyChange
// asserts exactly that.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <queue>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "k8s/decode.h"
#include "k8s/dir_source.h"
#include "policy/agent.h"
#include "policy/nft_enforcer.h"
#include "testing/temp_dir.h"

namespace vpccni::policy {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int Sh(const std::string& cmd) {
  int rc = std::system((cmd + " >/dev/null 2>&1").c_str());  // NOLINT(concurrency-mt-unsafe)
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string Capture(const std::string& cmd, int* rc) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) {
    *rc = -1;
    return out;
  }
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) {
    out.append(buf, n);
  }
  int st = ::pclose(p);
  *rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

// Runs `f` (which returns a file descriptor or -1) on a fresh thread that first joins the network
// namespace `netns_fd`; returns -1 when the namespace cannot be joined.
int InNetns(int netns_fd, const std::function<int()>& f) {
  int result = -1;
  std::thread t([&] {
    if (::setns(netns_fd, CLONE_NEWNET) != 0) {
      return;
    }
    result = f();
  });
  t.join();
  return result;
}

// A thread living in one network namespace that runs submitted tasks (libnftables binds its
// netlink socket to the namespace of the thread that uses it).
class NetnsWorker {
 public:
  explicit NetnsWorker(int netns_fd) {
    thread_ = std::thread([this, netns_fd] {
      ok_ = ::setns(netns_fd, CLONE_NEWNET) == 0;
      for (;;) {
        std::function<void()> task;
        {
          std::unique_lock<std::mutex> lock(mu_);
          cv_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
          if (tasks_.empty()) {
            return;
          }
          task = std::move(tasks_.front());
          tasks_.pop();
        }
        task();
      }
    });
  }
  ~NetnsWorker() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Run(std::function<void()> f) {
    std::mutex done_mu;
    std::condition_variable done_cv;
    bool done = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      tasks_.push([&] {
        f();
        std::lock_guard<std::mutex> l(done_mu);
        done = true;
        done_cv.notify_all();
      });
    }
    cv_.notify_all();
    std::unique_lock<std::mutex> l(done_mu);
    done_cv.wait(l, [&] { return done; });
  }
  bool ok() const { return ok_; }

 private:
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::queue<std::function<void()>> tasks_;
  bool stop_ = false;
  std::atomic<bool> ok_{false};
};

struct TestPod {
  std::string ns;
  std::string name;
  std::string netns;
  std::string host_veth;
  std::string ip;
  int netns_fd = -1;
  std::string Key() const { return ns + "/" + name; }
};

enum class Proto { kTcp, kUdp, kSctp };
const char* ProtoName(Proto p) {
  return p == Proto::kTcp ? "TCP" : (p == Proto::kUdp ? "UDP" : "SCTP");
}

struct Probe {
  size_t from;
  size_t to;
  int port;
  Proto proto;
};

// Echo servers for every pod on TCP/UDP(/SCTP) 80 and 81, served by one epoll thread.
class Servers {
 public:
  bool Start(const std::vector<TestPod>& pods, bool sctp) {
    ep_ = ::epoll_create1(EPOLL_CLOEXEC);
    stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    Add(stop_fd_, Kind::kStop);
    for (const auto& pod : pods) {
      for (int port : {80, 81}) {
        std::vector<std::pair<int, int>> kinds = {{SOCK_STREAM, IPPROTO_TCP},
                                                  {SOCK_DGRAM, IPPROTO_UDP}};
        if (sctp) {
          kinds.push_back({SOCK_STREAM, IPPROTO_SCTP});
        }
        for (auto [type, proto] : kinds) {
          int fd = InNetns(pod.netns_fd, [&] {
            return ::socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);
          });
          if (fd < 0) {
            return false;
          }
          int one = 1;
          ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
          sockaddr_in a{};
          a.sin_family = AF_INET;
          a.sin_port = htons(static_cast<uint16_t>(port));
          if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
            return false;
          }
          if (type == SOCK_STREAM && ::listen(fd, 128) != 0) {
            return false;
          }
          Add(fd, type == SOCK_STREAM ? Kind::kListen : Kind::kUdp);
        }
      }
    }
    thread_ = std::thread([this] { Loop(); });
    return true;
  }
  void Stop() {
    if (thread_.joinable()) {
      uint64_t one = 1;
      (void)!::write(stop_fd_, &one, sizeof(one));
      thread_.join();
    }
    for (auto& [fd, kind] : fds_) {
      ::close(fd);
    }
    fds_.clear();
    if (ep_ >= 0) {
      ::close(ep_);
    }
  }

 private:
  enum class Kind { kStop, kListen, kConn, kUdp };
  void Add(int fd, Kind k) {
    fds_[fd] = k;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
  }
  void Loop() {
    epoll_event evs[64];
    char buf[2048];
    for (;;) {
      int n = ::epoll_wait(ep_, evs, 64, -1);
      for (int i = 0; i < n; ++i) {
        int fd = evs[i].data.fd;
        Kind k = fds_[fd];
        if (k == Kind::kStop) {
          return;
        }
        if (k == Kind::kListen) {
          int c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
          if (c >= 0) {
            Add(c, Kind::kConn);
          }
        } else if (k == Kind::kConn) {
          ssize_t r = ::recv(fd, buf, sizeof(buf), 0);
          if (r <= 0) {
            ::epoll_ctl(ep_, EPOLL_CTL_DEL, fd, nullptr);
            ::close(fd);
            fds_.erase(fd);
          } else {
            (void)!::send(fd, buf, static_cast<size_t>(r), MSG_NOSIGNAL);
          }
        } else {
          sockaddr_in from{};
          socklen_t len = sizeof(from);
          ssize_t r = ::recvfrom(fd, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &len);
          if (r > 0) {
            ::sendto(fd, buf, static_cast<size_t>(r), 0, reinterpret_cast<sockaddr*>(&from), len);
          }
        }
      }
    }
  }

  int ep_ = -1;
  int stop_fd_ = -1;
  std::map<int, Kind> fds_;
  std::thread thread_;
};

class PolicyTrafficTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) {
      return;
    }
    int pid = static_cast<int>(::getpid()) % 100000;
    prefix_ = fmt::format("vpnp{}", pid);
    node_ns_ = prefix_ + "n";
    if (Sh("ip netns add " + node_ns_) != 0) {
      setup_error_ = "cannot create netns";
      return;
    }
    std::string n = "ip -n " + node_ns_ + " ";
    Sh(n + "link set lo up");
    Sh(n + "addr add " + std::string(kNodeIp) + "/32 dev lo");
    Sh("ip netns exec " + node_ns_ + " sysctl -qw net.ipv4.ip_forward=1");
    Sh("ip netns exec " + node_ns_ + " sysctl -qw net.ipv4.conf.all.rp_filter=0");
    const char* nss[] = {"x", "y", "z"};
    const char* names[] = {"a", "b", "c"};
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) {
        TestPod p;
        p.ns = nss[i];
        p.name = names[j];
        p.netns = fmt::format("{}{}{}", prefix_, nss[i], names[j]);
        p.host_veth = fmt::format("{}{}{}", prefix_, nss[i], names[j]).substr(0, 15);
        p.ip = fmt::format("10.213.{}.{}", i + 1, j + 1);
        std::string pn = "ip -n " + p.netns + " ";
        // The pod's gateway 169.254.1.1 is the host veth, by a permanent neighbour entry.
        std::string mac = fmt::format("02:42:0a:d5:{:02x}:{:02x}", i + 1, j + 1);
        bool ok = Sh("ip netns add " + p.netns) == 0 &&
                  Sh(n + "link add " + p.host_veth + " type veth peer name eth0 netns " +
                     p.netns) == 0 &&
                  Sh(pn + "link set lo up") == 0 &&
                  Sh(pn + "addr add " + p.ip + "/32 dev eth0") == 0 &&
                  Sh(pn + "link set eth0 up") == 0 &&
                  Sh(n + "link set " + p.host_veth + " address " + mac) == 0 &&
                  Sh(pn + "neigh add 169.254.1.1 lladdr " + mac + " dev eth0 nud permanent") ==
                      0 &&
                  Sh(pn + "route add 169.254.1.1 dev eth0 scope link") == 0 &&
                  Sh(pn + "route add default via 169.254.1.1 dev eth0") == 0 &&
                  Sh(n + "link set " + p.host_veth + " up") == 0 &&
                  Sh(n + "route add " + p.ip + "/32 dev " + p.host_veth) == 0 &&
                  Sh("ip netns exec " + node_ns_ + " sysctl -qw net.ipv4.conf." + p.host_veth +
                     ".proxy_arp=1") == 0;
        p.netns_fd = ::open(("/var/run/netns/" + p.netns).c_str(), O_RDONLY | O_CLOEXEC);
        pods_.push_back(p);
        if (!ok || p.netns_fd < 0) {
          setup_error_ = "cannot wire pod " + p.Key();
          return;
        }
      }
    }
    node_fd_ = ::open(("/var/run/netns/" + node_ns_).c_str(), O_RDONLY | O_CLOEXEC);
    int s = InNetns(pods_[0].netns_fd,
                    [] { return ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP); });
    sctp_ = s >= 0;
    if (s >= 0) {
      ::close(s);
    } else {
      std::fprintf(stderr, "SCTP is not available in this kernel: SCTP probes are skipped\n");
    }
    servers_ = new Servers();
    if (!servers_->Start(pods_, sctp_)) {
      setup_error_ = "cannot start echo servers";
    }
  }

  static void TearDownTestSuite() {
    if (servers_ != nullptr) {
      servers_->Stop();
      delete servers_;
      servers_ = nullptr;
    }
    for (auto& p : pods_) {
      if (p.netns_fd >= 0) {
        ::close(p.netns_fd);
      }
      Sh("ip netns del " + p.netns);
    }
    pods_.clear();
    if (node_fd_ >= 0) {
      ::close(node_fd_);
      node_fd_ = -1;
    }
    if (!node_ns_.empty()) {
      Sh("ip netns del " + node_ns_);  // also removes the veths and the nftables table
    }
  }

  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "needs root (network namespaces, nftables)";
    }
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }

  static std::string Topology() {
    std::string out = fmt::format(
        "apiVersion: v1\nkind: Node\nmetadata: {{name: node1}}\n"
        "status: {{addresses: [{{type: InternalIP, address: {}}}]}}\n",
        kNodeIp);
    for (const char* ns : {"x", "y", "z"}) {
      out += fmt::format(
          "---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {0}, labels: {{ns: {0}}}}}\n",
          ns);
    }
    for (const auto& p : pods_) {
      out += fmt::format(
          "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {}, namespace: {}, labels: {{pod: "
          "{}}}}}\nspec:\n  nodeName: node1\n  containers:\n  - name: c\n    ports:\n",
          p.name, p.ns, p.name);
      for (int port : {80, 81}) {
        for (const char* proto : {"tcp", "udp", "sctp"}) {
          std::string up = proto;
          std::transform(up.begin(), up.end(), up.begin(), ::toupper);
          out += fmt::format("    - {{name: serve-{}-{}, containerPort: {}, protocol: {}}}\n", port,
                             proto, port, up);
        }
      }
      out += fmt::format("status: {{podIP: {}, hostIP: {}, phase: Running}}\n", p.ip, kNodeIp);
    }
    return out;
  }

  static size_t PodIndex(const std::string& key) {
    for (size_t i = 0; i < pods_.size(); ++i) {
      if (pods_[i].Key() == key) {
        return i;
      }
    }
    return SIZE_MAX;
  }

  // Runs all probes in parallel; returns allow (true) / deny per probe.
  static std::vector<bool> RunProbes(const std::vector<Probe>& probes,
                                     std::chrono::milliseconds timeout) {
    struct Active {
      int fd = -1;
      bool done = false;
      bool ok = false;
      bool sent = false;
    };
    std::vector<Active> act(probes.size());
    for (size_t i = 0; i < probes.size(); ++i) {
      const Probe& pr = probes[i];
      int type = pr.proto == Proto::kUdp ? SOCK_DGRAM : SOCK_STREAM;
      int proto = pr.proto == Proto::kTcp ? IPPROTO_TCP
                                          : (pr.proto == Proto::kUdp ? IPPROTO_UDP : IPPROTO_SCTP);
      int fd = InNetns(pods_[pr.from].netns_fd, [&] {
        return ::socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);
      });
      act[i].fd = fd;
      if (fd < 0) {
        act[i].done = true;
        continue;
      }
      // A fresh source port per probe, so no probe can ride on an earlier conntrack entry.
      sockaddr_in src{};
      src.sin_family = AF_INET;
      src.sin_port = htons(static_cast<uint16_t>(20000 + (next_port_++ % 40000)));
      int one = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      ::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof(src));
      sockaddr_in dst{};
      dst.sin_family = AF_INET;
      dst.sin_port = htons(static_cast<uint16_t>(pr.port));
      ::inet_pton(AF_INET, pods_[pr.to].ip.c_str(), &dst.sin_addr);
      int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof(dst));
      if (rc != 0 && errno != EINPROGRESS) {
        act[i].done = true;
        continue;
      }
      if (pr.proto == Proto::kUdp) {
        act[i].sent = ::send(fd, "ping", 4, 0) == 4;
      }
    }
    auto deadline = Clock::now() + timeout;
    for (;;) {
      std::vector<pollfd> pfds;
      std::vector<size_t> idx;
      for (size_t i = 0; i < act.size(); ++i) {
        if (!act[i].done) {
          short ev = probes[i].proto == Proto::kUdp ? POLLIN : POLLOUT;
          pfds.push_back({act[i].fd, ev, 0});
          idx.push_back(i);
        }
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (pfds.empty() || left.count() <= 0) {
        break;
      }
      int n = ::poll(pfds.data(), pfds.size(), static_cast<int>(left.count()));
      if (n <= 0) {
        continue;
      }
      for (size_t k = 0; k < pfds.size(); ++k) {
        if (pfds[k].revents == 0) {
          continue;
        }
        Active& a = act[idx[k]];
        a.done = true;
        if (probes[idx[k]].proto == Proto::kUdp) {
          char buf[16];
          a.ok = ::recv(a.fd, buf, sizeof(buf), 0) == 4;
        } else {
          int err = 0;
          socklen_t len = sizeof(err);
          ::getsockopt(a.fd, SOL_SOCKET, SO_ERROR, &err, &len);
          a.ok = err == 0;
        }
      }
    }
    std::vector<bool> out;
    for (auto& a : act) {
      if (a.fd >= 0) {
        ::close(a.fd);
      }
      out.push_back(a.ok);
    }
    return out;
  }

  static std::vector<Probe> AllProbes() {
    std::vector<Probe> probes;
    for (size_t f = 0; f < pods_.size(); ++f) {
      for (size_t t = 0; t < pods_.size(); ++t) {
        for (int port : {80, 81}) {
          probes.push_back({f, t, port, Proto::kTcp});
          probes.push_back({f, t, port, Proto::kUdp});
          if (sctp_) {
            probes.push_back({f, t, port, Proto::kSctp});
          }
        }
      }
    }
    return probes;
  }

  static std::string ProbeKey(const std::string& from, const std::string& to, int port,
                              const std::string& proto) {
    return fmt::format("{} -> {} {}/{}", from, to, proto, port);
  }

  // Runs `vpcctl policy matrix --objects dir --output json`; returns key -> allow.
  static std::map<std::string, bool> VpcctlMatrix(const std::string& dir, std::string* error) {
    std::string bin = std::string(VPCCNI_BINARY_DIR) + "/bin/vpcctl";
    int rc = 0;
    std::string out =
        Capture(bin + " policy matrix --objects " + dir + " --output json 2>&1", &rc);
    std::map<std::string, bool> m;
    if (rc != 0) {
      *error = "vpcctl failed: " + out;
      return m;
    }
    auto j = nlohmann::json::parse(out, nullptr, false);
    if (!j.is_array()) {
      *error = "vpcctl output is not a JSON array: " + out.substr(0, 200);
      return m;
    }
    for (const auto& v : j) {
      m[ProbeKey(v["from"].get<std::string>(), v["to"].get<std::string>(), v["port"].get<int>(),
                 v["protocol"].get<std::string>())] = v["verdict"] == "allow";
    }
    return m;
  }

  static inline std::string prefix_;
  static inline std::string node_ns_;
  static inline int node_fd_ = -1;
  static inline std::vector<TestPod> pods_;
  static inline bool sctp_ = false;
  static inline Servers* servers_ = nullptr;
  static inline std::string setup_error_;
  static inline std::atomic<int> next_port_{0};
  static constexpr const char* kNodeIp = "192.168.213.1";
};

// Loads a directory with the topology plus a scenario and applies it through the agent.
class Env {
 public:
  Env(int node_fd, EnforcingMode mode) : worker_(node_fd), mode_(mode) {
    worker_.Run([this] {
      auto e = NftEnforcer::Create();
      if (e) {
        enforcer_ = std::move(*e);
        agent_ = std::make_unique<NetpolAgent>("node1", mode_, enforcer_.get(),
                                               &SystemClock::Get(), nullptr);
      }
    });
  }
  ~Env() {
    worker_.Run([this] {
      if (enforcer_) {
        (void)enforcer_->Remove();
      }
      agent_.reset();
      enforcer_.reset();
    });
  }
  Result<void> Apply(const std::string& dir) {
    k8s::DirectorySource src(dir);
    RETURN_IF_ERROR(src.Poll());
    if (!src.snapshot().errors.empty()) {
      return src.snapshot().errors[0];
    }
    Result<void> r = MakeError(ErrorCode::kInternal, "no agent");
    worker_.Run([&] {
      if (agent_) {
        r = agent_->SetObjects(src.snapshot().objects, src.snapshot().generation);
      }
    });
    return r;
  }
  NpaReply Npa(const NpaRequest& req) {
    NpaReply reply;
    worker_.Run([&] { reply = agent_->HandleNpa(req); });
    return reply;
  }
  Result<VerdictCounters> Counters() {
    Result<VerdictCounters> r = MakeError(ErrorCode::kInternal, "no enforcer");
    worker_.Run([&] { r = enforcer_->Counters(); });
    return r;
  }

 private:
  NetnsWorker worker_;
  EnforcingMode mode_;
  std::unique_ptr<NftEnforcer> enforcer_;
  std::unique_ptr<NetpolAgent> agent_;
};

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

TEST_F(PolicyTrafficTest, ScenarioMatricesMatchVpcctlAndExpectations) {
  fs::path scen_dir = fs::path(VPCCNI_SOURCE_DIR) / "tests/privileged/policy/scenarios";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(scen_dir)) {
    if (e.path().extension() == ".yaml") {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 40u);
  Env env(node_fd_, EnforcingMode::kStandard);
  testing::TempDir tmp;
  WriteFile(tmp.File("topology.yaml"), Topology());
  std::vector<Probe> probes = AllProbes();
  size_t checked = 0;
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    WriteFile(tmp.File("scenario.yaml"), text);
    auto applied = env.Apply(tmp.path());
    ASSERT_TRUE(applied.has_value()) << applied.error().ToString();
    std::string err;
    auto matrix = VpcctlMatrix(tmp.path(), &err);
    ASSERT_TRUE(err.empty()) << err;
    // Hand-written expectations first: they check the compiler independently.
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      if (!line.starts_with("# expect ")) {
        continue;
      }
      std::istringstream ls(line.substr(9));
      std::string verdict, from, to, proto;
      int port = 0;
      ls >> verdict >> from >> to >> port >> proto;
      auto it = matrix.find(ProbeKey(from, to, port, proto));
      ASSERT_NE(it, matrix.end()) << line;
      EXPECT_EQ(it->second, verdict == "allow") << "vpcctl disagrees with: " << line;
    }
    std::vector<bool> got = RunProbes(probes, std::chrono::milliseconds(400));
    int mismatches = 0;
    for (size_t i = 0; i < probes.size(); ++i) {
      const Probe& p = probes[i];
      std::string key =
          ProbeKey(pods_[p.from].Key(), pods_[p.to].Key(), p.port, ProtoName(p.proto));
      auto it = matrix.find(key);
      ASSERT_NE(it, matrix.end()) << key;
      if (it->second != got[i] && ++mismatches <= 10) {
        ADD_FAILURE() << key << ": vpcctl says " << (it->second ? "allow" : "deny")
                      << ", traffic was " << (got[i] ? "allowed" : "denied");
      }
      ++checked;
    }
  }
  std::fprintf(stderr, "%zu scenarios, %zu probes compared\n", files.size(), checked);
}

TEST_F(PolicyTrafficTest, EstablishedConnectionSurvivesPolicyChange) {
  Env env(node_fd_, EnforcingMode::kStandard);
  testing::TempDir tmp;
  WriteFile(tmp.File("topology.yaml"), Topology());
  ASSERT_TRUE(env.Apply(tmp.path()).has_value());
  size_t xb = PodIndex("x/b");
  size_t xa = PodIndex("x/a");
  int fd = InNetns(pods_[xb].netns_fd,
                   [] { return ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP); });
  ASSERT_GE(fd, 0);
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(80);
  ::inet_pton(AF_INET, pods_[xa].ip.c_str(), &dst.sin_addr);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof(dst)), 0);
  char buf[8];
  ASSERT_EQ(::send(fd, "one", 3, 0), 3);
  ASSERT_EQ(::recv(fd, buf, sizeof(buf), 0), 3);

  WriteFile(tmp.File("deny.yaml"),
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, "
            "namespace: x}\nspec: {podSelector: {matchLabels: {pod: a}}, policyTypes: [Ingress]}\n");
  ASSERT_TRUE(env.Apply(tmp.path()).has_value());
  // New connections are denied at once ...
  auto got = RunProbes({{xb, xa, 80, Proto::kTcp}, {xb, xa, 80, Proto::kUdp}},
                       std::chrono::milliseconds(400));
  EXPECT_FALSE(got[0]);
  EXPECT_FALSE(got[1]);
  // ... the established one keeps working (documented behaviour).
  ASSERT_EQ(::send(fd, "two", 3, 0), 3);
  EXPECT_EQ(::recv(fd, buf, sizeof(buf), 0), 3);
  ::close(fd);

  // Allowing again takes effect for new connections.
  fs::remove(tmp.File("deny.yaml"));
  ASSERT_TRUE(env.Apply(tmp.path()).has_value());
  got = RunProbes({{xb, xa, 80, Proto::kTcp}}, std::chrono::milliseconds(400));
  EXPECT_TRUE(got[0]);
  auto counters = env.Counters();
  ASSERT_TRUE(counters.has_value()) << counters.error().ToString();
}

TEST_F(PolicyTrafficTest, StrictModeDeniesAnnouncedPodUntilItsObjectsArrive) {
  Env env(node_fd_, EnforcingMode::kStrict);
  testing::TempDir tmp;
  // Objects without pod x/a: the plugin announces it.
  std::string topo = Topology();
  WriteFile(tmp.File("topology.yaml"), topo);
  size_t xa = PodIndex("x/a");
  size_t yb = PodIndex("y/b");
  std::string objects_without_xa;
  {
    std::string marker = "metadata: {name: a, namespace: x,";
    size_t pos = topo.find(marker);
    size_t start = topo.rfind("---\n", pos);
    size_t end = topo.find("---\n", pos);
    objects_without_xa = topo.substr(0, start) + topo.substr(end);
  }
  WriteFile(tmp.File("topology.yaml"), objects_without_xa);
  ASSERT_TRUE(env.Apply(tmp.path()).has_value());
  NpaReply r = env.Npa({std::string(kNpaEnforce), "a", "x", pods_[xa].ip, pods_[xa].host_veth});
  EXPECT_TRUE(r.success) << r.error_message;
  EXPECT_EQ(r.state, "default-deny");
  auto got = RunProbes({{yb, xa, 80, Proto::kTcp}, {xa, yb, 80, Proto::kTcp}},
                       std::chrono::milliseconds(400));
  EXPECT_FALSE(got[0]);
  EXPECT_FALSE(got[1]);
  // The node itself still reaches the pod.
  int fd = InNetns(node_fd_, [] {
    return ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
  });
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(80);
  ::inet_pton(AF_INET, pods_[xa].ip.c_str(), &dst.sin_addr);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof(dst)), 0);
  ::close(fd);
  // Objects arrive (no policies): the pod becomes reachable.
  WriteFile(tmp.File("topology.yaml"), topo);
  ASSERT_TRUE(env.Apply(tmp.path()).has_value());
  got = RunProbes({{yb, xa, 80, Proto::kTcp}, {xa, yb, 80, Proto::kTcp}},
                  std::chrono::milliseconds(400));
  EXPECT_TRUE(got[0]);
  EXPECT_TRUE(got[1]);
}

// The real binary: netpol-agent in the node namespace reprograms on a file change.
TEST_F(PolicyTrafficTest, NetpolAgentBinaryEnforcesDirectoryChanges) {
  std::string bin = std::string(VPCCNI_BINARY_DIR) + "/bin/netpol-agent";
  ASSERT_TRUE(fs::exists(bin)) << bin;
  testing::TempDir tmp;
  fs::create_directories(tmp.File("objs"));
  WriteFile(tmp.File("objs/topology.yaml"), Topology());
  pid_t pid = ::fork();
  if (pid == 0) {
    std::string src = "dir:" + tmp.File("objs");
    std::string sock = tmp.File("npa.sock");
    std::string log = tmp.File("agent.log");
    int lfd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ::dup2(lfd, 1);
    ::dup2(lfd, 2);
    ::execlp("ip", "ip", "netns", "exec", node_ns_.c_str(), bin.c_str(), "--k8s-source",
             src.c_str(), "--node-name", "node1", "--enforcing-mode", "standard",
             "--metrics-addr", "", "--npa-socket", sock.c_str(), "--poll-interval-ms", "50",
             "--cleanup-on-exit", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(pid, 0);
  size_t xb = PodIndex("x/b");
  size_t xa = PodIndex("x/a");
  auto wait_for = [&](bool want) {
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      if (RunProbes({{xb, xa, 80, Proto::kTcp}}, std::chrono::milliseconds(200))[0] == want) {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(wait_for(true));
  // npa.sock answers for a known pod.
  auto deadline = Clock::now() + std::chrono::seconds(5);
  Result<NpaReply> reply = MakeError(ErrorCode::kUnavailable, "not tried");
  while (Clock::now() < deadline) {
    reply = CallNpa(tmp.File("npa.sock"), {std::string(kNpaEnforce), "a", "x", pods_[xa].ip, ""},
                    std::chrono::milliseconds(1000));
    if (reply) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(reply.has_value()) << reply.error().ToString();
  EXPECT_EQ(reply->state, "policies-applied");
  WriteFile(tmp.File("objs/deny.yaml"),
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, "
            "namespace: x}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n");
  EXPECT_TRUE(wait_for(false));
  // An invalid edit is rejected and the previous objects of the file stay in force.
  WriteFile(tmp.File("objs/deny.yaml"),
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, "
            "namespace: x}\nspec: {podSelector: {}, ingress: [{ports: [{port: 99999}]}]}\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(RunProbes({{xb, xa, 80, Proto::kTcp}}, std::chrono::milliseconds(300))[0]);
  fs::remove(tmp.File("objs/deny.yaml"));
  EXPECT_TRUE(wait_for(true));
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::ifstream log(tmp.File("agent.log"));
  std::string log_text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(log_text.find("spec.ingress[0].ports[0].port"), std::string::npos) << log_text;
}

}  // namespace
}  // namespace vpccni::policy
