// File: model_imds.cc
//
// IMDS views: what an instance's metadata service shows, now and with a lag.
#include <algorithm>

#include <fmt/format.h>

#include "vpcsim/model.h"
#include "vpcsim/model_internal.h"

namespace vpccni::vpcsim {

std::optional<ImdsView> BuildImdsView(const VpcModel::State& s, const VpcModel::Options& o,
                                      const std::string& instance_id) {
  auto it = s.instances.find(instance_id);
  if (it == s.instances.end()) {
    return std::nullopt;
  }
  const Instance& inst = it->second;
  ImdsView v;
  v.instance_id = inst.instance_id;
  v.instance_type = inst.instance_type;
  v.image_id = inst.image_id;
  v.reservation_id = inst.reservation_id;
  v.account_id = inst.owner_id;
  v.region = o.region;
  v.availability_zone = inst.availability_zone;
  v.availability_zone_id = inst.availability_zone_id;
  v.state = inst.state.name;
  v.local_ipv4 = inst.private_ip_address;
  v.ipv6 = inst.ipv6_address;
  v.local_hostname = inst.private_dns_name;
  v.launch_time = inst.launch_time;
  for (const auto& [id, e] : s.enis) {
    if (!e.attachment || e.attachment->instance_id != instance_id ||
        e.attachment->status == "attaching") {
      continue;
    }
    ImdsInterface ii;
    ii.mac = e.mac_address;
    ii.interface_id = e.network_interface_id;
    ii.device_number = id == inst.primary_network_interface_id ? 0 : e.attachment->device_index;
    ii.network_card = e.attachment->network_card_index;
    ii.owner_id = e.owner_id;
    ii.subnet_id = e.subnet_id;
    ii.vpc_id = e.vpc_id;
    ii.interface_type = e.interface_type;
    if (auto sit = s.subnets.find(e.subnet_id); sit != s.subnets.end()) {
      ii.subnet_ipv4_cidr_block = sit->second.subnet.cidr_block;
      if (sit->second.subnet.ipv6_cidr_block) {
        ii.subnet_ipv6_cidr_blocks.push_back(*sit->second.subnet.ipv6_cidr_block);
      }
    }
    if (auto vit = s.vpcs.find(e.vpc_id); vit != s.vpcs.end()) {
      for (const auto& a : vit->second.cidr_block_associations) {
        ii.vpc_ipv4_cidr_blocks.push_back(a.cidr);
      }
      for (const auto& a : vit->second.ipv6_cidr_block_associations) {
        ii.vpc_ipv6_cidr_blocks.push_back(a.cidr);
      }
    }
    for (const auto& ip : e.private_ip_addresses) {
      ii.local_ipv4s.push_back(ip.address);
    }
    ii.ipv4_prefixes = e.ipv4_prefixes;
    ii.ipv6s = e.ipv6_addresses;
    ii.ipv6_prefixes = e.ipv6_prefixes;
    for (const auto& g : e.groups) {
      ii.security_group_ids.push_back(g.group_id);
      ii.security_group_names.push_back(g.group_name);
    }
    if (id == inst.primary_network_interface_id) {
      v.mac = e.mac_address;
      v.security_group_names = ii.security_group_names;
    }
    v.interfaces.push_back(std::move(ii));
  }
  std::sort(v.interfaces.begin(), v.interfaces.end(),
            [](const ImdsInterface& a, const ImdsInterface& b) {
              return std::pair(a.network_card, a.device_number) <
                     std::pair(b.network_card, b.device_number);
            });
  return v;
}

Result<ImdsView> VpcModel::CurrentImdsView(std::string_view instance_id) const {
  auto v = BuildImdsView(*state_, options_, std::string(instance_id));
  if (!v) {
    return NotFoundError(kInstanceIdKind, instance_id);
  }
  v->as_of = state_->last_now;
  return *v;
}

Result<ImdsView> VpcModel::GetImdsView(std::string_view instance_id, WallTime now, Duration lag) {
  Advance(now);
  auto it = state_->imds_history.find(std::string(instance_id));
  if (it == state_->imds_history.end() || it->second.empty()) {
    return CurrentImdsView(instance_id);
  }
  const auto& hist = it->second;
  WallTime t = now - std::chrono::duration_cast<WallTime::duration>(lag);
  const ImdsView* best = &hist.front();
  for (const auto& v : hist) {
    if (v.as_of <= t) {
      best = &v;
    }
  }
  return *best;
}

}  // namespace vpccni::vpcsim
