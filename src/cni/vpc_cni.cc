#include "cni/vpc_cni.h"

#include <set>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "base/strings.h"
#include "cni/errors.h"
#include "net/ip.h"

namespace vpccni::cni {
namespace {

constexpr std::string_view kLog = "vpc-cni";

// cniVersion of a config we could not fully parse, for the error object.
std::string RequestedVersion(std::string_view stdin_data) {
  auto j = nlohmann::json::parse(stdin_data, nullptr, false);
  if (j.is_object()) {
    auto it = j.find("cniVersion");
    if (it != j.end() && it->is_string() && IsSupportedVersion(it->get<std::string>())) {
      return it->get<std::string>();
    }
  }
  return std::string(kLatestVersion);
}

Outcome Failure(std::string_view version, const Error& e, Command cmd) {
  LOG_ERROR(kLog, "{} failed (code {}): {}", CommandName(cmd), CniCodeOf(e), e.ToString());
  return Outcome{1, EncodeError(version, e)};
}

struct PodIdentity {
  std::string ns;
  std::string name;
};

PodIdentity Identify(const K8sArgs& k8s, const CniEnv& env) {
  // Runtimes without Kubernetes args (podman sends only K8S_POD_NAME, ctr nothing): the pod
  // name falls back to the container id so the host veth name stays unique per sandbox.
  return PodIdentity{k8s.pod_namespace, k8s.pod_name.empty() ? env.container_id : k8s.pod_name};
}

bool IsUnknownPod(const rpc::ReplyStatus& s) {
  return s.error_reason == rpc::kErrUnknownPod ||
         s.error_message.find("datastore: unknown pod") != std::string::npos;
}

void Release(IpamBackend& ipam, const rpc::DelNetworkRequest& req) {
  auto r = ipam.DelNetwork(req);
  if (!r.has_value()) {
    LOG_WARN(kLog, "releasing the address of {} failed: {}", req.container_id,
             r.error().ToString());
  } else if (!r->status.success && !IsUnknownPod(r->status)) {
    LOG_WARN(kLog, "ipamd refused to release the address of {}: {}", req.container_id,
             r->status.error_message);
  }
}

rpc::DelNetworkRequest DelRequest(const NetConf& conf, const CniEnv& env, const K8sArgs& k8s,
                                  std::string_view reason) {
  rpc::DelNetworkRequest d;
  d.client_version = std::string(kPluginVersion);
  d.k8s_pod_name = k8s.pod_name;
  d.k8s_pod_namespace = k8s.pod_namespace;
  d.k8s_pod_infra_container_id = k8s.infra_container_id;
  d.k8s_pod_uid = k8s.pod_uid;
  d.reason = std::string(reason);
  d.container_id = env.container_id;
  d.if_name = env.ifname;
  d.network_name = conf.name;
  d.netns = env.netns;
  return d;
}

std::string StripPrefixLen(const std::string& cidr) {
  auto slash = cidr.find('/');
  return slash == std::string::npos ? cidr : cidr.substr(0, slash);
}

// Pieces of a vpc-cni ADD result found in prevResult.
struct PrevPod {
  std::string host_veth;
  int container_index = -1;
  std::string container_mac;   // route table id when written by the upstream plugin
  std::string dummy_sandbox;   // device number as written by ADD
  std::vector<std::string> ips;  // without prefix length
};

PrevPod FromPrevResult(const CniResult& r, const CniEnv& env) {
  PrevPod p;
  for (size_t i = 0; i < r.interfaces.size(); ++i) {
    const auto& itf = r.interfaces[i];
    if (itf.name.rfind("dummy", 0) == 0 && itf.sandbox.find('/') == std::string::npos) {
      p.dummy_sandbox = itf.sandbox;
    } else if (!itf.sandbox.empty()) {
      if (itf.name == env.ifname && p.container_index < 0) {
        p.container_index = static_cast<int>(i);
        p.container_mac = itf.mac;
      }
    } else if (p.host_veth.empty()) {
      p.host_veth = itf.name;
    }
  }
  for (const auto& ip : r.ips) {
    if (!ip.interface.has_value() || p.container_index < 0 ||
        *ip.interface == p.container_index) {
      p.ips.push_back(StripPrefixLen(ip.address));
    }
  }
  return p;
}

Result<std::string> Add(const NetConf& conf, const CniEnv& env, const K8sArgs& k8s,
                        IpamBackend& ipam, PodWiring& wiring) {
  rpc::AddNetworkRequest req;
  req.client_version = std::string(kPluginVersion);
  req.k8s_pod_name = k8s.pod_name;
  req.k8s_pod_namespace = k8s.pod_namespace;
  req.k8s_pod_infra_container_id = k8s.infra_container_id;
  req.k8s_pod_uid = k8s.pod_uid;
  req.container_id = env.container_id;
  req.if_name = env.ifname;
  req.network_name = conf.name;
  req.netns = env.netns;
  const auto release = DelRequest(conf, env, k8s, rpc::kReasonSetupNsFailed);

  auto reply = ipam.AddNetwork(req);
  if (!reply.has_value()) {
    Error e = std::move(reply.error());
    if (e.code == ErrorCode::kDeadlineExceeded) {
      // ipamd may have assigned before the deadline: give it back.
      Release(ipam, release);
    }
    bool transient = e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kDeadlineExceeded;
    e.AddContext("ipamd AddNetwork");
    return TagCni(std::move(e), transient ? kCodeTryAgainLater : kCodeIpamdProtocol);
  }
  if (!reply->status.success) {
    bool transient = reply->status.error_reason == rpc::kErrNoAvailableIp ||
                     reply->status.error_reason == rpc::kErrNotReady;
    return CniError(transient ? kCodeTryAgainLater : kCodeIpamdRejected,
                    fmt::format("ipamd AddNetwork failed: {}", reply->status.error_message));
  }
  if (reply->ip_allocations.empty()) {
    Release(ipam, release);
    return CniError(kCodeIpamdProtocol, "ipamd AddNetwork succeeded without an address");
  }
  if (reply->ip_allocations.size() > 1) {
    LOG_WARN(kLog, "ipamd returned {} addresses; multi-NIC pods are not wired, using the first",
             reply->ip_allocations.size());
  }
  const rpc::IpAllocation& alloc = reply->ip_allocations.front();
  std::string pod_ip = !alloc.ipv4_addr.empty() ? alloc.ipv4_addr : alloc.ipv6_addr;
  if (pod_ip.empty() || !net::IpAddress::Parse(pod_ip).has_value()) {
    Release(ipam, release);
    return CniError(kCodeIpamdProtocol,
                    fmt::format("ipamd AddNetwork returned an invalid address \"{}\"", pod_ip));
  }
  if (reply->pod_vlan_id != 0) {
    Release(ipam, release);
    return CniError(kCodeUnsupportedPod,
                    "branch-ENI pods (security groups for pods) are not supported by this plugin");
  }
  PodIdentity pod = Identify(k8s, env);
  WiringSpec spec;
  spec.netns = env.netns;
  spec.container_ifname = env.ifname;
  spec.host_veth_name = wiring.HostVethName(conf.veth_prefix, pod.ns, pod.name);
  spec.pod_ip = pod_ip;
  spec.mtu = conf.mtu;
  spec.route_table = EffectiveRouteTable(alloc.route_table_id);
  auto wired = wiring.Setup(spec);
  if (!wired.has_value()) {
    Release(ipam, release);
    Error e = std::move(wired.error());
    e.AddContext(fmt::format("wire pod {}/{} ({} on {})", pod.ns, pod.name, pod_ip,
                             spec.host_veth_name));
    return TagCni(std::move(e), kCodeSetupFailed);
  }
  LOG_INFO(kLog, "ADD {} {}/{}: {} via {} table {}", env.container_id, pod.ns, pod.name, pod_ip,
           spec.host_veth_name, spec.route_table);
  CniResult result = BuildAddResult(spec, *wired, alloc, reply->pod_vlan_id, conf.veth_prefix);
  return EncodeResult(result, conf.cni_version);
}

Result<void> Del(const NetConf& conf, const CniEnv& env, const K8sArgs& k8s, IpamBackend& ipam,
                 PodWiring& wiring) {
  PrevPod prev;
  if (conf.prev_result.has_value()) {
    prev = FromPrevResult(*conf.prev_result, env);
  }
  std::string host_veth = prev.host_veth;
  if (host_veth.empty() && !k8s.pod_name.empty()) {
    PodIdentity pod = Identify(k8s, env);
    host_veth = wiring.HostVethName(conf.veth_prefix, pod.ns, pod.name);
  }
  std::vector<std::string> ips;
  auto reply = ipam.DelNetwork(DelRequest(conf, env, k8s, rpc::kReasonPodDeleted));
  if (reply.has_value() && reply->status.success) {
    for (const auto& a : reply->ip_allocations) {
      for (const auto* ip : {&a.ipv4_addr, &a.ipv6_addr}) {
        if (!ip->empty()) {
          ips.push_back(*ip);
        }
      }
    }
  } else {
    if (!reply.has_value()) {
      LOG_WARN(kLog, "DEL {}: ipamd unreachable ({}); tearing down from prevResult",
               env.container_id, reply.error().ToString());
    } else if (!IsUnknownPod(reply->status)) {
      LOG_WARN(kLog, "DEL {}: ipamd DelNetwork failed ({}); tearing down from prevResult",
               env.container_id, reply->status.error_message);
    }
    ips = prev.ips;
  }
  std::set<std::string> seen;
  for (const auto& ip : ips) {
    if (!seen.insert(ip).second) {
      continue;
    }
    auto r = wiring.Teardown(ip, host_veth);
    if (!r.has_value()) {
      Error e = std::move(r.error());
      e.AddContext(fmt::format("tear down {} of {}", ip, env.container_id));
      return TagCni(std::move(e), kCodeSetupFailed);
    }
  }
  LOG_INFO(kLog, "DEL {}: cleaned [{}]", env.container_id,
           strings::Join(std::vector<std::string>(seen.begin(), seen.end()), ","));
  return Ok();
}

Result<void> Check(const NetConf& conf, const CniEnv& env, const K8sArgs& k8s,
                   PodWiring& wiring) {
  if (!conf.prev_result.has_value()) {
    return CniError(kCodeInvalidConfig, "CHECK requires prevResult");
  }
  PrevPod prev = FromPrevResult(*conf.prev_result, env);
  if (prev.container_index < 0 || prev.ips.empty()) {
    return CniError(kCodeCheckFailed,
                    fmt::format("prevResult has no interface {} with an address", env.ifname));
  }
  WiringSpec spec;
  spec.netns = env.netns;
  spec.container_ifname = env.ifname;
  PodIdentity pod = Identify(k8s, env);
  spec.host_veth_name = !prev.host_veth.empty()
                            ? prev.host_veth
                            : wiring.HostVethName(conf.veth_prefix, pod.ns, pod.name);
  spec.pod_ip = prev.ips.front();
  spec.mtu = conf.mtu;
  if (auto t = strings::ParseInt(prev.container_mac); t.has_value()) {
    spec.route_table = EffectiveRouteTable(static_cast<int32_t>(*t));
  } else if (auto d = strings::ParseInt(prev.dummy_sandbox); d.has_value()) {
    spec.route_table = EffectiveRouteTable(static_cast<int32_t>(*d + 1));
  }
  auto r = wiring.Check(spec);
  if (!r.has_value()) {
    return TagCni(std::move(r.error()), kCodeCheckFailed);
  }
  return Ok();
}

Result<void> Gc(const NetConf& conf, IpamBackend& ipam, PodWiring& wiring) {
  rpc::GcRequest req;
  req.client_version = std::string(kPluginVersion);
  req.network_name = conf.name;
  for (const auto& a : conf.valid_attachments) {
    req.valid_attachments.push_back({a.container_id, a.ifname, ""});
  }
  auto reply = ipam.Gc(req);
  if (!reply.has_value()) {
    Error e = std::move(reply.error());
    e.AddContext("ipamd Gc");
    bool transient = e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kDeadlineExceeded;
    return TagCni(std::move(e), transient ? kCodeTryAgainLater : kCodeIpamdProtocol);
  }
  if (!reply->status.success) {
    return CniError(kCodeIpamdRejected,
                    fmt::format("ipamd Gc failed: {}", reply->status.error_message));
  }
  // The stale attachments' netns are gone; remove what they left in the host netns. Keep going
  // past errors and report the first at the end (spec: GC continues).
  std::optional<Error> first;
  for (const auto& a : reply->released_ips) {
    for (const auto* ip : {&a.ipv4_addr, &a.ipv6_addr}) {
      if (ip->empty()) {
        continue;
      }
      auto r = wiring.Teardown(*ip, "");
      if (!r.has_value() && !first.has_value()) {
        first = TagCni(std::move(r.error()), kCodeSetupFailed);
      }
    }
  }
  LOG_INFO(kLog, "GC {}: {} valid attachments, released {}", conf.name,
           req.valid_attachments.size(), reply->released.size());
  if (first.has_value()) {
    return *first;
  }
  return Ok();
}

Result<void> Status(IpamBackend& ipam) {
  rpc::StatusRequest req{std::string(kPluginVersion)};
  auto reply = ipam.Status(req);
  if (!reply.has_value()) {
    return CniError(kCodeNotAvailable,
                    fmt::format("ipamd unreachable: {}", reply.error().ToString()));
  }
  if (!reply->status.success || !reply->ready) {
    return CniError(kCodeNotAvailable,
                    fmt::format("ipamd not ready: {}", reply->message.empty()
                                                           ? reply->status.error_message
                                                           : reply->message));
  }
  if (!reply->can_assign) {
    return CniError(kCodeNotAvailable,
                    fmt::format("ipamd has no address to assign ({} of {} in use)",
                                reply->assigned_ips, reply->total_ips));
  }
  return Ok();
}

Result<void> RequireVersion(const NetConf& conf, std::string_view min, Command cmd) {
  ASSIGN_OR_RETURN(int cmp, CompareVersions(conf.cni_version, min));
  if (cmp < 0) {
    return CniError(kCodeIncompatibleVersion,
                    fmt::format("{} needs cniVersion {} or later, config is {}", CommandName(cmd),
                                min, conf.cni_version));
  }
  return Ok();
}

}  // namespace

uint32_t EffectiveRouteTable(int32_t route_table_id) {
  return route_table_id <= 1 ? 254u : static_cast<uint32_t>(route_table_id);
}

std::string VlanIdAsMac(int32_t vlan_id) {
  auto v = static_cast<uint32_t>(vlan_id);
  return fmt::format("00:00:{:02x}:{:02x}:{:02x}:{:02x}", (v >> 24) & 0xff, (v >> 16) & 0xff,
                     (v >> 8) & 0xff, v & 0xff);
}

std::string DummyIfName(std::string_view host_veth_name, std::string_view prefix) {
  std::string_view rest = host_veth_name;
  if (rest.substr(0, prefix.size()) == prefix) {
    rest.remove_prefix(prefix.size());
  }
  return "dummy" + std::string(rest);
}

CniResult BuildAddResult(const WiringSpec& spec, const WiringResult& wired,
                         const rpc::IpAllocation& alloc, int32_t vlan_id,
                         std::string_view veth_prefix) {
  CniResult r;
  Interface host;
  host.name = spec.host_veth_name;
  host.mac = wired.host_veth_mac;
  Interface cont;
  cont.name = spec.container_ifname;
  cont.sandbox = spec.netns;
  // The container interface reports its real MAC (runtimes such as podman parse every "mac").
  // As upstream, the dummy interface carries the VLAN id (in "mac", written as a MAC so that it
  // parses) and the ENI device number (in "sandbox"), so CHECK/DEL know the route table
  // (device + 1) without ipamd.
  cont.mac = wired.container_mac;
  Interface dummy;
  dummy.name = DummyIfName(spec.host_veth_name, veth_prefix);
  dummy.mac = VlanIdAsMac(vlan_id);
  dummy.sandbox = std::to_string(alloc.device_number);
  r.interfaces = {host, cont, dummy};
  bool v6 = spec.pod_ip.find(':') != std::string::npos;
  IpConfig ip;
  ip.address = spec.pod_ip + (v6 ? "/128" : "/32");
  ip.interface = 1;
  r.ips = {ip};
  return r;
}

void ConfigureLogging(std::string_view stdin_data) {
  std::shared_ptr<log::Sink> sink;
  log::Level level = log::Level::kInfo;
  auto j = nlohmann::json::parse(stdin_data, nullptr, false);
  if (j.is_object()) {
    auto f = j.find("pluginLogFile");
    if (f != j.end() && f->is_string() && !f->get<std::string>().empty() &&
        f->get<std::string>() != "stdout") {
      auto s = log::OpenFileSink(f->get<std::string>());
      if (s.has_value()) {
        sink = *s;
      }
    }
    auto l = j.find("pluginLogLevel");
    if (l != j.end() && l->is_string()) {
      level = log::ParseLevel(l->get<std::string>()).value_or(log::Level::kInfo);
    }
  }
  log::SetSink(sink != nullptr ? sink : std::make_shared<log::FdSink>(2));
  log::SetLevel(level);
}

Outcome RunVpcCni(const Invocation& inv, IpamBackend& ipam, PodWiring& wiring) {
  const CniEnv& env = inv.env;
  if (env.command == Command::kVersion) {
    if (strings::Trim(inv.stdin_data).empty()) {
      return Outcome{0, EncodeVersionReply("")};
    }
    auto conf = ParseNetConf(inv.stdin_data, Command::kVersion);
    if (!conf.has_value()) {
      return Failure(kLatestVersion, conf.error(), env.command);
    }
    return Outcome{0, EncodeVersionReply(conf->cni_version)};
  }
  auto conf = ParseNetConf(inv.stdin_data, env.command);
  if (!conf.has_value()) {
    return Failure(RequestedVersion(inv.stdin_data), conf.error(), env.command);
  }
  const std::string& version = conf->cni_version;
  K8sArgs k8s;
  if (env.command == Command::kAdd || env.command == Command::kDel ||
      env.command == Command::kCheck) {
    auto a = ParseCniArgs(env.args);
    if (!a.has_value()) {
      return Failure(version, a.error(), env.command);
    }
    k8s = std::move(*a);
  }
  Result<void> done;
  switch (env.command) {
    case Command::kAdd: {
      auto out = Add(*conf, env, k8s, ipam, wiring);
      if (!out.has_value()) {
        return Failure(version, out.error(), env.command);
      }
      return Outcome{0, std::move(*out)};
    }
    case Command::kDel:
      done = Del(*conf, env, k8s, ipam, wiring);
      break;
    case Command::kCheck:
      done = RequireVersion(*conf, "0.4.0", env.command);
      if (done.has_value()) {
        done = Check(*conf, env, k8s, wiring);
      }
      break;
    case Command::kGc:
      done = RequireVersion(*conf, "1.1.0", env.command);
      if (done.has_value()) {
        done = Gc(*conf, ipam, wiring);
      }
      break;
    case Command::kStatus:
      done = RequireVersion(*conf, "1.1.0", env.command);
      if (done.has_value()) {
        done = Status(ipam);
      }
      break;
    case Command::kVersion:
      break;
  }
  if (!done.has_value()) {
    return Failure(version, done.error(), env.command);
  }
  return Outcome{0, ""};
}

}  // namespace vpccni::cni
