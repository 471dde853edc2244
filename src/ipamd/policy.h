// File: policy.h
//
// Pure decisions of the node daemon that are not warm-pool math (that lives in ipam/warm_pool.h):
//  - ENIConfig selection for custom networking (reference §11);
//  - subnet discovery for new ENIs (reference §6.1 tag rules, most free addresses first);
//  - managed/unmanaged ENI classification (§6.1);
//  - the leaked-ENI clean-up filter and age rule (§6.2);
//  - the tags and description of ENIs this node creates (§6.1).
// No I/O, no clock reads (time is passed in).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "cloud/ec2_api.h"
#include "k8s/objects.h"

namespace vpccni::ipamd {

// Tag keys (upstream names).
inline constexpr std::string_view kTagInstanceId = "node.k8s.amazonaws.com/instance_id";
inline constexpr std::string_view kTagCreatedAt = "node.k8s.amazonaws.com/createdAt";
inline constexpr std::string_view kTagNoManage = "node.k8s.amazonaws.com/no_manage";
inline constexpr std::string_view kTagClusterName = "cluster.k8s.amazonaws.com/name";
inline constexpr std::string_view kTagEniOwner = "eks:eni:owner";
inline constexpr std::string_view kTagEniOwnerValue = "amazon-vpc-cni";
inline constexpr std::string_view kTagSubnetRole = "kubernetes.io/role/cni";
inline constexpr std::string_view kTagSubnetClusterPrefix = "cni.networking.k8s.aws/cluster/";
inline constexpr std::string_view kEniDescriptionPrefix = "aws-K8S-";
inline constexpr std::string_view kExternalEniConfigLabel = "vpc.amazonaws.com/externalEniConfig";

// --- ENIConfig (custom networking) ---

// The ENIConfig name for a node, first hit wins: label vpc.amazonaws.com/externalEniConfig,
// annotation `annotation_key`, label `label_key`, else "default". A null node gives "default".
std::string SelectEniConfigName(const k8s::Node* node, std::string_view label_key,
                                std::string_view annotation_key);

struct SelectedEniConfig {
  std::string name;
  std::string subnet_id;
  std::vector<std::string> security_groups;  // empty: the primary ENI's groups
};

// Finds the node `node_name` and its ENIConfig in `objects`. Errors (kNotFound / kInvalidArgument,
// message naming AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG): empty node name (MY_NODE_NAME), node not
// found, ENIConfig not found, ENIConfig without a subnet.
Result<SelectedEniConfig> ResolveEniConfig(const k8s::ObjectSet& objects,
                                           std::string_view node_name,
                                           std::string_view label_key,
                                           std::string_view annotation_key);

// --- subnet discovery ---

// Upstream isSubnetValidForENICreation: tag kubernetes.io/role/cni = "0" -> invalid; no tag ->
// valid only for the primary subnet; tag present -> valid unless the subnet carries
// cni.networking.k8s.aws/cluster/<x> tags and none for `cluster_name`.
bool IsSubnetValidForEni(const cloud::Subnet& subnet, std::string_view primary_subnet_id,
                         std::string_view cluster_name);

// The subnets to try for a new ENI, best first. With discovery on: valid subnets of `vpc_id` in
// `az` (state available), by AvailableIpAddressCount descending then id. With discovery off, or
// when `subnets` is empty (DescribeSubnets failed): just the primary subnet unless it is tagged
// kubernetes.io/role/cni=0 (then nothing, kFailedPrecondition naming the subnet).
Result<std::vector<std::string>> RankSubnetsForEni(const std::vector<cloud::Subnet>& subnets,
                                                   std::string_view primary_subnet_id,
                                                   std::string_view vpc_id, std::string_view az,
                                                   std::string_view cluster_name,
                                                   bool discovery_enabled);

// True when an ENI's subnet is tagged kubernetes.io/role/cni=0 (the ENI keeps its pods but gets
// no new ones: IsExcludedForPodIPs).
bool IsSubnetExcluded(const cloud::Subnet& subnet);

// --- ENI ownership ---

// Upstream setUnmanagedENIs: the primary ENI is always managed; an ENI is unmanaged iff tagged
// no_manage=true, or it has no no_manage tag, no instance_id tag equal to `instance_id`, and
// manage_untagged is false. Trunk and EFA-only ENIs are reported separately by the caller.
bool IsEniManaged(const cloud::NetworkInterface& eni, bool is_primary,
                  std::string_view instance_id, bool manage_untagged);

// --- ENIs this node creates ---

// "aws-K8S-<instance-id>".
std::string EniDescription(std::string_view instance_id);

// createdAt (RFC 3339 UTC of now), instance_id, cluster name + eks:eni:owner when cluster_name
// is set, then the additional tags (which never override ours).
cloud::TagMap NewEniTags(std::string_view instance_id, std::string_view cluster_name,
                         const std::map<std::string, std::string>& additional, WallTime now);

// RFC 3339 UTC seconds ("2026-11-26T07:30:00Z"); and its parser (kInvalidArgument otherwise).
std::string FormatRfc3339(WallTime t);
Result<WallTime> ParseRfc3339(std::string_view s);

// --- leaked ENI clean-up ---

// DescribeNetworkInterfaces filters of the clean-up: tag-key instance_id, status available,
// vpc-id, and tag:cluster.k8s.amazonaws.com/name when cluster_name is set.
std::vector<cloud::Filter> LeakedEniFilters(std::string_view vpc_id, std::string_view cluster_name);

enum class LeakedEniAction { kSkip, kTagWithCreationTime, kDelete };

// What to do with a candidate: not "aws-K8S-" described or not available -> skip; no (parsable)
// createdAt tag -> tag it now; younger than min_age -> skip; else delete.
LeakedEniAction ClassifyLeakedEni(const cloud::NetworkInterface& eni, WallTime now,
                                  Duration min_age = std::chrono::minutes(5));

}  // namespace vpccni::ipamd
