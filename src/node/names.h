// File: names.h
//
// Pure naming and numbering rules of node networking (reference §7.1, §7.2): host veth names
// from the pod's namespace/name hash, container interface names, ENI route table ids, and the
// SHA-1 they rely on. All functions are pure and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace vpccni::node {

inline constexpr std::string_view kDefaultVethPrefix = "eni";

// SHA-1 digest of data (FIPS 180-4).
std::array<uint8_t, 20> Sha1(std::string_view data);
// Lower-case hex of Sha1(data).
std::string Sha1Hex(std::string_view data);

// <prefix> + first 11 hex chars of sha1("<namespace>.<podname>"); for interface_index > 0 the
// pod name becomes "<podname>.<index>". E.g. ("eni", "kube-system", "coredns-57ff979f67-qqbdh")
// -> "enib5faff8a083". A prefix of at most 4 characters keeps the name within IFNAMSIZ-1 (15).
std::string HostVethName(std::string_view prefix, std::string_view pod_namespace,
                         std::string_view pod_name, int interface_index = 0);

// CNI_IFNAME for interface 0, "mNicIf<i>" for i > 0.
std::string ContainerIfName(std::string_view cni_ifname, int interface_index);

// Route table for an ENI: 254 (main) for card 0 device 0; device + 1 for card 0;
// 10000 + 100 * card + device otherwise. (1,0)->2, (1,1)->10101, (3,2)->10203.
uint32_t RouteTableId(int device_number, int network_card);

}  // namespace vpccni::node
