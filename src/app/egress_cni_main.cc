// egress-cni: chained after vpc-cni; node-local egress address of the other IP family with SNAT
// to the node (see src/cni/egress.h). Links libnftables dynamically.
#include "cni/egress.h"
#include "cni/egress_runtime.h"
#include "cni/plugin_process.h"

int main() {
  using namespace vpccni;  // NOLINT(google-build-using-namespace)
  return cni::RunPluginProcess([](const cni::Invocation& inv) {
    cni::ConfigureLogging(inv.stdin_data);
    cni::NetlinkEgressWiring wiring;
    cni::NftEgressSnat snat;
    return cni::RunEgressCni(inv, cni::FileIpamFactory(), wiring, snat);
  });
}
