// File: egress_runtime.h
//
// Production ports of egress-cni: the flock'ed file IPAM, netlink wiring (src/netlink) and SNAT
// through libnftables. Not thread-safe (one plugin run = one thread).
//
// SNAT layout (one table per family, shared by all pods, created on demand):
//   table ip vpccni-egress (ip6 for IPv6 egress)
//     map pods { type ipv4_addr : verdict }           pod egress address -> its chain
//     chain postrouting { type nat hook postrouting priority srcnat; ip saddr vmap @pods }
//     chain snat-<addr> { ip daddr 224.0.0.0/4 accept; snat to <nodeIP> [fully-random|random] }
// (ip6: ff00::/8). DEL removes the map element and the pod chain; no rule handles needed.
#pragma once

#include "cni/egress.h"

namespace vpccni::cni {

EgressIpamFactory FileIpamFactory();

class NetlinkEgressWiring : public EgressWiring {
 public:
  Result<void> EnableForwarding(bool v4) override;
  Result<WiringResult> Setup(const EgressWiringSpec& spec) override;
  Result<void> Teardown(const net::IpAddress& ip, const std::string& host_veth_name) override;
  Result<void> Check(const EgressWiringSpec& spec) override;
};

class NftEgressSnat : public EgressSnat {
 public:
  Result<void> Add(const net::IpAddress& ip, const std::string& node_ip,
                   const std::string& randomize) override;
  Result<void> Del(const net::IpAddress& ip) override;
  Result<bool> Has(const net::IpAddress& ip) override;
};

// The nft script Add() runs (pure, golden-tested).
std::string EgressSnatScript(const net::IpAddress& ip, const std::string& node_ip,
                             const std::string& randomize);

}  // namespace vpccni::cni
