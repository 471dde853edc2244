#include "ipamd/daemon.h"

#include <algorithm>
#include <fstream>

#include "base/log.h"
#include "ipam/checkpoint.h"
#include "ipam/checkpoint_file.h"
#include "ipam/max_pods.h"
#include "ipam/warm_pool.h"
#include "ipamd/introspection.h"
#include "node/names.h"

namespace vpccni::ipamd {
namespace {

constexpr const char* kLog = "ipamd";
// Upstream's placeholder key of pods migrated from the CRI checkpoint (DelNetwork fallback).
constexpr const char* kMigratedNetworkName = "_migrated-from-cri";
constexpr const char* kMigratedIfName = "unknown";

double Seconds(Duration d) {
  return std::chrono::duration<double>(d).count();
}

int RouteTableForReply(int device_number, int network_card) {
  return static_cast<int>(node::RouteTableId(device_number, network_card));
}

// RAII gauge for awscni_ipamd_action_inprogress{fn}.
class InProgress {
 public:
  InProgress(metrics::GaugeFamily* g, std::string fn) : g_(g), fn_(std::move(fn)) {
    g_->Add({fn_}, 1);
  }

  ~InProgress() { g_->Add({fn_}, -1); }

  InProgress(const InProgress&) = delete;
  InProgress& operator=(const InProgress&) = delete;

 private:
  metrics::GaugeFamily* g_;
  std::string fn_;
};

// Retries f with doubling delays until it succeeds, the deadline passes or stop is set.
template <typename F>
auto RetryUntil(Clock& clock, Duration timeout, const std::atomic<bool>& stop, const char* what,
                F&& f) -> decltype(f()) {
  MonoTime deadline = clock.Mono() + timeout;
  Duration delay = std::chrono::milliseconds(100);
  while (true) {
    auto r = f();
    if (r.has_value() || stop.load() || clock.Mono() + delay > deadline ||
        r.error().code == ErrorCode::kInvalidArgument || r.error().code == ErrorCode::kNotFound ||
        r.error().code == ErrorCode::kPermissionDenied) {
      return r;
    }
    LOG_WARN(kLog, "{} failed, retrying in {} ms: {}", what,
             std::chrono::duration_cast<std::chrono::milliseconds>(delay).count(),
             r.error().ToString());
    clock.SleepFor(delay);
    delay = std::min<Duration>(delay * 2, std::chrono::seconds(5));
  }
}

}  // namespace

struct Daemon::NodeEni {
  AttachedEni imds;
  std::optional<cloud::NetworkInterface> ec2;
  bool managed = true;
  bool trunk = false;
  bool efa_only = false;
  bool excluded = false;
};

Daemon::Daemon(DaemonOptions options, DaemonPorts ports)
    : options_(std::move(options)), ports_(ports) {}

Daemon::~Daemon() {
  Stop();
}

void Daemon::OnReady(std::function<void()> fn) {
  bool call_now = false;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    on_ready_ = std::move(fn);
    call_now = ready_.load();
  }
  if (call_now && on_ready_) {
    on_ready_();
  }
}

// ---------------------------------------------------------------------------------------------
// Bootstrap

Result<void> Daemon::Bootstrap() {
  InProgress in_progress(ports_.metrics->ipamd_action_inprogress, "nodeInit");
  MonoTime start = ports_.clock->Mono();
  auto run = [&]() -> Result<void> {
    RETURN_IF_ERROR(WithContext(DiscoverNode(), "discover node from IMDS"));
    ASSIGN_OR_RETURN(limits_, WithContext(ResolveLimits(), "instance limits"));
    ASSIGN_OR_RETURN(auto enis, WithContext(DescribeNodeEnis(), "attached ENIs"));
    RETURN_IF_ERROR(WithContext(BuildPool(enis), "build datastore"));
    RETURN_IF_ERROR(WithContext(RestoreCheckpoint(), "restore checkpoint"));
    RETURN_IF_ERROR(WithContext(SetupHost(), "host networking"));
    return Ok();
  };
  Result<void> r = run();
  double secs = Seconds(ports_.clock->Mono() - start);
  ports_.metrics->ipamd_node_initialization_duration_seconds->Observe(
      {r.has_value() ? "true" : "false"}, secs);
  if (!r) {
    ports_.metrics->ipamd_startup_duration_seconds->Observe(
        {"false", ports_.k8s != nullptr ? "true" : "false",
         std::string(ErrorCodeName(r.error().code))},
        secs);
    return r;
  }
  bootstrapped_ = true;
  // Pre-scaling (upstream runs one increase at init): a few passes so the node can assign.
  for (int i = 0; i < 8 && !stopping_.load(); ++i) {
    ipam::PassReport report = PoolPass();
    if (ready_.load() || report.plan.Empty()) {
      break;
    }
  }
  UpdateGauges();
  MaybeBecomeReady();
  ports_.metrics->ipamd_startup_duration_seconds->Observe(
      {"true", ports_.k8s != nullptr ? "true" : "false", ""},
      Seconds(ports_.clock->Mono() - start));
  LOG_INFO(kLog, "bootstrap done in {:.3f}s: instance {} ({}), {} ENIs, ready={}", secs,
           identity_.instance_id, identity_.instance_type, pool_->Stats().eni_count, ready_.load());
  return Ok();
}

Result<void> Daemon::DiscoverNode() {
  ASSIGN_OR_RETURN(identity_,
                   RetryUntil(*ports_.clock, options_.bootstrap_timeout, stopping_, "IMDS identity",
                              [&] { return ports_.metadata->Identity(); }));
  LOG_INFO(kLog, "node: instance {} type {} az {} ip {}", identity_.instance_id,
           identity_.instance_type, identity_.availability_zone, identity_.local_ipv4.ToString());
  return Ok();
}

Result<cloud::InstanceLimits> Daemon::ResolveLimits() {
  if (const auto* row = cloud::InstanceLimitsTable::BuiltIn().Find(identity_.instance_type)) {
    return *row;
  }
  LOG_INFO(kLog, "instance type {} not in the built-in table; asking DescribeInstanceTypes",
           identity_.instance_type);
  cloud::DescribeInstanceTypesRequest req;
  req.instance_types = {identity_.instance_type};
  ASSIGN_OR_RETURN(
      auto types,
      RetryUntil(*ports_.clock, options_.bootstrap_timeout, stopping_, "DescribeInstanceTypes",
                 [&] { return cloud::DescribeAllInstanceTypes(*ports_.ec2, req); }));
  for (const auto& t : types) {
    if (t.instance_type == identity_.instance_type) {
      return t;
    }
  }
  return MakeError(ErrorCode::kNotFound, "instance type '{}' unknown to DescribeInstanceTypes",
                   identity_.instance_type);
}

Result<std::vector<Daemon::NodeEni>> Daemon::DescribeNodeEnis() {
  ASSIGN_OR_RETURN(auto attached,
                   RetryUntil(*ports_.clock, options_.bootstrap_timeout, stopping_, "IMDS ENIs",
                              [&] { return ports_.metadata->AttachedEnis(); }));
  std::vector<NodeEni> out;
  cloud::DescribeNetworkInterfacesRequest req;
  for (const auto& e : attached) {
    NodeEni n;
    n.imds = e;
    if (e.mac == identity_.primary_mac) {
      n.imds.primary = true;
      n.imds.device_number = 0;
    }
    out.push_back(n);
    if (!e.interface_id.empty()) {
      req.network_interface_ids.push_back(e.interface_id);
    }
  }
  // Confirm with EC2 (IMDS may be stale: trust EC2, reference issue #1967). ENIs EC2 does not
  // know are dropped from the request and retried, as upstream does.
  std::vector<cloud::NetworkInterface> described;
  for (int attempt = 0; attempt < 12 && !req.network_interface_ids.empty(); ++attempt) {
    auto r = RetryUntil(*ports_.clock, options_.bootstrap_timeout, stopping_,
                        "DescribeNetworkInterfaces",
                        [&] { return cloud::DescribeAllNetworkInterfaces(*ports_.ec2, req); });
    if (r) {
      described = std::move(*r);
      break;
    }
    if (r.error().code == ErrorCode::kNotFound) {
      std::string msg = r.error().message;
      auto it =
          std::find_if(req.network_interface_ids.begin(), req.network_interface_ids.end(),
                       [&](const std::string& id) { return msg.find(id) != std::string::npos; });
      if (it != req.network_interface_ids.end()) {
        LOG_WARN(kLog, "IMDS lists {} but EC2 does not know it; ignoring it", *it);
        req.network_interface_ids.erase(it);
        continue;
      }
    }
    return r.error();
  }
  std::map<std::string, cloud::NetworkInterface> by_id;
  for (auto& d : described) {
    by_id.emplace(d.id, std::move(d));
  }
  std::vector<NodeEni> confirmed;
  int unmanaged = 0;
  for (auto& n : out) {
    auto it = by_id.find(n.imds.interface_id);
    if (it == by_id.end()) {
      if (!n.imds.primary) {
        LOG_WARN(kLog, "ENI {} ({}) is in IMDS but not in EC2; skipped", n.imds.interface_id,
                 n.imds.mac.ToString());
        continue;
      }
    } else {
      n.ec2 = it->second;
      n.trunk = it->second.interface_type == "trunk";
      n.efa_only = it->second.interface_type == "efa-only";
      n.managed = IsEniManaged(it->second, n.imds.primary, identity_.instance_id,
                               options_.config.manage_untagged_eni);
    }
    if (n.imds.network_card != 0 || n.efa_only || !n.managed) {
      ++unmanaged;
      LOG_INFO(kLog, "ENI {} not managed (card {}, efa-only {}, managed {})", n.imds.interface_id,
               n.imds.network_card, n.efa_only, n.managed);
      continue;
    }
    confirmed.push_back(std::move(n));
  }
  // Subnet exclusion (kubernetes.io/role/cni=0): those ENIs get no new pods.
  std::set<std::string> subnet_ids;
  for (const auto& n : confirmed) {
    subnet_ids.insert(n.imds.subnet_id);
  }
  if (options_.config.enable_subnet_discovery && !subnet_ids.empty()) {
    cloud::DescribeSubnetsRequest sreq;
    sreq.subnet_ids.assign(subnet_ids.begin(), subnet_ids.end());
    auto subnets = cloud::DescribeAllSubnets(*ports_.ec2, sreq);
    if (subnets) {
      for (auto& n : confirmed) {
        for (const auto& s : *subnets) {
          if (s.id == n.imds.subnet_id && IsSubnetExcluded(s) && !n.imds.primary) {
            n.excluded = true;
          }
        }
      }
    } else {
      LOG_WARN(kLog, "DescribeSubnets failed, no subnet exclusion: {}", subnets.error().ToString());
    }
  }
  std::lock_guard<std::mutex> lock(state_mu_);
  unmanaged_enis_ = unmanaged;
  for (const auto& n : confirmed) {
    eni_macs_[n.imds.interface_id] = n.imds.mac;
    if (n.imds.primary) {
      primary_eni_id_ = n.imds.interface_id;
      primary_subnet_id_ = n.imds.subnet_id;
      vpc_id_ = n.imds.vpc_id;
      primary_security_groups_ = n.imds.security_group_ids;
      std::sort(primary_security_groups_.begin(), primary_security_groups_.end());
      vpc_cidrs_ = n.imds.vpc_ipv4_cidrs;
      vpc_v6_cidrs_.clear();
      for (const auto& c : n.imds.vpc_ipv6_cidrs) {
        vpc_v6_cidrs_.push_back(c.ToString());
      }
    }
  }
  if (primary_eni_id_.empty()) {
    return MakeError(ErrorCode::kNotFound, "primary ENI (MAC {}) not found in IMDS",
                     identity_.primary_mac.ToString());
  }
  return confirmed;
}

Result<void> Daemon::BuildPool(const std::vector<NodeEni>& enis) {
  const Config& cfg = options_.config;
  ipam::PoolConfig pool_cfg = options_.pool;
  if (pool_cfg.prefix_delegation && !limits_.SupportsPrefixDelegation()) {
    if (pool_cfg.ipv6) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "ENABLE_IPv6 needs prefix delegation, which instance type {} ({}) does "
                       "not support",
                       limits_.instance_type, limits_.hypervisor);
    }
    LOG_WARN(kLog, "ENABLE_PREFIX_DELEGATION ignored: {} is not Nitro; using secondary IPs",
             limits_.instance_type);
    pool_cfg.prefix_delegation = false;
    options_.pool.prefix_delegation = false;
  }
  ASSIGN_OR_RETURN(ipam::PoolLimits limits, ipam::PoolLimits::Derive(limits_, pool_cfg));
  ipam::Datastore::Options ds_opts;
  ds_opts.network_card = 0;
  ds_opts.prefix_delegation = pool_cfg.prefix_delegation;
  ds_opts.ipv6 = pool_cfg.ipv6;
  ds_opts.cooldown = pool_cfg.ip_cooldown;
  ipam::Datastore ds(ds_opts);
  WallTime now = ports_.clock->Now();
  for (const auto& n : enis) {
    ipam::EniSpec spec;
    spec.id = n.imds.interface_id;
    spec.device_number = n.imds.device_number;
    spec.network_card = n.imds.network_card;
    spec.is_primary = n.imds.primary;
    spec.is_trunk = n.trunk;
    spec.is_efa = n.ec2.has_value() && n.ec2->interface_type == "efa";
    spec.is_excluded = n.excluded || (cfg.custom_network_cfg && n.imds.primary);
    spec.subnet_id = n.imds.subnet_id;
    if (n.imds.subnet_ipv4_cidr) {
      spec.subnet_cidr = *n.imds.subnet_ipv4_cidr;
    }
    if (!n.imds.local_ipv4s.empty()) {
      spec.primary_ip = n.imds.local_ipv4s.front();
    }
    // EC2 is the source of truth for addresses; IMDS may lag.
    std::vector<net::Ipv4Address> ips;
    std::vector<net::Ipv4Cidr> prefixes;
    std::vector<net::Ipv6Cidr> v6_prefixes;
    if (n.ec2) {
      if (n.ec2->primary_ip) {
        spec.primary_ip = n.ec2->primary_ip;
      }
      for (const auto& p : n.ec2->private_ips) {
        if (!p.primary) {
          ips.push_back(p.address);
        }
      }
      prefixes = n.ec2->ipv4_prefixes;
      v6_prefixes = n.ec2->ipv6_prefixes;
    } else {
      for (size_t i = 1; i < n.imds.local_ipv4s.size(); ++i) {
        ips.push_back(n.imds.local_ipv4s[i]);
      }
      prefixes = n.imds.ipv4_prefixes;
      v6_prefixes = n.imds.ipv6_prefixes;
    }
    RETURN_IF_ERROR(WithContext(ds.AddEni(spec, now), "add ENI {}", spec.id));
    if (n.trunk) {
      continue;  // never allocate on the trunk
    }
    for (const auto& ip : ips) {
      auto r = ds.AddIpv4Cidr(spec.id, net::Ipv4Cidr(ip, 32), false);
      if (!r) {
        LOG_WARN(kLog, "skip {} on {}: {}", ip.ToString(), spec.id, r.error().ToString());
      }
    }
    for (const auto& p : prefixes) {
      auto r = ds.AddIpv4Cidr(spec.id, p, true);
      if (!r) {
        LOG_WARN(kLog, "skip {} on {}: {}", p.ToString(), spec.id, r.error().ToString());
      }
    }
    for (const auto& p : v6_prefixes) {
      auto r = ds.AddIpv6Prefix(spec.id, p);
      if (!r) {
        LOG_WARN(kLog, "skip {} on {}: {}", p.ToString(), spec.id, r.error().ToString());
      }
    }
  }
  // Custom networking: the ENIConfig must exist before we can grow the pool.
  if (cfg.custom_network_cfg) {
    PollK8s();
    std::string err;
    if (!CurrentEniConfig(&err)) {
      return MakeError(ErrorCode::kInvalidArgument, "{}", err);
    }
  }
  int max_pods = 110;
  if (options_.max_pods) {
    max_pods = *options_.max_pods;
  } else {
    ipam::MaxPodsOptions mp;
    mp.cni_version = options_.version;
    mp.prefix_delegation = pool_cfg.prefix_delegation;
    mp.custom_networking = pool_cfg.custom_networking;
    if (pool_cfg.max_eni > 0) {
      mp.max_eni = pool_cfg.max_eni;
    }
    auto computed = ipam::ComputeMaxPods(limits_, mp);
    if (computed) {
      max_pods = *computed;
    } else {
      LOG_WARN(kLog, "max-pods: {}; using 110", computed.error().ToString());
    }
  }
  ipam::PoolManager::Options pm;
  pm.config = pool_cfg;
  pm.limits = limits;
  pm.max_pods = max_pods;
  pm.network_card = 0;
  pm.node.instance_id = identity_.instance_id;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    pm.node.subnet_id = primary_subnet_id_;
    pm.node.security_group_ids = primary_security_groups_;
  }
  pm.node.cluster_name = cfg.cluster_name;
  for (const auto& [k, v] : cfg.additional_eni_tags) {
    pm.node.additional_tags[k] = v;
  }
  if (cfg.custom_network_cfg || cfg.enable_subnet_discovery) {
    pm.placement = [this]() {
      return PlaceNewEni();
    };
  }
  pool_ = std::make_unique<ipam::PoolManager>(*ports_.ec2, *ports_.clock, std::move(ds), pm);
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    pool_->SetUnmanagedEnis(unmanaged_enis_);
  }
  int usable_enis = std::max(0, limits.max_enis - unmanaged_enis_);
  ports_.metrics->eni_max->Set(usable_enis);
  ports_.metrics->ip_max->Set(static_cast<double>(usable_enis) * limits.max_ips_per_eni);
  LOG_INFO(kLog, "pool: max {} ENIs x {} addresses, max-pods {}, mode {}", limits.max_enis,
           limits.max_ips_per_eni, max_pods,
           pool_cfg.ipv6 ? "ipv6" : (pool_cfg.prefix_delegation ? "prefix" : "secondary-ip"));
  return Ok();
}

Result<void> Daemon::RestoreCheckpoint() {
  const std::string& path = options_.config.backing_store;
  auto text = ipam::ReadFile(path);
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) {
      LOG_INFO(kLog, "no checkpoint at {}: fresh node", path);
      return pool_->WithDatastore([&](ipam::Datastore& ds) { return PersistLocked(ds); });
    }
    return text.error();
  }
  ASSIGN_OR_RETURN(ipam::Checkpoint cp,
                   WithContext(ipam::DecodeCheckpoint(*text), "decode {}", path));
  // Drop pods whose host veth is gone (only when we manage the host: without host networking
  // there are no veths to check).
  if (ports_.host != nullptr) {
    ASSIGN_OR_RETURN(std::set<std::string> links, ports_.host->LinkNames());
    std::vector<ipam::CheckpointAllocation> kept;
    for (const auto& a : cp.allocations) {
      if (a.metadata.k8s_namespace.empty() || a.metadata.k8s_name.empty()) {
        kept.push_back(a);
        continue;
      }
      std::string veth = node::HostVethName(options_.config.veth_prefix, a.metadata.k8s_namespace,
                                            a.metadata.k8s_name);
      std::string suffix = veth.substr(options_.config.veth_prefix.size());
      bool found = std::any_of(links.begin(), links.end(), [&](const std::string& l) {
        return l.size() >= suffix.size() &&
               l.compare(l.size() - suffix.size(), suffix.size(), suffix) == 0;
      });
      if (found) {
        kept.push_back(a);
      } else {
        LOG_INFO(kLog, "checkpoint: pod {}/{} ({}) has no host veth {}; dropping it",
                 a.metadata.k8s_namespace, a.metadata.k8s_name, a.address.ToString(), veth);
        (void)ports_.host->RemovePodRules(a.address);
      }
    }
    cp.allocations = std::move(kept);
  }
  return pool_->WithDatastore([&](ipam::Datastore& ds) -> Result<void> {
    ipam::RestoreReport report = ipam::RestoreDatastore(cp, ds);
    for (const auto& d : report.dropped) {
      LOG_WARN(kLog, "checkpoint: {} of {} is no longer on any ENI; presuming it stale",
               d.address.ToString(), d.key.ToString());
    }
    LOG_INFO(kLog, "checkpoint {} ({}): restored {} pods, {} cool-downs, dropped {}", path,
             cp.version, report.restored, report.cooldowns_restored, report.dropped.size());
    return PersistLocked(ds);
  });
}

HostSetup Daemon::DesiredHost() const {
  const Config& cfg = options_.config;
  HostSetup setup;
  node::HostNetworkConfig& net = setup.network;
  net.mtu = static_cast<uint32_t>(cfg.eni_mtu);
  net.ipv6 = cfg.enable_ipv6;
  net.node_port_support = cfg.node_port_support;
  net.external_snat = cfg.external_snat;
  net.connmark = cfg.connmark;
  for (const auto& c : cfg.external_service_cidrs) {
    net.external_service_cidrs.push_back(
        netlink::IpPrefix{net::IpAddress(c.Network()), c.PrefixLen()});
  }
  std::vector<ipam::EniSpec> enis =
      pool_->WithDatastore([](const ipam::Datastore& ds) { return ds.Enis(); });
  std::lock_guard<std::mutex> lock(state_mu_);
  for (const auto& e : enis) {
    auto mac = eni_macs_.find(e.id);
    if (mac == eni_macs_.end() || !e.primary_ip) {
      continue;
    }
    node::EniNetwork en;
    en.mac = mac->second;
    en.device_number = e.device_number;
    en.network_card = e.network_card;
    en.is_primary = e.is_primary;
    en.is_trunk = e.is_trunk;
    int len = e.subnet_cidr.PrefixLen() > 0 && e.subnet_cidr.PrefixLen() < 32
                  ? e.subnet_cidr.PrefixLen()
                  : 32;
    en.primary_address = netlink::IpPrefix{net::IpAddress(*e.primary_ip), len};
    if (len < 32) {
      en.gateway = net::IpAddress(e.subnet_cidr.Network().Plus(1));
    }
    net.enis.push_back(en);
  }
  if (!cfg.enable_ipv6) {
    node::SnatConfig snat;
    snat.node_ip = identity_.local_ipv4;
    snat.vpc_cidrs = vpc_cidrs_;
    snat.exclude_cidrs = cfg.exclude_snat_cidrs;
    snat.external_snat = cfg.external_snat;
    snat.randomize = cfg.randomize_snat == RandomizeSnat::kNone
                         ? node::SnatRandomization::kNone
                         : (cfg.randomize_snat == RandomizeSnat::kHashRandom
                                ? node::SnatRandomization::kHashRandom
                                : node::SnatRandomization::kPrng);
    snat.connmark = cfg.connmark;
    snat.veth_prefix = cfg.veth_prefix;
    snat.node_port_support = cfg.node_port_support;
    setup.snat = snat;
  }
  return setup;
}

Result<void> Daemon::SetupHost() {
  if (ports_.host == nullptr) {
    ports_.metrics->connmark_backend->Set({"none"}, 1);
    return Ok();
  }
  HostSetup setup = DesiredHost();
  auto r = ports_.host->Setup(setup);
  ports_.metrics->connmark_reconcile_total->Inc({r.has_value() ? "success" : "error"});
  RETURN_IF_ERROR(r);
  ports_.metrics->connmark_backend->Set({"nftables"}, 1);
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    for (const auto& e : setup.network.enis) {
      for (const auto& [id, mac] : eni_macs_) {
        if (mac == e.mac) {
          host_ready_enis_.insert(id);
        }
      }
    }
  }
  // Re-program the rules of restored pods and drop rules of pods we no longer know.
  std::vector<node::PodRuleState> live = pool_->WithDatastore([](const ipam::Datastore& ds) {
    std::vector<node::PodRuleState> out;
    for (const auto& a : ds.Assignments()) {
      out.push_back({a.address, static_cast<uint32_t>(RouteTableForReply(
                                    a.device_number, ds.options().network_card))});
    }
    return out;
  });
  return ports_.host->ReconcilePodRules(live);
}

// ---------------------------------------------------------------------------------------------
// New ENIs: placement and host setup

void Daemon::PollK8s() {
  if (ports_.k8s == nullptr) {
    return;
  }
  auto r = ports_.k8s->Poll();
  if (!r) {
    LOG_WARN(kLog, "k8s source {}: {}", ports_.k8s->dir(), r.error().ToString());
  }
}

std::optional<SelectedEniConfig> Daemon::CurrentEniConfig(std::string* error) {
  if (ports_.k8s == nullptr) {
    *error =
        "AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true needs a Kubernetes object source "
        "(--k8s-source dir:PATH) holding the node and its ENIConfig";
    return std::nullopt;
  }
  auto sel = ResolveEniConfig(ports_.k8s->snapshot().objects, options_.node_name,
                              options_.config.eni_config_label_def,
                              options_.config.eni_config_annotation_def);
  if (!sel) {
    *error = sel.error().message;
    return std::nullopt;
  }
  return *sel;
}

Result<ipam::EniPlacement> Daemon::PlaceNewEni() {
  ipam::EniPlacement p;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    p.subnet_id = primary_subnet_id_;
    p.security_group_ids = primary_security_groups_;
  }
  if (options_.config.custom_network_cfg) {
    std::string err;
    auto sel = CurrentEniConfig(&err);
    if (!sel) {
      return MakeError(ErrorCode::kFailedPrecondition, "{}", err);
    }
    p.subnet_id = sel->subnet_id;
    if (!sel->security_groups.empty()) {
      p.security_group_ids = sel->security_groups;
    }
    return p;
  }
  // Subnet discovery: subnets of the VPC in our AZ; failure -> the primary subnet.
  cloud::DescribeSubnetsRequest req;
  req.filters = {{"vpc-id", {vpc_id_}}, {"availability-zone", {identity_.availability_zone}}};
  auto subnets = cloud::DescribeAllSubnets(*ports_.ec2, req);
  std::vector<cloud::Subnet> list;
  if (subnets) {
    list = std::move(*subnets);
  } else {
    LOG_WARN(kLog, "DescribeSubnets failed, using the primary subnet: {}",
             subnets.error().ToString());
  }
  ASSIGN_OR_RETURN(
      auto ranked,
      RankSubnetsForEni(list, p.subnet_id, vpc_id_, identity_.availability_zone,
                        options_.config.cluster_name, options_.config.enable_subnet_discovery));
  if (ranked.front() != p.subnet_id) {
    LOG_INFO(kLog, "subnet discovery: new ENI goes to {} (most free addresses)", ranked.front());
  }
  p.subnet_id = ranked.front();
  return p;
}

void Daemon::SetupNewEnis(const ipam::PassReport& report) {
  for (const auto& o : report.outcomes) {
    if (o.new_eni_id.empty()) {
      continue;
    }
    cloud::DescribeNetworkInterfacesRequest req;
    req.network_interface_ids = {o.new_eni_id};
    auto d = cloud::DescribeAllNetworkInterfaces(*ports_.ec2, req);
    if (!d || d->empty()) {
      LOG_WARN(kLog, "new ENI {}: describe failed; host setup deferred to reconcile", o.new_eni_id);
      continue;
    }
    const cloud::NetworkInterface& ni = d->front();
    std::optional<net::Ipv4Cidr> subnet_cidr;
    cloud::DescribeSubnetsRequest sreq;
    sreq.subnet_ids = {ni.subnet_id};
    if (auto s = cloud::DescribeAllSubnets(*ports_.ec2, sreq); s && !s->empty()) {
      subnet_cidr = s->front().cidr;
    }
    pool_->WithDatastore([&](ipam::Datastore& ds) {
      if (const ipam::EniSpec* spec = ds.Eni(ni.id)) {
        ipam::EniSpec updated = *spec;
        if (subnet_cidr) {
          updated.subnet_cidr = *subnet_cidr;
        }
        (void)ds.UpdateEni(updated);
      }
    });
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      eni_macs_[ni.id] = ni.mac;
    }
    if (ports_.host == nullptr) {
      continue;
    }
    auto r = RetryUntil(*ports_.clock, std::chrono::seconds(15), stopping_, "ENI host setup",
                        [&] { return ports_.host->SetupEni(DesiredHost(), ni.mac); });
    if (r) {
      std::lock_guard<std::mutex> lock(state_mu_);
      host_ready_enis_.insert(ni.id);
    } else {
      ports_.metrics->ipamd_error_count->Inc({"setupENINetwork"});
      LOG_ERROR(kLog, "host setup of ENI {} ({}) failed: {}", ni.id, ni.mac.ToString(),
                r.error().ToString());
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Periodic work

ipam::PassReport Daemon::PoolPass() {
  if (!pool_) {
    return {};
  }
  PollK8s();
  ipam::PassReport report;
  {
    InProgress in_progress(ports_.metrics->ipamd_action_inprogress, "updateIPPoolIfRequired");
    report = pool_->RunOnce();
  }
  const auto& m = *ports_.metrics;
  if (report.plan.Empty()) {
    m.warm_pool_plan_total->Inc({"none"});
  }
  for (const auto& a : report.plan.actions) {
    m.warm_pool_plan_total->Inc({std::string(ipam::ActionKindName(a.kind))});
  }
  for (const auto& o : report.outcomes) {
    if (o.error) {
      std::string fn = std::string(ipam::ActionKindName(o.action.kind));
      m.ipamd_error_count->Inc({fn});
      if (!o.error->reason.empty()) {
        m.aws_utils_error_count->Inc({fn, o.error->reason});
      }
      LOG_WARN(kLog, "pool action '{}' failed: {}", o.action.ToString(), o.error->ToString());
    } else if (o.changed > 0) {
      LOG_INFO(kLog, "pool action '{}' changed {}", o.action.ToString(), o.changed);
    }
  }
  // The /28 -> /32 fall-back started during this pass.
  std::string fallback = pool_->prefix_fallback_reason();
  if (!fallback.empty() && !in_prefix_fallback_) {
    std::string reason = fallback.substr(0, fallback.find(':'));
    m.prefix_fallback_total->Inc({reason});
    LOG_WARN(kLog, "prefix delegation falls back to /32 addresses: {}", fallback);
  }
  in_prefix_fallback_ = !fallback.empty();
  if (report.changed()) {
    SetupNewEnis(report);
  }
  ipam::PoolTimers timers = pool_->timers();
  bool backoff = timers.last_insufficient_cidr.has_value() &&
                 ports_.clock->Now() - *timers.last_insufficient_cidr <
                     options_.pool.insufficient_cidr_backoff;
  m.insufficient_cidr_backoff->Set(backoff ? 1 : 0);
  UpdateGauges();
  MaybeBecomeReady();
  return report;
}

Result<void> Daemon::NodeReconcile() {
  if (!pool_) {
    return Ok();
  }
  InProgress in_progress(ports_.metrics->ipamd_action_inprogress, "nodeIPPoolReconcile");
  ASSIGN_OR_RETURN(auto attached, ports_.metadata->AttachedEnis());
  std::vector<ipam::EniSpec> known =
      pool_->WithDatastore([](const ipam::Datastore& ds) { return ds.Enis(); });
  std::set<std::string> imds_ids;
  for (const auto& e : attached) {
    if (e.network_card == 0) {
      imds_ids.insert(e.interface_id);
    }
  }
  // EC2 is the truth for each ENI we know plus new ones IMDS shows.
  cloud::DescribeNetworkInterfacesRequest req;
  std::set<std::string> ids = imds_ids;
  for (const auto& e : known) {
    ids.insert(e.id);
  }
  req.network_interface_ids.assign(ids.begin(), ids.end());
  std::map<std::string, cloud::NetworkInterface> ec2;
  // Describe one by one so a single vanished ENI does not hide the others.
  for (const auto& id : req.network_interface_ids) {
    cloud::DescribeNetworkInterfacesRequest one;
    one.network_interface_ids = {id};
    auto r = cloud::DescribeAllNetworkInterfaces(*ports_.ec2, one);
    if (r) {
      for (auto& ni : *r) {
        ec2.emplace(ni.id, std::move(ni));
      }
    } else if (r.error().code != ErrorCode::kNotFound) {
      ports_.metrics->ipamd_error_count->Inc({"reconcileFailedGetENIs"});
      return r.error();
    }
  }
  auto attached_to_us = [&](const std::string& id) {
    auto it = ec2.find(id);
    return it != ec2.end() && it->second.attachment.has_value() &&
           it->second.attachment->instance_id == identity_.instance_id &&
           it->second.attachment->status != "detaching" &&
           it->second.attachment->status != "detached";
  };
  std::vector<net::IpAddress> dropped_pods;
  bool changed = false;
  // ENIs gone from the instance: force-remove.
  for (const auto& e : known) {
    if (e.is_primary || attached_to_us(e.id)) {
      continue;
    }
    auto removed = pool_->WithDatastore(
        [&](ipam::Datastore& ds) { return ds.RemoveEni(e.id, /*force=*/true); });
    if (removed) {
      changed = true;
      ports_.metrics->force_removed_enis->Inc();
      ports_.metrics->reconcile_count->Inc({"eniReconcileDel"});
      for (const auto& a : *removed) {
        dropped_pods.push_back(a.address);
        ports_.metrics->force_removed_ips->Inc();
      }
      LOG_WARN(kLog, "reconcile: ENI {} is no longer attached; removed it ({} pods lost)", e.id,
               removed->size());
    }
  }
  // New ENIs attached to us that we do not know (for example after a crash between attach and
  // datastore update): add them if managed.
  for (const auto& e : attached) {
    if (e.network_card != 0 || !attached_to_us(e.interface_id)) {
      continue;
    }
    bool is_known = std::any_of(known.begin(), known.end(),
                                [&](const ipam::EniSpec& s) { return s.id == e.interface_id; });
    if (is_known) {
      continue;
    }
    const cloud::NetworkInterface& ni = ec2.at(e.interface_id);
    if (ni.interface_type == "efa-only" ||
        !IsEniManaged(ni, false, identity_.instance_id, options_.config.manage_untagged_eni)) {
      continue;
    }
    ipam::EniSpec spec;
    spec.id = ni.id;
    spec.device_number = ni.attachment->device_index;
    spec.subnet_id = ni.subnet_id;
    spec.is_trunk = ni.interface_type == "trunk";
    spec.is_efa = ni.interface_type == "efa";
    if (e.subnet_ipv4_cidr) {
      spec.subnet_cidr = *e.subnet_ipv4_cidr;
    }
    spec.primary_ip = ni.primary_ip;
    auto added = pool_->WithDatastore(
        [&](ipam::Datastore& ds) { return ds.AddEni(spec, ports_.clock->Now()); });
    if (added) {
      changed = true;
      ports_.metrics->reconcile_count->Inc({"eniReconcileAdd"});
      std::lock_guard<std::mutex> lock(state_mu_);
      eni_macs_[ni.id] = ni.mac;
      LOG_INFO(kLog, "reconcile: added attached ENI {} (device {})", ni.id, spec.device_number);
    }
  }
  // Address sets of each ENI: add what EC2 holds and we lack, force-remove what EC2 lost.
  known = pool_->WithDatastore([](const ipam::Datastore& ds) { return ds.Enis(); });
  for (const auto& e : known) {
    auto it = ec2.find(e.id);
    if (it == ec2.end() || e.is_trunk) {
      continue;
    }
    const cloud::NetworkInterface& ni = it->second;
    std::set<net::Ipv4Cidr> want;
    std::set<net::Ipv4Cidr> want_prefixes;
    for (const auto& p : ni.private_ips) {
      if (!p.primary) {
        want.insert(net::Ipv4Cidr(p.address, 32));
      }
    }
    for (const auto& p : ni.ipv4_prefixes) {
      want_prefixes.insert(p.Masked());
    }
    pool_->WithDatastore([&](ipam::Datastore& ds) {
      for (bool prefixes : {false, true}) {
        const auto& wanted = prefixes ? want_prefixes : want;
        std::vector<net::Ipv4Cidr> have = ds.Ipv4Cidrs(e.id, prefixes);
        std::set<net::Ipv4Cidr> have_set(have.begin(), have.end());
        for (const auto& c : wanted) {
          if (have_set.count(c) == 0 && ds.AddIpv4Cidr(e.id, c, prefixes)) {
            changed = true;
            ports_.metrics->reconcile_count->Inc({"eniDataStorePoolReconcileAdd"});
          }
        }
        for (const auto& c : have) {
          if (wanted.count(c) != 0) {
            continue;
          }
          auto removed = ds.RemoveIpv4Cidr(e.id, c, /*force=*/true);
          if (removed) {
            changed = true;
            ports_.metrics->reconcile_count->Inc({"eniIPPoolReconcileDel"});
            for (const auto& a : *removed) {
              dropped_pods.push_back(a.address);
              ports_.metrics->force_removed_ips->Inc();
            }
          }
        }
      }
    });
  }
  if (changed) {
    RETURN_IF_ERROR(pool_->WithDatastore([&](ipam::Datastore& ds) { return PersistLocked(ds); }));
  }
  if (ports_.host != nullptr) {
    for (const auto& ip : dropped_pods) {
      (void)ports_.host->RemovePodRules(ip);
    }
    // ENIs without host networking yet (new ones whose setup failed or was deferred).
    std::vector<std::pair<std::string, net::MacAddress>> pending;
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      for (const auto& [id, mac] : eni_macs_) {
        if (host_ready_enis_.count(id) == 0) {
          pending.emplace_back(id, mac);
        }
      }
    }
    for (const auto& [id, mac] : pending) {
      if (ports_.host->SetupEni(DesiredHost(), mac)) {
        std::lock_guard<std::mutex> lock(state_mu_);
        host_ready_enis_.insert(id);
      }
    }
  }
  UpdateGauges();
  return Ok();
}

Result<void> Daemon::RefreshVpcCidrs() {
  ASSIGN_OR_RETURN(auto attached, ports_.metadata->AttachedEnis());
  for (const auto& e : attached) {
    if (e.mac != identity_.primary_mac || e.vpc_ipv4_cidrs.empty()) {
      continue;
    }
    bool changed = false;
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      if (e.vpc_ipv4_cidrs != vpc_cidrs_) {
        vpc_cidrs_ = e.vpc_ipv4_cidrs;
        changed = true;
      }
    }
    if (changed && ports_.host != nullptr) {
      LOG_INFO(kLog, "VPC CIDRs changed; re-applying SNAT rules");
      auto r = ports_.host->Setup(DesiredHost());
      ports_.metrics->connmark_reconcile_total->Inc({r.has_value() ? "success" : "error"});
      RETURN_IF_ERROR(r);
    }
  }
  return Ok();
}

Result<int> Daemon::CleanupLeakedEnis() {
  if (!options_.config.LeakedEniCleanupEnabled() || vpc_id_.empty()) {
    return 0;
  }
  cloud::DescribeNetworkInterfacesRequest req;
  req.filters = LeakedEniFilters(vpc_id_, options_.config.cluster_name);
  req.max_results = 1000;
  ASSIGN_OR_RETURN(auto candidates, cloud::DescribeAllNetworkInterfaces(*ports_.ec2, req));
  int deleted = 0;
  WallTime now = ports_.clock->Now();
  for (const auto& eni : candidates) {
    switch (ClassifyLeakedEni(eni, now, options_.leaked_eni_min_age)) {
      case LeakedEniAction::kSkip:
        break;
      case LeakedEniAction::kTagWithCreationTime: {
        cloud::CreateTagsRequest tag;
        tag.resource_ids = {eni.id};
        tag.tags[std::string(kTagCreatedAt)] = FormatRfc3339(now);
        auto r = ports_.ec2->CreateTags(tag);
        if (!r) {
          LOG_WARN(kLog, "leaked ENI {}: tagging failed: {}", eni.id, r.error().ToString());
        }
        break;
      }
      case LeakedEniAction::kDelete: {
        auto r = ports_.ec2->DeleteNetworkInterface(eni.id);
        if (r || r.error().code == ErrorCode::kNotFound) {
          ++deleted;
          ports_.metrics->leaked_enis_deleted_total->Inc();
          LOG_INFO(kLog, "deleted leaked ENI {} ({})", eni.id, eni.description);
        } else {
          LOG_WARN(kLog, "leaked ENI {}: delete failed: {}", eni.id, r.error().ToString());
        }
        break;
      }
    }
  }
  return deleted;
}

void Daemon::Run() {
  MonoTime now = ports_.clock->Mono();
  MonoTime next_pool = now;
  MonoTime next_node = now + options_.node_reconcile_interval;
  MonoTime next_vpc = now + options_.vpc_cidr_interval;
  MonoTime next_leak = now + options_.leaked_eni_first_delay;
  while (!stopping_.load()) {
    now = ports_.clock->Mono();
    if (now >= next_pool) {
      PoolPass();
      next_pool = ports_.clock->Mono() + options_.pool_interval;
    }
    if (!stopping_.load() && now >= next_node) {
      auto r = NodeReconcile();
      if (!r) {
        LOG_WARN(kLog, "reconcile with IMDS/EC2 failed: {}", r.error().ToString());
      }
      next_node = ports_.clock->Mono() + options_.node_reconcile_interval;
    }
    if (!stopping_.load() && now >= next_vpc) {
      auto r = RefreshVpcCidrs();
      if (!r) {
        LOG_WARN(kLog, "VPC CIDR refresh failed: {}", r.error().ToString());
      }
      next_vpc = ports_.clock->Mono() + options_.vpc_cidr_interval;
    }
    if (!stopping_.load() && now >= next_leak) {
      auto r = CleanupLeakedEnis();
      if (!r) {
        LOG_WARN(kLog, "leaked-ENI clean-up failed: {}", r.error().ToString());
      }
      next_leak = ports_.clock->Mono() + options_.leaked_eni_interval;
    }
    MonoTime wake = std::min({next_pool, next_node, next_vpc, next_leak});
    std::unique_lock<std::mutex> lock(wake_mu_);
    Duration wait = wake - ports_.clock->Mono();
    if (wait > Duration::zero()) {
      wake_cv_.wait_for(lock, wait, [this] { return stopping_.load(); });
    }
  }
  LOG_INFO(kLog, "periodic work stopped");
}

void Daemon::Stop() {
  if (stopping_.exchange(true)) {
    return;
  }
  if (pool_) {
    pool_->SetTerminating(true);
  }
  std::lock_guard<std::mutex> lock(wake_mu_);
  wake_cv_.notify_all();
}

// ---------------------------------------------------------------------------------------------
// Metrics, readiness

void Daemon::UpdateGauges() {
  if (!pool_) {
    return;
  }
  const auto& m = *ports_.metrics;
  ipam::PoolStats stats = pool_->Stats();
  m.eni_allocated->Set(stats.eni_count);
  m.total_ip_addresses->Set(stats.total);
  m.assigned_ip_addresses->Set(stats.assigned + stats.ipv6_assigned);
  m.total_ipv4_prefixes->Set(stats.total_prefixes);
  m.cooling_ip_addresses->Set(stats.cooling);
  std::map<metrics::LabelValues, double> per_eni;
  std::map<metrics::LabelValues, double> per_cidr;
  for (const auto& e : stats.enis) {
    per_eni[{e.spec.id}] = e.assigned;
    for (const auto& c : e.cidrs) {
      per_cidr[{c.cidr.ToString()}] = c.assigned;
    }
  }
  m.assigned_ip_per_eni->Replace(per_eni);
  m.assigned_ip_per_cidr->Replace(per_cidr);
}

void Daemon::MaybeBecomeReady() {
  if (ready_.load() || !bootstrapped_.load() || !pool_) {
    return;
  }
  ipam::PoolStats stats = pool_->Stats();
  bool can_assign = stats.Available(false) > 0 || stats.assigned > 0 || stats.ipv6_prefixes > 0;
  if (!can_assign) {
    return;
  }
  std::function<void()> cb;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    if (ready_.exchange(true)) {
      return;
    }
    cb = on_ready_;
  }
  if (stats.ipv6_prefixes > 0) {
    LOG_INFO(kLog, "ready: {} IPv6 /80 prefix(es)", stats.ipv6_prefixes);
  } else {
    LOG_INFO(kLog, "ready: {} addresses, {} free", stats.total, stats.Available(false));
  }
  if (cb) {
    cb();
  }
}

HttpResponse Daemon::Metrics(std::string_view path) {
  if (path != "/metrics") {
    return {404, "text/plain", "not found\n"};
  }
  if (bootstrapped_.load()) {
    UpdateGauges();
  }
  return {200, std::string(metrics::Registry::kContentType), ports_.registry->Render()};
}

HttpResponse Daemon::Introspect(std::string_view path) {
  auto json = [](const nlohmann::json& j, int status = 200) {
    return HttpResponse{status, "application/json", j.dump() + "\n"};
  };
  if (path == "/v1/enis") {
    if (!bootstrapped_.load()) {
      return json({{"error", "not ready"}}, 503);
    }
    WallTime now = ports_.clock->Now();
    nlohmann::json card =
        pool_->WithDatastore([&](const ipam::Datastore& ds) { return RenderEnis(ds, now); });
    return json({{"0", card}});
  }
  if (path == "/v1/eni-configs") {
    if (ports_.k8s == nullptr || options_.node_name.empty()) {
      return json({{"error", "no node object (set --k8s-source and MY_NODE_NAME)"}}, 404);
    }
    const k8s::Node* node = nullptr;
    for (const auto& n : ports_.k8s->snapshot().objects.nodes) {
      if (n.meta.name == options_.node_name) {
        node = &n;
      }
    }
    if (node == nullptr) {
      return json({{"error", "node not found"}}, 404);
    }
    return json(SelectEniConfigName(node, options_.config.eni_config_label_def,
                                    options_.config.eni_config_annotation_def));
  }
  if (path == "/v1/ipamd-env-settings") {
    return json(options_.config.IpamdEnvSettings());
  }
  if (path == "/v1/networkutils-env-settings") {
    return json(options_.config.NetworkUtilsEnvSettings());
  }
  if (path == "/v1/ready") {
    bool r = ready_.load();
    return json({{"ready", r}}, r ? 200 : 503);
  }
  return json(AvailableCommandsJson());
}

// ---------------------------------------------------------------------------------------------
// RPC

Result<void> Daemon::PersistLocked(const ipam::Datastore& ds) {
  return ipam::WriteFileAtomic(options_.config.backing_store,
                               checkpoint_encoder_.Encode(ds, ports_.clock->Now()));
}

Result<rpc::AddNetworkReply> Daemon::AddNetwork(const rpc::AddNetworkRequest& req) {
  MonoTime start = ports_.clock->Mono();
  const auto& m = *ports_.metrics;
  m.add_ip_req_count->Inc();
  if (!ready_.load()) {
    Error e = MakeError(ErrorCode::kUnavailable, "ipamd is not ready yet");
    e.reason = std::string(rpc::kErrNotReady);
    return e;
  }
  if (req.container_id.empty() || req.if_name.empty() || req.network_name.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "AddNetwork needs ContainerID, IfName and NetworkName");
  }
  if (req.requires_multi_nic_attachment) {
    return MakeError(ErrorCode::kUnimplemented,
                     "multi-NIC attachment is not supported (ENABLE_MULTI_NIC)");
  }
  ipam::IpamKey key{req.network_name, req.container_id, req.if_name};
  ipam::PodMetadata meta{req.k8s_pod_namespace, req.k8s_pod_name, 1};
  WallTime now = ports_.clock->Now();
  auto assigned = pool_->WithDatastore([&](ipam::Datastore& ds) -> Result<ipam::Assignment> {
    if (auto existing = ds.Find(key)) {
      return *existing;
    }
    ASSIGN_OR_RETURN(ipam::Assignment a, ds.Assign(key, meta, now));
    auto persisted = PersistLocked(ds);
    if (!persisted) {
      // Unwind: the pod must not hold an address the checkpoint does not know.
      (void)ds.Release(key, now);
      return WithContext(Result<ipam::Assignment>(persisted.error()), "write checkpoint");
    }
    return a;
  });
  if (!assigned) {
    Error e = assigned.error();
    if (e.code == ErrorCode::kResourceExhausted) {
      m.no_available_ip_addresses->Inc();
      e.reason = std::string(rpc::kErrNoAvailableIp);
      LOG_WARN(kLog, "AddNetwork {}/{} ({}): no available address", req.k8s_pod_namespace,
               req.k8s_pod_name, req.container_id);
    } else {
      m.ipamd_error_count->Inc({"addNetwork"});
    }
    return e;
  }
  rpc::AddNetworkReply reply;
  reply.status.success = true;
  rpc::IpAllocation alloc;
  if (assigned->address.IsV4()) {
    alloc.ipv4_addr = assigned->address.V4().ToString();
  } else {
    alloc.ipv6_addr = assigned->address.V6().ToString();
  }
  alloc.device_number = assigned->device_number;
  alloc.route_table_id = RouteTableForReply(assigned->device_number, 0);
  reply.ip_allocations.push_back(alloc);
  reply.use_external_snat = options_.config.external_snat;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    for (const auto& c : vpc_cidrs_) {
      reply.vpc_v4_cidrs.push_back(c.ToString());
    }
    reply.vpc_v6_cidrs = vpc_v6_cidrs_;
  }
  if (!options_.config.external_snat) {
    for (const auto& c : options_.config.exclude_snat_cidrs) {
      reply.vpc_v4_cidrs.push_back(c.ToString());
    }
  }
  reply.network_policy_mode = options_.config.network_policy_enforcing_mode;
  LOG_DEBUG(kLog, "AddNetwork {}/{} {} -> {} (eni {}, table {})", req.k8s_pod_namespace,
            req.k8s_pod_name, key.ToString(), assigned->address.ToString(), assigned->eni_id,
            alloc.route_table_id);
  m.rpc_duration_seconds->Observe({"AddNetwork"}, Seconds(ports_.clock->Mono() - start));
  return reply;
}

Result<rpc::DelNetworkReply> Daemon::DelNetwork(const rpc::DelNetworkRequest& req) {
  MonoTime start = ports_.clock->Mono();
  const auto& m = *ports_.metrics;
  m.del_ip_req_count->Inc({req.reason});
  if (!bootstrapped_.load()) {
    Error e = MakeError(ErrorCode::kUnavailable, "ipamd is not ready yet");
    e.reason = std::string(rpc::kErrNotReady);
    return e;
  }
  ipam::IpamKey key{req.network_name, req.container_id, req.if_name};
  ipam::IpamKey migrated{kMigratedNetworkName, req.container_id, kMigratedIfName};
  WallTime now = ports_.clock->Now();
  auto released = pool_->WithDatastore([&](ipam::Datastore& ds) -> Result<ipam::Assignment> {
    auto r = ds.Release(key, now);
    if (!r && r.error().code == ErrorCode::kNotFound) {
      r = ds.Release(migrated, now);
    }
    if (!r) {
      return r;
    }
    auto persisted = PersistLocked(ds);
    if (!persisted) {
      // Put it back so the checkpoint and the datastore agree; the plugin will retry DEL.
      (void)ds.AssignAddress(key, r->metadata, r->address, r->assigned_at);
      return WithContext(Result<ipam::Assignment>(persisted.error()), "write checkpoint");
    }
    return r;
  });
  if (!released) {
    Error e = released.error();
    if (e.code == ErrorCode::kNotFound) {
      e.reason = std::string(rpc::kErrUnknownPod);
      e.message = "datastore: unknown pod " + key.ToString();
    } else {
      m.ipamd_error_count->Inc({"delNetwork"});
    }
    return e;
  }
  rpc::DelNetworkReply reply;
  reply.status.success = true;
  rpc::IpAllocation alloc;
  if (released->address.IsV4()) {
    alloc.ipv4_addr = released->address.V4().ToString();
  } else {
    alloc.ipv6_addr = released->address.V6().ToString();
  }
  alloc.device_number = released->device_number;
  alloc.route_table_id = RouteTableForReply(released->device_number, 0);
  reply.ip_allocations.push_back(alloc);
  reply.network_policy_mode = options_.config.network_policy_enforcing_mode;
  LOG_DEBUG(kLog, "DelNetwork {} ({}) released {}", key.ToString(), req.reason,
            released->address.ToString());
  m.rpc_duration_seconds->Observe({"DelNetwork"}, Seconds(ports_.clock->Mono() - start));
  return reply;
}

Result<rpc::GcReply> Daemon::Gc(const rpc::GcRequest& req) {
  if (!bootstrapped_.load()) {
    Error e = MakeError(ErrorCode::kUnavailable, "ipamd is not ready yet");
    e.reason = std::string(rpc::kErrNotReady);
    return e;
  }
  if (req.network_name.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "Gc needs NetworkName");
  }
  std::set<std::pair<std::string, std::string>> valid;
  for (const auto& a : req.valid_attachments) {
    valid.emplace(a.container_id, a.if_name);
  }
  WallTime started = ports_.clock->Now();
  rpc::GcReply reply;
  RETURN_IF_ERROR(pool_->WithDatastore([&](ipam::Datastore& ds) -> Result<void> {
    bool changed = false;
    for (const auto& a : ds.Assignments()) {
      if (a.key.network_name != req.network_name || a.assigned_at > started ||
          valid.count({a.key.container_id, a.key.if_name}) != 0) {
        continue;
      }
      auto r = ds.Release(a.key, started);
      if (!r) {
        continue;
      }
      changed = true;
      reply.released.push_back({a.key.container_id, a.key.if_name, a.key.network_name});
      rpc::IpAllocation alloc;
      if (a.address.IsV4()) {
        alloc.ipv4_addr = a.address.V4().ToString();
      } else {
        alloc.ipv6_addr = a.address.V6().ToString();
      }
      alloc.device_number = a.device_number;
      alloc.route_table_id = RouteTableForReply(a.device_number, 0);
      reply.released_ips.push_back(alloc);
    }
    return changed ? PersistLocked(ds) : Ok();
  }));
  ports_.metrics->del_ip_req_count->Inc({std::string(rpc::kReasonGc)},
                                        static_cast<double>(reply.released.size()));
  reply.status.success = true;
  return reply;
}

Result<rpc::StatusReply> Daemon::Status(const rpc::StatusRequest&) {
  rpc::StatusReply reply;
  reply.status.success = true;
  reply.ready = ready_.load();
  if (bootstrapped_.load()) {
    ipam::PoolStats stats = pool_->Stats();
    reply.total_ips = stats.total;
    reply.assigned_ips = stats.assigned;
    reply.available_ips = stats.Available(false);
    reply.can_assign = reply.ready && reply.available_ips > 0;
    reply.message = fmt::format("{} ENIs, {} addresses, {} assigned, {} cooling", stats.eni_count,
                                stats.total, stats.assigned, stats.cooling);
  } else {
    reply.message = "bootstrapping";
  }
  return reply;
}

}  // namespace vpccni::ipamd
