// egress-cni: chained after vpc-cni; node-local egress address of the other IP family with SNAT
// to the node (see src/cni/egress.h). Links libnftables dynamically.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "cni/egress.h"
#include "cni/egress_runtime.h"
#include "cni/errors.h"
#include "cni/spec.h"

namespace {

bool ReadAll(int fd, std::string* out) {
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n > 0) {
      out->append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      return true;
    } else if (errno != EINTR) {
      return false;
    }
  }
}

void WriteAll(const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(1, s.data() + off, s.size() - off);
    if (n <= 0 && errno != EINTR) {
      return;
    }
    off += n > 0 ? static_cast<size_t>(n) : 0;
  }
}

}  // namespace

int main() {
  using namespace vpccni;  // NOLINT(google-build-using-namespace)
  cni::Invocation inv;
  auto env = cni::ParseEnv([](const char* k) { return std::getenv(k); });  // NOLINT
  if (!ReadAll(0, &inv.stdin_data)) {
    WriteAll(cni::EncodeError(cni::kLatestVersion,
                              cni::CniError(cni::kCodeIoFailure, "cannot read stdin")) + "\n");
    return 1;
  }
  if (!env.has_value()) {
    WriteAll(cni::EncodeError(cni::kLatestVersion, env.error()) + "\n");
    return 1;
  }
  inv.env = std::move(*env);
  cni::ConfigureLogging(inv.stdin_data);
  cni::NetlinkEgressWiring wiring;
  cni::NftEgressSnat snat;
  cni::Outcome out = cni::RunEgressCni(inv, cni::FileIpamFactory(), wiring, snat);
  if (!out.stdout_data.empty()) {
    WriteAll(out.stdout_data + "\n");
  }
  return out.exit_code;
}
