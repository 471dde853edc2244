// File: egress.h
//
// The egress-cni plugin (§7.8), chained after vpc-cni: gives the pod a node-local address of the
// other family (IPv4 from 169.254.172.0/22 in IPv6 clusters, IPv6 from fd00::ac:00/118 in IPv4
// clusters) on a second veth (v4if0 / v6if0) and SNATs it to the node's address. Pass-through
// when "enabled" is not true. Command logic over three ports; the binary wires the real ones
// (egress_runtime.h).
//
// ADD    allocate (own IPAM, egress_ipam.h) -> forwarding sysctl -> veth + address + routes ->
//        SNAT; any failure undoes the earlier steps. Output: prevResult with the egress host veth
//        and container interface appended (the egress address is not added to ips, so runtimes
//        keep reporting the pod's VPC address).
// DEL    SNAT removed, host route removed, address released; idempotent, works without netns
//        and prevResult (the IPAM state knows the address).
// CHECK  the address is allocated, wired and SNATed.
// GC     releases addresses (and SNAT) of attachments not in the valid list.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "base/result.h"
#include "cni/egress_config.h"
#include "cni/vpc_cni.h"
#include "net/ip.h"

namespace vpccni::cni {

class EgressIpamPort {
 public:
  virtual ~EgressIpamPort() = default;
  virtual Result<net::IpAddress> Allocate(const std::string& owner) = 0;
  virtual Result<std::optional<net::IpAddress>> Release(const std::string& owner) = 0;
  virtual Result<std::optional<net::IpAddress>> Lookup(const std::string& owner) = 0;
  // owner -> address of every allocation.
  virtual Result<std::map<std::string, net::IpAddress>> List() = 0;
};

struct EgressWiringSpec {
  std::string netns;
  std::string ifname;          // v4if0 / v6if0
  std::string host_veth_name;  // EgressHostVethName()
  net::IpAddress ip;
  net::IpAddress gateway;      // first host address of the subnet, also put on the host veth
  std::vector<std::string> route_dsts;
  uint32_t mtu = 9001;
};

class EgressWiring {
 public:
  virtual ~EgressWiring() = default;
  virtual Result<void> EnableForwarding(bool v4) = 0;
  virtual Result<WiringResult> Setup(const EgressWiringSpec& spec) = 0;
  // Removes the host route to ip (idempotent); the veth goes with the pod netns.
  virtual Result<void> Teardown(const net::IpAddress& ip, const std::string& host_veth_name) = 0;
  virtual Result<void> Check(const EgressWiringSpec& spec) = 0;
};

class EgressSnat {
 public:
  virtual ~EgressSnat() = default;
  // SNAT traffic from ip (except multicast) to node_ip. randomize: prng | hashrandom | none.
  virtual Result<void> Add(const net::IpAddress& ip, const std::string& node_ip,
                           const std::string& randomize) = 0;
  // Idempotent.
  virtual Result<void> Del(const net::IpAddress& ip) = 0;
  virtual Result<bool> Has(const net::IpAddress& ip) = 0;
};

// "egv" + 12 hex chars of FNV-1a-64(containerID/ifname): stable, unique per attachment, 15 chars.
std::string EgressHostVethName(std::string_view container_id, std::string_view ifname);

// Builds the IPAM port for a parsed config (production: EgressIpamStore under dataDir).
using EgressIpamFactory = std::function<std::unique_ptr<EgressIpamPort>(const EgressConf&)>;

Outcome RunEgressCni(const Invocation& inv, const EgressIpamFactory& ipam, EgressWiring& wiring,
                     EgressSnat& snat);

}  // namespace vpccni::cni
