// vpc-cni: the CNI plugin the container runtime executes for every pod (see src/cni/vpc_cni.h).
// Reads the config from stdin and CNI_* from the environment, writes the result or error JSON
// to stdout; logs go to pluginLogFile or stderr.
#include "base/log.h"
#include "cni/plugin_process.h"
#include "cni/vpc_cni.h"
#include "cni/vpc_cni_runtime.h"

int main() {
  using namespace vpccni;  // NOLINT(google-build-using-namespace)
  return cni::RunPluginProcess([](const cni::Invocation& inv) {
    if (inv.env.command != cni::Command::kVersion) {
      cni::ConfigureLogging(inv.stdin_data);
    } else {
      log::SetLevel(log::Level::kWarn);
    }
    cni::RpcIpamBackend ipam(cni::IpamdClientOptions(inv.stdin_data));
    cni::KernelPodWiring wiring;
    return cni::RunVpcCni(inv, ipam, wiring);
  });
}
