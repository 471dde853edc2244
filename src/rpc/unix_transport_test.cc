#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "rpc/frame_io.h"
#include "rpc/unix_client.h"
#include "rpc/unix_server.h"
#include "testing/result_matchers.h"
#include "testing/temp_dir.h"

namespace vpccni::rpc {
namespace {

// Hands out 10.0.0.<n> per distinct container; optionally blocks AddNetwork until released.
class CountingService : public IpamService {
 public:
  Result<AddNetworkReply> AddNetwork(const AddNetworkRequest& req) override {
    while (block_.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, inserted] = ids_.emplace(req.container_id, next_);
    if (inserted) {
      ++next_;
    }
    AddNetworkReply r;
    r.status.success = true;
    r.ip_allocations = {{fmt::format("10.0.0.{}", it->second), "", 0, 254}};
    return r;
  }
  Result<DelNetworkReply> DelNetwork(const DelNetworkRequest& req) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (ids_.erase(req.container_id) == 0) {
      Error e = MakeError(ErrorCode::kNotFound, "datastore: unknown pod");
      e.reason = std::string(kErrUnknownPod);
      return e;
    }
    DelNetworkReply r;
    r.status.success = true;
    return r;
  }
  Result<GcReply> Gc(const GcRequest&) override { return GcReply{{true, "", "", ""}, {}, {}}; }
  Result<StatusReply> Status(const StatusRequest&) override {
    StatusReply r;
    r.status.success = true;
    r.ready = true;
    return r;
  }
  std::atomic<bool> block_{false};

 private:
  std::mutex mu_;
  std::map<std::string, int> ids_;
  int next_ = 1;
};

UnixClientOptions ClientOpts(const std::string& path) {
  UnixClientOptions o;
  o.path = path;
  o.connect_timeout = std::chrono::milliseconds(1000);
  o.call_timeout = std::chrono::milliseconds(5000);
  return o;
}

AddNetworkRequest Add(const std::string& id) {
  AddNetworkRequest q;
  q.container_id = id;
  q.if_name = "eth0";
  q.network_name = "aws-cni";
  return q;
}

TEST(UnixTransportTest, ServesAllMethodsAndCleansUp) {
  testing::TempDir dir;
  std::string path = dir.File("sub/dir/ipamd.sock");
  CountingService svc;
  UnixServerOptions opts;
  opts.path = path;
  ASSERT_OK_AND_ASSIGN(auto server, UnixServer::Start(&svc, opts));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  ASSERT_OK_AND_ASSIGN(auto client, UnixClient::Connect(ClientOpts(path)));
  ASSERT_OK_AND_ASSIGN(auto add, client.AddNetwork(Add("a")));
  EXPECT_TRUE(add.status.success);
  EXPECT_EQ(add.ip_allocations.at(0).ipv4_addr, "10.0.0.1");
  // Same connection, more exchanges.
  ASSERT_OK_AND_ASSIGN(auto add2, client.AddNetwork(Add("a")));
  EXPECT_EQ(add2.ip_allocations.at(0).ipv4_addr, "10.0.0.1");
  DelNetworkRequest del;
  del.container_id = "a";
  ASSERT_OK_AND_ASSIGN(auto d1, client.DelNetwork(del));
  EXPECT_TRUE(d1.status.success);
  ASSERT_OK_AND_ASSIGN(auto d2, client.DelNetwork(del));
  EXPECT_FALSE(d2.status.success);
  EXPECT_EQ(d2.status.error_reason, kErrUnknownPod);
  ASSERT_OK_AND_ASSIGN(auto s, client.Status(StatusRequest{}));
  EXPECT_TRUE(s.ready);
  ASSERT_OK_AND_ASSIGN(auto g, client.Gc(GcRequest{}));
  EXPECT_TRUE(g.status.success);
  EXPECT_EQ(server->requests_served(), 6u);

  server->Shutdown();
  EXPECT_NE(::access(path.c_str(), F_OK), 0) << "socket file must be removed";
  auto after = UnixClient::Connect(ClientOpts(path));
  ASSERT_FALSE(after.has_value());
  EXPECT_EQ(after.error().code, ErrorCode::kUnavailable);
}

TEST(UnixTransportTest, ConcurrentClientsGetDistinctAnswers) {
  testing::TempDir dir;
  CountingService svc;
  UnixServerOptions opts;
  opts.path = dir.File("ipamd.sock");
  ASSERT_OK_AND_ASSIGN(auto server, UnixServer::Start(&svc, opts));
  constexpr int kThreads = 16;
  std::vector<std::string> got(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto c = UnixClient::Connect(ClientOpts(opts.path));
      if (!c.has_value()) {
        return;
      }
      auto r = c->AddNetwork(Add(fmt::format("c{}", i)));
      if (r.has_value() && r->status.success) {
        got[i] = r->ip_allocations.at(0).ipv4_addr;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  std::set<std::string> distinct(got.begin(), got.end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kThreads));
  EXPECT_EQ(distinct.count(""), 0u);
}

TEST(UnixTransportTest, StaleSocketReplacedLiveServerAndFilesRefused) {
  testing::TempDir dir;
  std::string path = dir.File("ipamd.sock");
  // A stale socket: bound, then its owner went away.
  {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof(a.sun_path) - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    ::close(fd);
  }
  CountingService svc;
  UnixServerOptions opts;
  opts.path = path;
  ASSERT_OK_AND_ASSIGN(auto server, UnixServer::Start(&svc, opts));
  EXPECT_ERROR_CODE(UnixServer::Start(&svc, opts), ErrorCode::kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(auto c, UnixClient::Connect(ClientOpts(path)));
  EXPECT_OK(c.Status(StatusRequest{}));

  std::string file = dir.File("regular");
  std::ofstream(file) << "x";
  opts.path = file;
  EXPECT_ERROR_CODE(UnixServer::Start(&svc, opts), ErrorCode::kAlreadyExists);
}

TEST(UnixTransportTest, OversizeAndGarbageFrames) {
  testing::TempDir dir;
  CountingService svc;
  UnixServerOptions opts;
  opts.path = dir.File("ipamd.sock");
  opts.max_frame_bytes = 256;
  ASSERT_OK_AND_ASSIGN(auto server, UnixServer::Start(&svc, opts));

  auto raw_exchange = [&](const std::string& bytes) -> Result<Reply> {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, opts.path.c_str(), sizeof(a.sun_path) - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
      ::close(fd);
      return MakeError(ErrorCode::kUnavailable, "connect");
    }
    (void)!::write(fd, bytes.data(), bytes.size());
    auto p = internal::ReadFrame(fd, 1 << 20,
                                 std::chrono::steady_clock::now() + std::chrono::seconds(5));
    ::close(fd);
    if (!p.has_value()) {
      return p.error();
    }
    return DecodeReply(*p);
  };
  ASSERT_OK_AND_ASSIGN(Reply big, raw_exchange(std::string("\x00\x10\x00\x00", 4)));
  EXPECT_EQ(std::get<ErrorReply>(big).code, ErrorCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(Reply junk, raw_exchange(EncodeFrame("{not json")));
  EXPECT_EQ(std::get<ErrorReply>(junk).code, ErrorCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(
      Reply v9, raw_exchange(EncodeFrame(EncodeRequest(StatusRequest{}, /*version=*/9))));
  EXPECT_EQ(std::get<ErrorReply>(v9).code, ErrorCode::kFailedPrecondition);
  // The server keeps serving.
  ASSERT_OK_AND_ASSIGN(auto c, UnixClient::Connect(ClientOpts(opts.path)));
  EXPECT_OK(c.Status(StatusRequest{}));
}

TEST(UnixTransportTest, CallTimeoutAndShutdownWithIdleConnection) {
  testing::TempDir dir;
  CountingService svc;
  UnixServerOptions opts;
  opts.path = dir.File("ipamd.sock");
  ASSERT_OK_AND_ASSIGN(auto server, UnixServer::Start(&svc, opts));
  auto copts = ClientOpts(opts.path);
  copts.call_timeout = std::chrono::milliseconds(100);
  ASSERT_OK_AND_ASSIGN(auto slow, UnixClient::Connect(copts));
  svc.block_ = true;
  EXPECT_ERROR_CODE(slow.AddNetwork(Add("x")), ErrorCode::kDeadlineExceeded);
  svc.block_ = false;
  // An idle open connection must not hold up shutdown.
  ASSERT_OK_AND_ASSIGN(auto idle, UnixClient::Connect(ClientOpts(opts.path)));
  auto t0 = std::chrono::steady_clock::now();
  server->Shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(UnixTransportTest, PeerCredentialsChecked) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root to connect as another uid";
  }
  testing::TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  CountingService svc;
  UnixServerOptions opts;
  opts.path = dir.File("ipamd.sock");
  ASSERT_OK_AND_ASSIGN(auto server, UnixServer::Start(&svc, opts));
  ::chmod(opts.path.c_str(), 0666);  // let the file mode through; the uid check must still hold
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) {
      ::_exit(3);
    }
    auto c = UnixClient::Connect(ClientOpts(opts.path));
    if (!c.has_value()) {
      ::_exit(4);
    }
    auto r = c->Status(StatusRequest{});
    ::_exit(!r.has_value() && r.error().code == ErrorCode::kPermissionDenied ? 0 : 5);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(UnixTransportTest, ResolveSocketPath) {
  EXPECT_EQ(ResolveSocketPath("/x/y.sock"), "/x/y.sock");
  ::unsetenv("VPCCNI_IPAMD_SOCKET");
  EXPECT_EQ(ResolveSocketPath(""), "/var/run/aws-node/ipamd.sock");
  ::setenv("VPCCNI_IPAMD_SOCKET", "/tmp/z.sock", 1);
  EXPECT_EQ(ResolveSocketPath(""), "/tmp/z.sock");
  ::unsetenv("VPCCNI_IPAMD_SOCKET");
}

}  // namespace
}  // namespace vpccni::rpc
