// File: vpc_cni.h
//
// The vpc-cni plugin's commands (ADD/DEL/CHECK/VERSION/GC/STATUS) over two ports: IpamBackend
// (ipamd over its Unix socket in production) and PodWiring (netlink through src/node). Pure apart
// from the ports, so the spec behaviour is unit-tested with fakes; the binary wires the real ones
// (vpc_cni_runtime.h).
//
// ADD   asks ipamd (AddNetwork), wires the pod (§7.6), answers the spec result: interfaces
//       [host veth, container iface (sandbox = netns), dummy<hash> (mac = VLAN id as a MAC,
//       sandbox = ENI device number)], ips [<podIP>/32 on interface 1]. Any failure
//       after ipamd assigned an address releases it (DelNetwork, Reason SetupNSFailed).
// DEL   asks ipamd (DelNetwork) and removes the host routes/rules for what it released. When
//       ipamd is unreachable, fails, or does not know the pod, tears down from prevResult and
//       succeeds. Works with an empty CNI_NETNS and without prevResult; idempotent.
// CHECK verifies the wiring described by prevResult (code 103 on a mismatch).
// GC    (1.1.0) sends the valid attachments to ipamd, which releases the rest of this network.
// STATUS (1.1.0) exit 0 when ipamd is ready and can assign, else code 50.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "cni/config.h"
#include "cni/spec.h"
#include "rpc/protocol.h"

namespace vpccni::cni {

// Build version sent as ClientVersion.
inline constexpr std::string_view kPluginVersion = "0.1.0";

class IpamBackend {
 public:
  virtual ~IpamBackend() = default;
  // Transport errors (kUnavailable, kDeadlineExceeded, ...) are Errors; ipamd's own failures come
  // back as replies with status.success = false.
  virtual Result<rpc::AddNetworkReply> AddNetwork(const rpc::AddNetworkRequest& req) = 0;
  virtual Result<rpc::DelNetworkReply> DelNetwork(const rpc::DelNetworkRequest& req) = 0;
  virtual Result<rpc::GcReply> Gc(const rpc::GcRequest& req) = 0;
  virtual Result<rpc::StatusReply> Status(const rpc::StatusRequest& req) = 0;
};

// What to wire for one pod interface.
struct WiringSpec {
  std::string netns;
  std::string container_ifname;
  std::string host_veth_name;
  std::string pod_ip;          // address text without prefix length
  uint32_t mtu = 9001;
  uint32_t route_table = 254;  // ENI table; 254 = main (no 1536 rule)
};

struct WiringResult {
  std::string host_veth_mac;
  std::string container_mac;
};

class PodWiring {
 public:
  virtual ~PodWiring() = default;
  // Host veth name for a pod (reference §7.1).
  virtual std::string HostVethName(std::string_view prefix, std::string_view pod_namespace,
                                   std::string_view pod_name) = 0;
  virtual Result<WiringResult> Setup(const WiringSpec& spec) = 0;
  // Removes host routes/rules for pod_ip (idempotent). host_veth_name may be empty.
  virtual Result<void> Teardown(const std::string& pod_ip, const std::string& host_veth_name) = 0;
  // kNotFound / kFailedPrecondition naming the first wrong object.
  virtual Result<void> Check(const WiringSpec& spec) = 0;
};

struct Invocation {
  CniEnv env;
  std::string stdin_data;
};

struct Outcome {
  int exit_code = 0;
  std::string stdout_data;  // result / version / error JSON; empty for DEL/CHECK/GC/STATUS success
};

// Parses the invocation and runs the command. Never writes to stdout itself. Logging goes to the
// process log sink (the caller sets it from the config: see ConfigureLogging).
Outcome RunVpcCni(const Invocation& inv, IpamBackend& ipam, PodWiring& wiring);

// Parses only as much as needed to set up logging (pluginLogFile / pluginLogLevel) before the
// command runs. Best effort: falls back to stderr at info.
void ConfigureLogging(std::string_view stdin_data);

// Pure helpers, exposed for tests.
// Route table from the reply: values <= 1 (and 254) mean main.
uint32_t EffectiveRouteTable(int32_t route_table_id);
// The VLAN id written as a MAC address ("00:00:00:00:00:07" for 7), for the dummy interface.
std::string VlanIdAsMac(int32_t vlan_id);
// "dummy" + host veth name without its prefix.
std::string DummyIfName(std::string_view host_veth_name, std::string_view prefix);
// The ADD result for one allocation.
CniResult BuildAddResult(const WiringSpec& spec, const WiringResult& wired,
                         const rpc::IpAllocation& alloc, int32_t vlan_id,
                         std::string_view veth_prefix);

}  // namespace vpccni::cni
