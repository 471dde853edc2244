// File: introspection.h
//
// Pure JSON renderings of ipamd's introspection endpoints (reference §8.2) and the client-side
// parsing `vpcctl status` uses. Container IDs and interface names are scrubbed from /v1/enis, as
// upstream v1.23 does.
//
// /v1/enis: {"<card>":{"TotalIPs":n,"AssignedIPs":n,"CoolingIPs":n,"ENIs":{"<eni>":{
//   "ID","IsPrimary","IsTrunk","IsEFA","DeviceNumber","AvailableIPv4Cidrs":{"<cidr>":{
//     "Cidr":{"IP":"10.0.1.16","Mask":"//////A="},"IPAddresses":{"<ip>":{"Address",
//     "IPAMKey":{"networkName","containerID":"","ifName":""},"IPAMMetadata":{...},
//     "AssignedTime","UnassignedTime"}},"IsPrefix","AddressFamily":"4"}},
//   "IPv6Cidrs":{...},"IsExcludedForPodIPs","RouteTableID","SubnetID",
//   "AssignedIPs","CoolingIPs","TotalIPs"}}}}
// ("CoolingIPs" and the per-ENI counters are ours; the rest are upstream's keys.)
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/result.h"
#include "ipam/datastore.h"

namespace vpccni::ipamd {

// Paths served on the introspection port, in the order AvailableCommands lists them.
const std::vector<std::string>& IntrospectionPaths();

// {"AvailableCommands":[...]}.
nlohmann::json AvailableCommandsJson();

// Go's time.Time JSON form (RFC 3339 with nanoseconds, UTC); the zero time renders as
// "0001-01-01T00:00:00Z".
std::string GoTimeJson(std::optional<WallTime> t);

// The /v1/enis object for one datastore (one network card).
nlohmann::json RenderEnis(const ipam::Datastore& datastore, WallTime now);

}  // namespace vpccni::ipamd
