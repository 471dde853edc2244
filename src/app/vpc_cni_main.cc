// vpc-cni: the CNI plugin the container runtime executes for every pod (see src/cni/vpc_cni.h).
// Reads the config from stdin and CNI_* from the environment, writes the result or error JSON
// to stdout; logs go to pluginLogFile or stderr.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "cni/errors.h"
#include "cni/spec.h"
#include "cni/vpc_cni.h"
#include "cni/vpc_cni_runtime.h"

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
  if (inv.env.command != cni::Command::kVersion) {
    cni::ConfigureLogging(inv.stdin_data);
  } else {
    log::SetLevel(log::Level::kWarn);
  }
  cni::RpcIpamBackend ipam(cni::IpamdClientOptions(inv.stdin_data));
  cni::KernelPodWiring wiring;
  cni::Outcome out = cni::RunVpcCni(inv, ipam, wiring);
  if (!out.stdout_data.empty()) {
    WriteAll(out.stdout_data + "\n");
  }
  return out.exit_code;
}
