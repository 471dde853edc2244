#include "ipamd/policy.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>

namespace vpccni::ipamd {

std::string SelectEniConfigName(const k8s::Node* node, std::string_view label_key,
                                std::string_view annotation_key) {
  if (node == nullptr) {
    return "default";
  }
  const auto& labels = node->meta.labels;
  const auto& annotations = node->meta.annotations;
  if (auto it = labels.find(std::string(kExternalEniConfigLabel));
      it != labels.end() && !it->second.empty()) {
    return it->second;
  }
  if (auto it = annotations.find(std::string(annotation_key));
      it != annotations.end() && !it->second.empty()) {
    return it->second;
  }
  if (auto it = labels.find(std::string(label_key)); it != labels.end() && !it->second.empty()) {
    return it->second;
  }
  return "default";
}

Result<SelectedEniConfig> ResolveEniConfig(const k8s::ObjectSet& objects,
                                           std::string_view node_name,
                                           std::string_view label_key,
                                           std::string_view annotation_key) {
  if (node_name.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true needs the node name (MY_NODE_NAME "
                     "or --node-name) to select an ENIConfig");
  }
  const k8s::Node* node = nullptr;
  for (const auto& n : objects.nodes) {
    if (n.meta.name == node_name) {
      node = &n;
      break;
    }
  }
  if (node == nullptr) {
    return MakeError(ErrorCode::kNotFound,
                     "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true: node '{}' not found in the "
                     "Kubernetes object source",
                     node_name);
  }
  std::string name = SelectEniConfigName(node, label_key, annotation_key);
  for (const auto& ec : objects.eni_configs) {
    if (ec.meta.name == name) {
      if (ec.subnet.empty()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true: ENIConfig '{}' has no "
                         "spec.subnet",
                         name);
      }
      SelectedEniConfig s;
      s.name = name;
      s.subnet_id = ec.subnet;
      s.security_groups = ec.security_groups;
      return s;
    }
  }
  return MakeError(ErrorCode::kNotFound,
                   "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true: ENIConfig '{}' (selected for node "
                   "'{}') not found",
                   name, node_name);
}

bool IsSubnetValidForEni(const cloud::Subnet& subnet, std::string_view primary_subnet_id,
                         std::string_view cluster_name) {
  auto role = subnet.tags.find(std::string(kTagSubnetRole));
  if (role == subnet.tags.end()) {
    return subnet.id == primary_subnet_id;
  }
  if (role->second == "0") {
    return false;
  }
  bool has_cluster_tags = false;
  bool ours = false;
  for (const auto& [k, v] : subnet.tags) {
    if (k.rfind(kTagSubnetClusterPrefix, 0) == 0) {
      has_cluster_tags = true;
      if (!cluster_name.empty() && k.substr(kTagSubnetClusterPrefix.size()) == cluster_name) {
        ours = true;
      }
    }
  }
  return !has_cluster_tags || ours;
}

bool IsSubnetExcluded(const cloud::Subnet& subnet) {
  auto role = subnet.tags.find(std::string(kTagSubnetRole));
  return role != subnet.tags.end() && role->second == "0";
}

Result<std::vector<std::string>> RankSubnetsForEni(const std::vector<cloud::Subnet>& subnets,
                                                   std::string_view primary_subnet_id,
                                                   std::string_view vpc_id, std::string_view az,
                                                   std::string_view cluster_name,
                                                   bool discovery_enabled) {
  const cloud::Subnet* primary = nullptr;
  for (const auto& s : subnets) {
    if (s.id == primary_subnet_id) {
      primary = &s;
    }
  }
  if (!discovery_enabled || subnets.empty()) {
    if (primary != nullptr && IsSubnetExcluded(*primary)) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "primary subnet {} is tagged {}=0 and subnet discovery is {}",
                       primary_subnet_id, kTagSubnetRole,
                       discovery_enabled ? "unavailable" : "off");
    }
    return std::vector<std::string>{std::string(primary_subnet_id)};
  }
  std::vector<const cloud::Subnet*> valid;
  for (const auto& s : subnets) {
    if (s.vpc_id != vpc_id || s.availability_zone != az) {
      continue;
    }
    if (!s.state.empty() && s.state != "available") {
      continue;
    }
    if (IsSubnetValidForEni(s, primary_subnet_id, cluster_name)) {
      valid.push_back(&s);
    }
  }
  std::stable_sort(valid.begin(), valid.end(), [](const cloud::Subnet* a, const cloud::Subnet* b) {
    if (a->available_ip_address_count != b->available_ip_address_count) {
      return a->available_ip_address_count > b->available_ip_address_count;
    }
    return a->id < b->id;
  });
  std::vector<std::string> out;
  for (const auto* s : valid) {
    out.push_back(s->id);
  }
  if (out.empty()) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "no subnet of {} in {} is valid for new ENIs (primary {} excluded, no "
                     "subnet tagged {})",
                     vpc_id, az, primary_subnet_id, kTagSubnetRole);
  }
  return out;
}

bool IsEniManaged(const cloud::NetworkInterface& eni, bool is_primary,
                  std::string_view instance_id, bool manage_untagged) {
  if (is_primary) {
    return true;
  }
  auto no_manage = eni.tags.find(std::string(kTagNoManage));
  if (no_manage != eni.tags.end()) {
    return no_manage->second != "true";
  }
  auto owner = eni.tags.find(std::string(kTagInstanceId));
  if (owner != eni.tags.end() && owner->second == instance_id) {
    return true;
  }
  return manage_untagged;
}

std::string EniDescription(std::string_view instance_id) {
  return fmt::format("{}{}", kEniDescriptionPrefix, instance_id);
}

cloud::TagMap NewEniTags(std::string_view instance_id, std::string_view cluster_name,
                         const std::map<std::string, std::string>& additional, WallTime now) {
  cloud::TagMap tags;
  for (const auto& [k, v] : additional) {
    tags[k] = v;
  }
  tags[std::string(kTagCreatedAt)] = FormatRfc3339(now);
  tags[std::string(kTagInstanceId)] = std::string(instance_id);
  if (!cluster_name.empty()) {
    tags[std::string(kTagClusterName)] = std::string(cluster_name);
    tags[std::string(kTagEniOwner)] = std::string(kTagEniOwnerValue);
  }
  return tags;
}

std::string FormatRfc3339(WallTime t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

Result<WallTime> ParseRfc3339(std::string_view s) {
  std::string str(s);
  int y = 0;
  int mo = 0;
  int d = 0;
  int h = 0;
  int mi = 0;
  int sec = 0;
  char tail[32] = {0};
  int n = std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%31s", &y, &mo, &d, &h, &mi, &sec,
                      tail);
  if (n < 6 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
    return MakeError(ErrorCode::kInvalidArgument, "not an RFC 3339 time: '{}'", s);
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  std::time_t secs = timegm(&tm);
  WallTime t = std::chrono::system_clock::from_time_t(secs);
  // Offset suffix: Z, or fractional seconds then Z, or +hh:mm / -hh:mm.
  std::string_view rest(tail);
  if (!rest.empty() && rest[0] == '.') {
    size_t i = 1;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
      ++i;
    }
    rest.remove_prefix(i);
  }
  if (rest == "Z" || rest == "z" || (n == 6 && rest.empty())) {
    return t;
  }
  int oh = 0;
  int om = 0;
  if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') &&
      std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &oh, &om) == 2) {
    auto off = std::chrono::hours(oh) + std::chrono::minutes(om);
    return rest[0] == '+' ? t - off : t + off;
  }
  return MakeError(ErrorCode::kInvalidArgument, "not an RFC 3339 time: '{}'", s);
}

std::vector<cloud::Filter> LeakedEniFilters(std::string_view vpc_id,
                                            std::string_view cluster_name) {
  std::vector<cloud::Filter> f;
  f.push_back({"tag-key", {std::string(kTagInstanceId)}});
  f.push_back({"status", {"available"}});
  f.push_back({"vpc-id", {std::string(vpc_id)}});
  if (!cluster_name.empty()) {
    f.push_back({fmt::format("tag:{}", kTagClusterName), {std::string(cluster_name)}});
  }
  return f;
}

LeakedEniAction ClassifyLeakedEni(const cloud::NetworkInterface& eni, WallTime now,
                                  Duration min_age) {
  if (eni.description.rfind(kEniDescriptionPrefix, 0) != 0) {
    return LeakedEniAction::kSkip;
  }
  if (!eni.status.empty() && eni.status != "available") {
    return LeakedEniAction::kSkip;
  }
  if (eni.attachment.has_value() && eni.attachment->status == "attached") {
    return LeakedEniAction::kSkip;
  }
  auto created = eni.tags.find(std::string(kTagCreatedAt));
  if (created == eni.tags.end()) {
    return LeakedEniAction::kTagWithCreationTime;
  }
  auto t = ParseRfc3339(created->second);
  if (!t) {
    return LeakedEniAction::kTagWithCreationTime;
  }
  if (now - *t < min_age) {
    return LeakedEniAction::kSkip;
  }
  return LeakedEniAction::kDelete;
}

}  // namespace vpccni::ipamd
