// File: egress_ipam.h
//
// egress-cni's own node-local IPAM (not host-local): one address per (container id, ifname)
// from the egress subnet, skipping the network address, the gateway (first host address) and,
// for IPv4, the broadcast address. State is a small JSON file under dataDir/<network name>/,
// read-modify-written under an exclusive flock so concurrent plugin runs never hand out an
// address twice.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "net/ip.h"

namespace vpccni::cni {

// Owner key of an egress address: "<containerID>/<ifname>".
std::string EgressOwner(std::string_view container_id, std::string_view ifname);

// The subnet of the pool (either family).
struct EgressSubnet {
  bool v4 = true;
  net::Ipv4Cidr v4_cidr;
  net::Ipv6Cidr v6_cidr;
  // Gateway: the first host address (network + 1).
  net::IpAddress Gateway() const;
};

// Pure state: address text -> owner.
struct EgressIpamState {
  std::map<std::string, std::string> owners;
  bool operator==(const EgressIpamState&) const = default;
};

// Returns the owner's address (idempotent) or allocates the lowest free one (pure; mutates
// state). kResourceExhausted when the subnet is full.
Result<net::IpAddress> EgressAllocate(EgressIpamState& state, const EgressSubnet& subnet,
                                      const std::string& owner);
// Releases the owner's address and returns it; nullopt when the owner holds none.
std::optional<net::IpAddress> EgressRelease(EgressIpamState& state, const std::string& owner);
std::optional<net::IpAddress> EgressLookup(const EgressIpamState& state, const std::string& owner);

std::string EncodeEgressState(const EgressIpamState& state);
// kDataLoss for a corrupt file.
Result<EgressIpamState> DecodeEgressState(std::string_view text);

// File-backed store: <data_dir>/<network>/state.json with lock file <data_dir>/<network>/lock.
// Each call takes the lock for its whole read-modify-write. Thread-compatible; safe across
// processes.
class EgressIpamStore {
 public:
  EgressIpamStore(std::string data_dir, std::string network, EgressSubnet subnet);
  Result<net::IpAddress> Allocate(const std::string& owner);
  Result<std::optional<net::IpAddress>> Release(const std::string& owner);
  Result<std::optional<net::IpAddress>> Lookup(const std::string& owner);
  Result<EgressIpamState> Snapshot();

 private:
  template <typename Fn>
  auto Locked(Fn fn) -> decltype(fn(std::declval<EgressIpamState&>(), std::declval<bool&>()));
  std::string dir_;
  EgressSubnet subnet_;
};

}  // namespace vpccni::cni
