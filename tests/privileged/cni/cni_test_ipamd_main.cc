// cni-test-ipamd (test-only): serves DatastoreIpamService on a Unix socket until SIGINT/SIGTERM,
// for plugin benchmarks and manual runs when the real ipamd is not wanted.
//   cni-test-ipamd --socket PATH [--first 10.0.0.10] [--count 200]
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "base/strings.h"
#include "datastore_ipam_service.h"
#include "rpc/unix_server.h"

int main(int argc, char** argv) {
  using namespace vpccni;  // NOLINT(google-build-using-namespace)
  std::string socket = "/tmp/cni-test-ipamd.sock";
  std::string first = "10.0.0.10";
  int count = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--socket") {
      socket = argv[i + 1];
    } else if (flag == "--first") {
      first = argv[i + 1];
    } else if (flag == "--count") {
      count = static_cast<int>(strings::ParseInt(argv[i + 1]).value_or(200));
    } else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto svc = cnitest::DatastoreIpamService::Create(first, count);
  if (!svc.has_value()) {
    std::fprintf(stderr, "%s\n", svc.error().ToString().c_str());
    return 1;
  }
  rpc::UnixServerOptions opts;
  opts.path = socket;
  auto server = rpc::UnixServer::Start(svc->get(), opts);
  if (!server.has_value()) {
    std::fprintf(stderr, "%s\n", server.error().ToString().c_str());
    return 1;
  }
  int sig = 0;
  sigwait(&set, &sig);
  (*server)->Shutdown();
  return 0;
}
