#include "vpcsim/scenario_file.h"

#include <set>

#include <yaml-cpp/yaml.h>

namespace vpccni::vpcsim {
namespace {

Error Bad(const YAML::Node& n, std::string_view what) {
  int line = n.IsDefined() ? n.Mark().line + 1 : 0;
  if (line > 0) {
    return MakeError(ErrorCode::kInvalidArgument, "scenario line {}: {}", line, what);
  }
  return MakeError(ErrorCode::kInvalidArgument, "scenario: {}", what);
}

// Checks that map `n` only has keys from `allowed`.
Result<void> OnlyKeys(const YAML::Node& n, std::string_view where,
                      std::initializer_list<std::string_view> allowed) {
  if (!n.IsMap()) {
    return Bad(n, fmt::format("{} must be a mapping", where));
  }
  for (const auto& kv : n) {
    std::string key = kv.first.Scalar();
    bool ok = false;
    for (auto a : allowed) {
      ok = ok || a == key;
    }
    if (!ok) {
      return Bad(kv.first, fmt::format("unknown key '{}' in {}", key, where));
    }
  }
  return Ok();
}

Result<std::string> Str(const YAML::Node& n, std::string_view key, bool required,
                        std::string fallback = "") {
  YAML::Node v = n[std::string(key)];
  if (!v.IsDefined() || v.IsNull()) {
    if (required) {
      return Bad(n, fmt::format("missing '{}'", key));
    }
    return fallback;
  }
  if (!v.IsScalar()) {
    return Bad(v, fmt::format("'{}' must be a scalar", key));
  }
  return v.Scalar();
}

template <typename T>
Result<std::optional<T>> Opt(const YAML::Node& n, std::string_view key) {
  YAML::Node v = n[std::string(key)];
  if (!v.IsDefined() || v.IsNull()) {
    return std::optional<T>();
  }
  T out{};
  if (!v.IsScalar() || !YAML::convert<T>::decode(v, out)) {
    return Bad(v, fmt::format("'{}' has the wrong type", key));
  }
  return std::optional<T>(out);
}

Result<std::vector<std::string>> StrList(const YAML::Node& n, std::string_view key) {
  YAML::Node v = n[std::string(key)];
  std::vector<std::string> out;
  if (!v.IsDefined() || v.IsNull()) {
    return out;
  }
  if (!v.IsSequence()) {
    return Bad(v, fmt::format("'{}' must be a list", key));
  }
  for (const auto& item : v) {
    if (!item.IsScalar()) {
      return Bad(item, fmt::format("'{}' items must be scalars", key));
    }
    out.push_back(item.Scalar());
  }
  return out;
}

Result<TagMap> Tags(const YAML::Node& n) {
  YAML::Node v = n["tags"];
  TagMap out;
  if (!v.IsDefined() || v.IsNull()) {
    return out;
  }
  if (!v.IsMap()) {
    return Bad(v, "'tags' must be a mapping");
  }
  for (const auto& kv : v) {
    if (!kv.second.IsScalar() && !kv.second.IsNull()) {
      return Bad(kv.second, "tag values must be scalars");
    }
    out[kv.first.Scalar()] = kv.second.IsNull() ? "" : kv.second.Scalar();
  }
  return out;
}

Result<YAML::Node> Seq(const YAML::Node& n, std::string_view key) {
  YAML::Node v = n[std::string(key)];
  if (v.IsDefined() && !v.IsNull() && !v.IsSequence()) {
    return Bad(v, fmt::format("'{}' must be a list", key));
  }
  return v;
}

Result<ScenarioSubnet> ParseSubnet(const YAML::Node& n, const std::string& vpc) {
  RETURN_IF_ERROR(OnlyKeys(
      n, "a subnet",
      {"name", "vpc", "az", "availability_zone", "cidr", "ipv6_cidr", "tags", "reservations"}));
  ScenarioSubnet s;
  ASSIGN_OR_RETURN(s.name, Str(n, "name", true));
  ASSIGN_OR_RETURN(s.vpc, Str(n, "vpc", vpc.empty(), vpc));
  ASSIGN_OR_RETURN(std::string az, Str(n, "az", false));
  ASSIGN_OR_RETURN(s.az, Str(n, "availability_zone", false, az));
  ASSIGN_OR_RETURN(s.cidr, Str(n, "cidr", true));
  ASSIGN_OR_RETURN(std::string v6, Str(n, "ipv6_cidr", false));
  if (!v6.empty()) {
    s.ipv6_cidr = v6;
  }
  ASSIGN_OR_RETURN(s.tags, Tags(n));
  ASSIGN_OR_RETURN(YAML::Node res, Seq(n, "reservations"));
  if (res.IsDefined() && res.IsSequence()) {
    for (const auto& r : res) {
      RETURN_IF_ERROR(OnlyKeys(r, "a reservation", {"cidr", "type", "description"}));
      ScenarioReservation sr;
      ASSIGN_OR_RETURN(sr.cidr, Str(r, "cidr", true));
      ASSIGN_OR_RETURN(sr.type, Str(r, "type", false, "prefix"));
      ASSIGN_OR_RETURN(sr.description, Str(r, "description", false));
      s.reservations.push_back(std::move(sr));
    }
  }
  return s;
}

Result<ScenarioSecurityGroup> ParseGroup(const YAML::Node& n, const std::string& vpc) {
  RETURN_IF_ERROR(OnlyKeys(n, "a security group", {"name", "vpc", "description", "tags"}));
  ScenarioSecurityGroup g;
  ASSIGN_OR_RETURN(g.name, Str(n, "name", true));
  ASSIGN_OR_RETURN(g.vpc, Str(n, "vpc", vpc.empty(), vpc));
  ASSIGN_OR_RETURN(g.description, Str(n, "description", false, g.name));
  ASSIGN_OR_RETURN(g.tags, Tags(n));
  return g;
}

Result<ScenarioSpec> ParseRoot(const YAML::Node& root) {
  ScenarioSpec spec;
  if (root.IsNull() || !root.IsDefined()) {
    return spec;
  }
  RETURN_IF_ERROR(OnlyKeys(root, "the scenario",
                           {"region", "default_vpc", "attach_delay_ms", "throttle", "seed", "vpcs",
                            "subnets", "security_groups", "instances", "faults"}));
  ASSIGN_OR_RETURN(spec.region, Str(root, "region", false));
  ASSIGN_OR_RETURN(spec.default_vpc, Opt<bool>(root, "default_vpc"));
  ASSIGN_OR_RETURN(spec.attach_delay_ms, Opt<int>(root, "attach_delay_ms"));
  ASSIGN_OR_RETURN(spec.throttle, Opt<bool>(root, "throttle"));
  ASSIGN_OR_RETURN(spec.seed, Opt<uint64_t>(root, "seed"));
  ASSIGN_OR_RETURN(YAML::Node vpcs, Seq(root, "vpcs"));
  if (vpcs.IsDefined() && vpcs.IsSequence()) {
    for (const auto& n : vpcs) {
      RETURN_IF_ERROR(OnlyKeys(
          n, "a vpc",
          {"name", "cidr", "secondary_cidrs", "ipv6", "tags", "subnets", "security_groups"}));
      ScenarioVpc v;
      ASSIGN_OR_RETURN(v.name, Str(n, "name", true));
      ASSIGN_OR_RETURN(v.cidr, Str(n, "cidr", true));
      ASSIGN_OR_RETURN(v.secondary_cidrs, StrList(n, "secondary_cidrs"));
      ASSIGN_OR_RETURN(auto ipv6, Opt<bool>(n, "ipv6"));
      v.ipv6 = ipv6.value_or(false);
      ASSIGN_OR_RETURN(v.tags, Tags(n));
      ASSIGN_OR_RETURN(YAML::Node subnets, Seq(n, "subnets"));
      if (subnets.IsDefined() && subnets.IsSequence()) {
        for (const auto& s : subnets) {
          ASSIGN_OR_RETURN(auto sub, ParseSubnet(s, v.name));
          spec.subnets.push_back(std::move(sub));
        }
      }
      ASSIGN_OR_RETURN(YAML::Node groups, Seq(n, "security_groups"));
      if (groups.IsDefined() && groups.IsSequence()) {
        for (const auto& g : groups) {
          ASSIGN_OR_RETURN(auto grp, ParseGroup(g, v.name));
          spec.security_groups.push_back(std::move(grp));
        }
      }
      spec.vpcs.push_back(std::move(v));
    }
  }
  ASSIGN_OR_RETURN(YAML::Node subnets, Seq(root, "subnets"));
  if (subnets.IsDefined() && subnets.IsSequence()) {
    for (const auto& s : subnets) {
      ASSIGN_OR_RETURN(auto sub, ParseSubnet(s, ""));
      spec.subnets.push_back(std::move(sub));
    }
  }
  ASSIGN_OR_RETURN(YAML::Node groups, Seq(root, "security_groups"));
  if (groups.IsDefined() && groups.IsSequence()) {
    for (const auto& g : groups) {
      ASSIGN_OR_RETURN(auto grp, ParseGroup(g, ""));
      spec.security_groups.push_back(std::move(grp));
    }
  }
  ASSIGN_OR_RETURN(YAML::Node instances, Seq(root, "instances"));
  if (instances.IsDefined() && instances.IsSequence()) {
    for (const auto& n : instances) {
      RETURN_IF_ERROR(OnlyKeys(n, "an instance",
                               {"name", "type", "image", "subnet", "security_groups", "private_ip",
                                "secondary_ips", "tags", "imds_listen", "netns"}));
      ScenarioInstance i;
      ASSIGN_OR_RETURN(i.name, Str(n, "name", true));
      ASSIGN_OR_RETURN(i.type, Str(n, "type", false, "m5.large"));
      ASSIGN_OR_RETURN(i.image, Str(n, "image", false, "ami-0123456789abcdef0"));
      ASSIGN_OR_RETURN(i.subnet, Str(n, "subnet", true));
      ASSIGN_OR_RETURN(i.security_groups, StrList(n, "security_groups"));
      ASSIGN_OR_RETURN(std::string ip, Str(n, "private_ip", false));
      if (!ip.empty()) {
        i.private_ip = ip;
      }
      ASSIGN_OR_RETURN(auto secondary, Opt<int>(n, "secondary_ips"));
      i.secondary_ips = secondary.value_or(0);
      ASSIGN_OR_RETURN(i.tags, Tags(n));
      ASSIGN_OR_RETURN(std::string listen, Str(n, "imds_listen", false));
      if (!listen.empty()) {
        i.imds_listen = listen;
      }
      ASSIGN_OR_RETURN(std::string netns, Str(n, "netns", false));
      if (!netns.empty()) {
        i.netns = netns;
      }
      spec.instances.push_back(std::move(i));
    }
  }
  ASSIGN_OR_RETURN(YAML::Node faults, Seq(root, "faults"));
  if (faults.IsDefined() && faults.IsSequence()) {
    for (const auto& n : faults) {
      RETURN_IF_ERROR(OnlyKeys(
          n, "a fault", {"action", "error_code", "message", "count", "error_rate", "latency_ms"}));
      ScenarioFault f;
      ASSIGN_OR_RETURN(f.action, Str(n, "action", false, "*"));
      ASSIGN_OR_RETURN(f.error_code, Str(n, "error_code", false));
      ASSIGN_OR_RETURN(f.message, Str(n, "message", false));
      ASSIGN_OR_RETURN(auto count, Opt<int>(n, "count"));
      f.count = count.value_or(f.error_code.empty() ? 0 : -1);
      ASSIGN_OR_RETURN(auto rate, Opt<double>(n, "error_rate"));
      f.error_rate = rate.value_or(0);
      ASSIGN_OR_RETURN(auto latency, Opt<int>(n, "latency_ms"));
      f.latency_ms = latency.value_or(0);
      spec.faults.push_back(std::move(f));
    }
  }
  // Names must be unique within their kind.
  auto check_unique = [](const auto& items, std::string_view kind) -> Result<void> {
    std::set<std::string> seen;
    for (const auto& it : items) {
      if (!seen.insert(it.name).second) {
        return MakeError(ErrorCode::kInvalidArgument, "scenario: duplicate {} name '{}'", kind,
                         it.name);
      }
    }
    return Ok();
  };
  RETURN_IF_ERROR(check_unique(spec.vpcs, "vpc"));
  RETURN_IF_ERROR(check_unique(spec.subnets, "subnet"));
  RETURN_IF_ERROR(check_unique(spec.instances, "instance"));
  return spec;
}

Result<std::string> Lookup(const std::map<std::string, std::string>& ids, const std::string& name,
                           std::string_view kind, std::string_view user) {
  auto it = ids.find(name);
  if (it == ids.end()) {
    return MakeError(ErrorCode::kInvalidArgument, "scenario: {} refers to unknown {} '{}'", user,
                     kind, name);
  }
  return it->second;
}

}  // namespace

Result<ScenarioSpec> ParseScenario(std::string_view yaml_text) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    return ParseRoot(root);
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, "scenario: invalid YAML: {}", e.what());
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, "scenario: {}", e.what());
  }
}

Result<AppliedScenario> ApplyScenario(const ScenarioSpec& spec, VpcModel& model, WallTime now) {
  AppliedScenario out;
  for (const auto& v : spec.vpcs) {
    CreateVpcRequest req;
    req.cidr_block = v.cidr;
    req.amazon_provided_ipv6_cidr_block = v.ipv6;
    req.tags = v.tags;
    if (req.tags.find("Name") == req.tags.end()) {
      req.tags["Name"] = v.name;
    }
    ASSIGN_OR_RETURN(auto reply, WithContext(model.CreateVpc(req, now), "vpc '{}'", v.name));
    out.vpc_ids[v.name] = reply.vpc.vpc_id;
    for (const auto& cidr : v.secondary_cidrs) {
      AssociateVpcCidrBlockRequest a;
      a.vpc_id = reply.vpc.vpc_id;
      a.cidr_block = cidr;
      RETURN_IF_ERROR(
          WithContext(model.AssociateVpcCidrBlock(a, now), "vpc '{}' cidr {}", v.name, cidr));
    }
  }
  for (const auto& s : spec.subnets) {
    ASSIGN_OR_RETURN(std::string vpc_id,
                     Lookup(out.vpc_ids, s.vpc, "vpc", fmt::format("subnet '{}'", s.name)));
    CreateSubnetRequest req;
    req.vpc_id = vpc_id;
    req.cidr_block = s.cidr;
    req.ipv6_cidr_block = s.ipv6_cidr;
    req.availability_zone = s.az;
    req.tags = s.tags;
    if (req.tags.find("Name") == req.tags.end()) {
      req.tags["Name"] = s.name;
    }
    ASSIGN_OR_RETURN(auto reply, WithContext(model.CreateSubnet(req, now), "subnet '{}'", s.name));
    out.subnet_ids[s.name] = reply.subnet.subnet_id;
    for (const auto& r : s.reservations) {
      CreateSubnetCidrReservationRequest cr;
      cr.subnet_id = reply.subnet.subnet_id;
      cr.cidr = r.cidr;
      cr.reservation_type = r.type;
      cr.description = r.description;
      RETURN_IF_ERROR(WithContext(model.CreateSubnetCidrReservation(cr, now),
                                  "subnet '{}' reservation {}", s.name, r.cidr));
    }
  }
  for (const auto& g : spec.security_groups) {
    ASSIGN_OR_RETURN(std::string vpc_id,
                     Lookup(out.vpc_ids, g.vpc, "vpc", fmt::format("security group '{}'", g.name)));
    CreateSecurityGroupRequest req;
    req.group_name = g.name;
    req.description = g.description;
    req.vpc_id = vpc_id;
    req.tags = g.tags;
    ASSIGN_OR_RETURN(auto reply, WithContext(model.CreateSecurityGroup(req, now),
                                             "security group '{}'", g.name));
    out.security_group_ids[g.vpc + "/" + g.name] = reply.group_id;
    out.security_group_ids.emplace(g.name, reply.group_id);
  }
  for (const auto& i : spec.instances) {
    std::string user = fmt::format("instance '{}'", i.name);
    ASSIGN_OR_RETURN(std::string subnet_id, Lookup(out.subnet_ids, i.subnet, "subnet", user));
    RunInstancesRequest req;
    req.image_id = i.image;
    req.instance_type = i.type;
    req.subnet_id = subnet_id;
    for (const auto& g : i.security_groups) {
      ASSIGN_OR_RETURN(std::string gid, Lookup(out.security_group_ids, g, "security group", user));
      req.security_group_ids.push_back(gid);
    }
    req.private_ip_address = i.private_ip;
    req.secondary_private_ip_address_count = i.secondary_ips;
    req.tags = i.tags;
    if (req.tags.find("Name") == req.tags.end()) {
      req.tags["Name"] = i.name;
    }
    ASSIGN_OR_RETURN(auto reply, WithContext(model.RunInstances(req, now), "{}", user));
    if (reply.instances.empty()) {
      return MakeError(ErrorCode::kInternal, "scenario: {} was not launched", user);
    }
    out.instance_ids[i.name] = reply.instances.front().instance_id;
  }
  for (const auto& f : spec.faults) {
    FaultRule rule;
    rule.action = f.action;
    rule.error_code = f.error_code;
    rule.message = f.message;
    rule.remaining = f.count;
    rule.error_rate = f.error_rate;
    rule.extra_latency = std::chrono::milliseconds(f.latency_ms);
    RETURN_IF_ERROR(WithContext(model.AddFault(rule), "fault for {}", f.action));
  }
  return out;
}

}  // namespace vpccni::vpcsim
