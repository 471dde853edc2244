#include "cni/egress.h"

#include <set>

#include "base/log.h"
#include "base/strings.h"
#include "cni/egress_ipam.h"
#include "cni/errors.h"
#include "cni/spec_json.h"

namespace vpccni::cni {
namespace {

constexpr std::string_view kLog = "egress-cni";

Outcome Fail(std::string_view version, const Error& e, Command cmd) {
  LOG_ERROR(kLog, "{} failed (code {}): {}", CommandName(cmd), CniCodeOf(e), e.ToString());
  return Outcome{1, EncodeError(version.empty() ? kLatestVersion : version, e)};
}

EgressWiringSpec SpecFor(const EgressConf& c, const CniEnv& env, const net::IpAddress& ip) {
  EgressWiringSpec s;
  s.netns = env.netns;
  s.ifname = c.v4 ? "v4if0" : "v6if0";
  s.host_veth_name = EgressHostVethName(env.container_id, env.ifname);
  s.ip = ip;
  EgressSubnet sub{c.v4, c.subnet_v4, c.subnet_v6};
  s.gateway = sub.Gateway();
  s.route_dsts = c.route_dsts;
  s.mtu = c.mtu;
  return s;
}

Result<std::string> Add(const EgressConf& c, const CniEnv& env, EgressIpamPort& ipam,
                        EgressWiring& wiring, EgressSnat& snat) {
  const std::string owner = EgressOwner(env.container_id, env.ifname);
  auto ip = ipam.Allocate(owner);
  if (!ip.has_value()) {
    return TagCni(std::move(ip.error()), kCodeEgressFailed);
  }
  auto undo_ipam = [&] { (void)ipam.Release(owner); };
  if (auto r = wiring.EnableForwarding(c.v4); !r.has_value()) {
    undo_ipam();
    return TagCni(std::move(r.error()), kCodeEgressFailed);
  }
  EgressWiringSpec spec = SpecFor(c, env, *ip);
  auto wired = wiring.Setup(spec);
  if (!wired.has_value()) {
    undo_ipam();
    Error e = std::move(wired.error());
    e.AddContext(fmt::format("egress wiring of {} on {}", ip->ToString(), spec.host_veth_name));
    return TagCni(std::move(e), kCodeEgressFailed);
  }
  if (auto r = snat.Add(*ip, c.node_ip, c.randomize_snat); !r.has_value()) {
    (void)wiring.Teardown(*ip, spec.host_veth_name);
    undo_ipam();
    Error e = std::move(r.error());
    e.AddContext(fmt::format("SNAT {} to {}", ip->ToString(), c.node_ip));
    return TagCni(std::move(e), kCodeEgressFailed);
  }
  CniResult result = *c.prev_result;
  Interface host;
  host.name = spec.host_veth_name;
  host.mac = wired->host_veth_mac;
  Interface cont;
  cont.name = spec.ifname;
  cont.mac = wired->container_mac;
  cont.sandbox = env.netns;
  result.interfaces.push_back(host);
  result.interfaces.push_back(cont);
  LOG_INFO(kLog, "ADD {}: egress {} on {} SNAT to {}", env.container_id, ip->ToString(),
           spec.ifname, c.node_ip);
  return EncodeResult(result, c.cni_version);
}

Result<void> Release(const EgressConf& c, const std::string& owner, EgressIpamPort& ipam,
                     EgressWiring& wiring, EgressSnat& snat, const std::string& host_veth) {
  ASSIGN_OR_RETURN(auto ip, ipam.Lookup(owner));
  if (!ip.has_value()) {
    return Ok();
  }
  RETURN_IF_ERROR(WithContext(snat.Del(*ip), "remove SNAT of {}", ip->ToString()));
  RETURN_IF_ERROR(wiring.Teardown(*ip, host_veth));
  RETURN_IF_ERROR(ipam.Release(owner));
  LOG_INFO(kLog, "released egress {} of {} ({})", ip->ToString(), owner, c.name);
  return Ok();
}

Result<void> Check(const EgressConf& c, const CniEnv& env, EgressIpamPort& ipam,
                   EgressWiring& wiring, EgressSnat& snat) {
  ASSIGN_OR_RETURN(auto ip, ipam.Lookup(EgressOwner(env.container_id, env.ifname)));
  if (!ip.has_value()) {
    return CniError(kCodeCheckFailed,
                    fmt::format("no egress address allocated to {}", env.container_id));
  }
  if (auto r = wiring.Check(SpecFor(c, env, *ip)); !r.has_value()) {
    return TagCni(std::move(r.error()), kCodeCheckFailed);
  }
  ASSIGN_OR_RETURN(bool has, snat.Has(*ip));
  if (!has) {
    return CniError(kCodeCheckFailed, fmt::format("SNAT for {} missing", ip->ToString()));
  }
  return Ok();
}

Result<void> Gc(const EgressConf& c, EgressIpamPort& ipam, EgressWiring& wiring,
                EgressSnat& snat, const std::vector<GcAttachment>& valid) {
  std::set<std::string> keep;
  for (const auto& a : valid) {
    keep.insert(EgressOwner(a.container_id, a.ifname));
  }
  ASSIGN_OR_RETURN(auto all, ipam.List());
  std::optional<Error> first;
  for (const auto& [owner, ip] : all) {
    if (keep.count(owner) != 0) {
      continue;
    }
    auto slash = owner.rfind('/');
    std::string veth = slash == std::string::npos
                           ? ""
                           : EgressHostVethName(owner.substr(0, slash), owner.substr(slash + 1));
    auto r = Release(c, owner, ipam, wiring, snat, veth);
    if (!r.has_value() && !first.has_value()) {
      first = r.error();
    }
  }
  if (first.has_value()) {
    return TagCni(*first, kCodeEgressFailed);
  }
  return Ok();
}

// egress-cni needs only a few of the GC keys; reuse the vpc-cni parser for them.
std::vector<GcAttachment> ValidAttachments(std::string_view stdin_data) {
  auto conf = ParseNetConf(stdin_data, Command::kGc);
  return conf.has_value() ? conf->valid_attachments : std::vector<GcAttachment>{};
}

}  // namespace

std::string EgressHostVethName(std::string_view container_id, std::string_view ifname) {
  uint64_t h = 1469598103934665603ull;
  for (std::string_view part : {container_id, std::string_view("/"), ifname}) {
    for (char ch : part) {
      h ^= static_cast<uint8_t>(ch);
      h *= 1099511628211ull;
    }
  }
  return fmt::format("egv{:012x}", h & 0xffffffffffffull);
}

Outcome RunEgressCni(const Invocation& inv, const EgressIpamFactory& ipam_factory,
                     EgressWiring& wiring, EgressSnat& snat) {
  const CniEnv& env = inv.env;
  if (env.command == Command::kVersion) {
    auto conf = ParseEgressConf(inv.stdin_data.empty() ? "{}" : inv.stdin_data,
                                Command::kVersion);
    if (!conf.has_value()) {
      return Fail(kLatestVersion, conf.error(), env.command);
    }
    return Outcome{0, EncodeVersionReply(conf->cni_version)};
  }
  auto conf = ParseEgressConf(inv.stdin_data, env.command);
  if (!conf.has_value()) {
    return Fail(kLatestVersion, conf.error(), env.command);
  }
  const EgressConf& c = *conf;
  if (!c.enabled) {
    // Pass-through: output prevResult unchanged on ADD, nothing else to do.
    if (env.command == Command::kAdd) {
      CniResult r = c.prev_result.value_or(CniResult{});
      return Outcome{0, EncodeResult(r, c.cni_version)};
    }
    return Outcome{0, ""};
  }
  if ((env.command == Command::kGc || env.command == Command::kStatus) &&
      CompareVersions(c.cni_version, "1.1.0").value_or(-1) < 0) {
    return Fail(c.cni_version,
                CniError(kCodeIncompatibleVersion,
                         fmt::format("{} needs cniVersion 1.1.0", CommandName(env.command))),
                env.command);
  }
  if (env.command == Command::kStatus) {
    return Outcome{0, ""};
  }
  std::unique_ptr<EgressIpamPort> ipam = ipam_factory(c);
  Result<void> done;
  switch (env.command) {
    case Command::kAdd: {
      auto out = Add(c, env, *ipam, wiring, snat);
      if (!out.has_value()) {
        return Fail(c.cni_version, out.error(), env.command);
      }
      return Outcome{0, std::move(*out)};
    }
    case Command::kDel:
      done = Release(c, EgressOwner(env.container_id, env.ifname), *ipam, wiring, snat,
                     EgressHostVethName(env.container_id, env.ifname));
      if (!done.has_value()) {
        done = TagCni(std::move(done.error()), kCodeEgressFailed);
      }
      break;
    case Command::kCheck:
      done = Check(c, env, *ipam, wiring, snat);
      break;
    case Command::kGc:
      done = Gc(c, *ipam, wiring, snat, ValidAttachments(inv.stdin_data));
      break;
    default:
      break;
  }
  if (!done.has_value()) {
    return Fail(c.cni_version, done.error(), env.command);
  }
  return Outcome{0, ""};
}

}  // namespace vpccni::cni
