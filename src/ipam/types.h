// File: types.h
//
// Value types shared by the IPAM core (datastore, warm-pool policy, checkpoint codec) and its
// callers (ipamd, the pool manager, vpcctl). Pure data; no invariants beyond what the comments say.
#pragma once

#include <compare>
#include <optional>
#include <string>

#include "base/clock.h"
#include "net/ip.h"

namespace vpccni::ipam {

// The CNI-spec primary key of an assignment: (network name, CNI_CONTAINERID, CNI_IFNAME).
struct IpamKey {
  std::string network_name;
  std::string container_id;
  std::string if_name;

  bool Empty() const { return network_name.empty() && container_id.empty() && if_name.empty(); }
  // "net/container/ifname", as upstream prints it.
  std::string ToString() const { return network_name + "/" + container_id + "/" + if_name; }
  auto operator<=>(const IpamKey&) const = default;
};

// Pod metadata stored with an assignment (all optional).
struct PodMetadata {
  std::string k8s_namespace;
  std::string k8s_name;
  // Number of interfaces (one address per network card) the pod holds; 0 is treated as 1.
  int interfaces_count = 0;
  bool operator==(const PodMetadata&) const = default;
};

// Static facts about an ENI, as ipamd learns them from IMDS/EC2.
struct EniSpec {
  std::string id;
  int device_number = 0;
  int network_card = 0;
  bool is_primary = false;
  bool is_trunk = false;
  bool is_efa = false;
  // The ENI's subnet is excluded from pod addresses (subnet discovery tag "0").
  bool is_excluded = false;
  std::string subnet_id;
  // The ENI's subnet CIDR (gateway = network + 1); default-constructed when unknown.
  net::Ipv4Cidr subnet_cidr;
  // The ENI's own primary IPv4 address (never handed to pods); nullopt when unknown.
  std::optional<net::Ipv4Address> primary_ip;
  bool operator==(const EniSpec&) const = default;
};

// Route table id reported for an ENI's pods: device + 1 on card 0 (so 1 for the primary ENI,
// whose pods the plugin routes through the main table anyway, as upstream's RPC reply does),
// 10000 + 100 * card + device on other cards (upstream helper.go).
inline int RouteTableFor(int device_number, int network_card) {
  if (network_card == 0) {
    return device_number + 1;
  }
  return 10000 + 100 * network_card + device_number;
}

// Where an address lives, as returned by assign and release.
struct Assignment {
  net::IpAddress address;
  std::string eni_id;
  int device_number = 0;
  int route_table = 0;
  IpamKey key;
  PodMetadata metadata;
  // Assignment time (assign) or the original assignment time (release).
  WallTime assigned_at{};
  bool operator==(const Assignment&) const = default;
};

}  // namespace vpccni::ipam
