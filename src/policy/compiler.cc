#include "policy/compiler.h"

#include <algorithm>
#include <array>
#include <set>

#include <fmt/format.h>

namespace vpccni::policy {
namespace {

constexpr uint64_t kIpSpaceEnd = uint64_t{1} << 32;

int ActionRank(k8s::CnpAction a) {
  switch (a) {
    case k8s::CnpAction::kDeny:
      return 0;
    case k8s::CnpAction::kAccept:
      return 1;
    case k8s::CnpAction::kPass:
      return 2;
  }
  return 2;
}

bool ContainsIp(const std::vector<net::IpAddress>& ips, const net::IpAddress& ip) {
  return std::find(ips.begin(), ips.end(), ip) != ips.end();
}

IpRange V4Range(const net::Ipv4Cidr& c) {
  return {c.Network().ToUint(), c.Broadcast().ToUint()};
}

// Appends `whole` minus the union of `holes` to out.
void SubtractRanges(IpRange whole, std::vector<IpRange> holes, std::vector<IpRange>& out) {
  std::sort(holes.begin(), holes.end());
  uint64_t cur = whole.lo;
  for (const auto& h : holes) {
    if (h.hi < cur || h.lo > whole.hi) {
      continue;
    }
    if (h.lo > cur) {
      out.push_back({static_cast<uint32_t>(cur), h.lo - 1});
    }
    cur = std::max<uint64_t>(cur, uint64_t{h.hi} + 1);
  }
  if (cur <= whole.hi) {
    out.push_back({static_cast<uint32_t>(cur), whole.hi});
  }
}

}  // namespace

std::string_view DirectionName(Direction d) {
  return d == Direction::kIngress ? "ingress" : "egress";
}

std::string_view VerdictName(Verdict v) {
  return v == Verdict::kAllow ? "allow" : "deny";
}

std::string_view L4Name(L4 p) {
  switch (p) {
    case L4::kTcp:
      return "TCP";
    case L4::kUdp:
      return "UDP";
    case L4::kSctp:
      return "SCTP";
    case L4::kOther:
      return "other";
  }
  return "other";
}

std::optional<L4> ParseL4(std::string_view s) {
  std::string up;
  for (char c : s) {
    up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (up == "TCP") {
    return L4::kTcp;
  }
  if (up == "UDP") {
    return L4::kUdp;
  }
  if (up == "SCTP") {
    return L4::kSctp;
  }
  return std::nullopt;
}

L4 ToL4(k8s::Protocol p) {
  switch (p) {
    case k8s::Protocol::kTcp:
      return L4::kTcp;
    case k8s::Protocol::kUdp:
      return L4::kUdp;
    case k8s::Protocol::kSctp:
      return L4::kSctp;
  }
  return L4::kTcp;
}

std::string_view StageName(Stage s) {
  switch (s) {
    case Stage::kSelf:
      return "self";
    case Stage::kNode:
      return "own-node";
    case Stage::kAdmin:
      return "admin";
    case Stage::kNetworkPolicy:
      return "networkpolicy";
    case Stage::kIsolation:
      return "networkpolicy-isolation";
    case Stage::kBaseline:
      return "baseline";
    case Stage::kDefault:
      return "default";
  }
  return "default";
}

PolicyModel PolicyModel::Compile(const k8s::ObjectSet& objects) {
  PolicyModel m;
  for (const auto& ns : objects.namespaces) {
    m.ns_labels_[ns.meta.name] = ns.meta.labels;
  }
  std::map<std::string, std::vector<net::IpAddress>> node_ips;
  for (const auto& node : objects.nodes) {
    node_ips[node.meta.name] = node.internal_ips;
  }
  m.pods_.reserve(objects.pods.size());
  for (const auto& pod : objects.pods) {
    if (m.ns_labels_.find(pod.meta.namespace_name) == m.ns_labels_.end()) {
      m.ns_labels_[pod.meta.namespace_name] = {
          {std::string(k8s::kNamespaceNameLabel), pod.meta.namespace_name}};
    }
    PodEntry e;
    e.pod = pod;
    if (pod.host_ip) {
      e.node_ips.push_back(*pod.host_ip);
    }
    auto n = node_ips.find(pod.node_name);
    if (n != node_ips.end()) {
      for (const auto& ip : n->second) {
        if (!ContainsIp(e.node_ips, ip)) {
          e.node_ips.push_back(ip);
        }
      }
    }
    size_t idx = m.pods_.size();
    m.pod_by_key_[pod.Key()] = idx;
    m.pods_by_ns_[pod.meta.namespace_name].push_back(idx);
    if (!pod.host_network) {
      for (const auto& ip : pod.pod_ips) {
        m.pod_by_ip_.emplace(ip, idx);
      }
    }
    m.pods_.push_back(std::move(e));
  }
  for (auto& e : m.pods_) {
    e.ns_labels = &m.ns_labels_[e.pod.meta.namespace_name];
  }

  m.nps_ = objects.network_policies;
  std::sort(m.nps_.begin(), m.nps_.end(),
            [](const auto& a, const auto& b) { return a.Key() < b.Key(); });
  for (uint32_t p = 0; p < m.nps_.size(); ++p) {
    const auto& np = m.nps_[p];
    auto it = m.pods_by_ns_.find(np.meta.namespace_name);
    if (it == m.pods_by_ns_.end()) {
      continue;
    }
    for (size_t idx : it->second) {
      PodEntry& e = m.pods_[idx];
      if (e.pod.host_network || !np.pod_selector.Matches(e.pod.meta.labels)) {
        continue;
      }
      if (np.affects_ingress) {
        e.isolating_nps[0].push_back(p);
        for (uint32_t r = 0; r < np.ingress.size(); ++r) {
          e.refs[0].push_back({RuleTier::kNetworkPolicy, 0, p, r, k8s::CnpAction::kAccept});
        }
      }
      if (np.affects_egress) {
        e.isolating_nps[1].push_back(p);
        for (uint32_t r = 0; r < np.egress.size(); ++r) {
          e.refs[1].push_back({RuleTier::kNetworkPolicy, 0, p, r, k8s::CnpAction::kAccept});
        }
      }
    }
  }

  m.cnps_ = objects.cluster_network_policies;
  std::sort(m.cnps_.begin(), m.cnps_.end(),
            [](const auto& a, const auto& b) { return a.meta.name < b.meta.name; });
  for (uint32_t p = 0; p < m.cnps_.size(); ++p) {
    const auto& cnp = m.cnps_[p];
    std::vector<size_t> subjects =
        cnp.subject.namespaces ? m.PodsInNamespacesMatching(*cnp.subject.namespaces, nullptr)
                               : m.PodsInNamespacesMatching(cnp.subject.pods->namespace_selector,
                                                            &cnp.subject.pods->pod_selector);
    RuleTier tier = cnp.tier == k8s::Tier::kAdmin ? RuleTier::kAdmin : RuleTier::kBaseline;
    for (size_t idx : subjects) {
      PodEntry& e = m.pods_[idx];
      for (uint32_t r = 0; r < cnp.ingress.size(); ++r) {
        e.refs[0].push_back({tier, cnp.priority, p, r, cnp.ingress[r].action});
      }
      for (uint32_t r = 0; r < cnp.egress.size(); ++r) {
        e.refs[1].push_back({tier, cnp.priority, p, r, cnp.egress[r].action});
      }
    }
  }
  for (auto& e : m.pods_) {
    std::sort(e.refs[0].begin(), e.refs[0].end());
    std::sort(e.refs[1].begin(), e.refs[1].end());
  }
  return m;
}

std::optional<size_t> PolicyModel::FindPod(std::string_view ns, std::string_view name) const {
  auto it = pod_by_key_.find(fmt::format("{}/{}", ns, name));
  if (it == pod_by_key_.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::optional<size_t> PolicyModel::FindPodByIp(const net::IpAddress& ip) const {
  auto it = pod_by_ip_.find(ip);
  if (it == pod_by_ip_.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::vector<size_t> PolicyModel::SortedPods() const {
  std::vector<size_t> out;
  out.reserve(pod_by_key_.size());
  for (const auto& [key, idx] : pod_by_key_) {
    out.push_back(idx);
  }
  return out;
}

size_t PolicyModel::ApplicableRules(size_t pod, Direction d) const {
  return pods_[pod].refs[d == Direction::kIngress ? 0 : 1].size();
}

bool PolicyModel::Isolated(size_t pod, Direction d) const {
  return !pods_[pod].isolating_nps[d == Direction::kIngress ? 0 : 1].empty();
}

std::vector<size_t> PolicyModel::PodsInNamespacesMatching(const k8s::LabelSelector& ns_sel,
                                                          const k8s::LabelSelector* pod_sel) const {
  std::vector<size_t> out;
  for (const auto& [ns, labels] : ns_labels_) {
    if (!ns_sel.Matches(labels)) {
      continue;
    }
    auto it = pods_by_ns_.find(ns);
    if (it == pods_by_ns_.end()) {
      continue;
    }
    for (size_t idx : it->second) {
      const auto& pod = pods_[idx].pod;
      if (!pod.host_network && (pod_sel == nullptr || pod_sel->Matches(pod.meta.labels))) {
        out.push_back(idx);
      }
    }
  }
  return out;
}

bool PolicyModel::RemoteIsSelectable(const Remote& r) const {
  return r.pod.has_value() && !pods_[*r.pod].pod.host_network;
}

namespace {

// The addresses a remote may be matched by in CIDR rules.
std::vector<net::IpAddress> RemoteIps(const Remote& r, const std::vector<net::IpAddress>* pod_ips) {
  if (r.ip) {
    return {*r.ip};
  }
  if (pod_ips != nullptr) {
    return *pod_ips;
  }
  return {};
}

}  // namespace

bool PolicyModel::MatchesNpPeer(const k8s::NetworkPolicy& np, const k8s::NetworkPolicyPeer& peer,
                                const Remote& r) const {
  if (peer.ip_block) {
    auto ips = RemoteIps(r, r.pod ? &pods_[*r.pod].pod.pod_ips : nullptr);
    for (const auto& ip : ips) {
      if (!peer.ip_block->cidr.Contains(ip)) {
        continue;
      }
      bool excepted = false;
      for (const auto& ex : peer.ip_block->except) {
        excepted = excepted || ex.Contains(ip);
      }
      if (!excepted) {
        return true;
      }
    }
    return false;
  }
  if (!RemoteIsSelectable(r)) {
    return false;
  }
  const PodEntry& rp = pods_[*r.pod];
  if (peer.namespace_selector) {
    return peer.namespace_selector->Matches(*rp.ns_labels) &&
           (!peer.pod_selector || peer.pod_selector->Matches(rp.pod.meta.labels));
  }
  return rp.pod.meta.namespace_name == np.meta.namespace_name &&
         peer.pod_selector->Matches(rp.pod.meta.labels);
}

bool PolicyModel::MatchesPods(const k8s::PodsSelector& sel, const Remote& r) const {
  if (!RemoteIsSelectable(r)) {
    return false;
  }
  const PodEntry& rp = pods_[*r.pod];
  return sel.namespace_selector.Matches(*rp.ns_labels) &&
         sel.pod_selector.Matches(rp.pod.meta.labels);
}

bool PolicyModel::MatchesCnpPeer(const k8s::CnpPeer& peer, const Remote& r) const {
  if (peer.namespaces) {
    return RemoteIsSelectable(r) && peer.namespaces->Matches(*pods_[*r.pod].ns_labels);
  }
  if (peer.pods) {
    return MatchesPods(*peer.pods, r);
  }
  if (!peer.networks.empty()) {
    auto ips = RemoteIps(r, r.pod ? &pods_[*r.pod].pod.pod_ips : nullptr);
    for (const auto& ip : ips) {
      for (const auto& c : peer.networks) {
        if (c.Contains(ip)) {
          return true;
        }
      }
    }
  }
  return false;  // domainNames: no DNS resolution here, matches nothing
}

namespace {

std::optional<int> ResolveNamedPort(const k8s::Pod& pod, const std::string& name,
                                    k8s::Protocol proto) {
  for (const auto& cp : pod.ports) {
    if (cp.name == name && cp.protocol == proto) {
      return cp.port;
    }
  }
  return std::nullopt;
}

}  // namespace

bool PolicyModel::RulePorts(const RuleRef& ref, Direction dir, std::optional<size_t> dst_pod,
                            std::vector<PortSpan>& out) const {
  const k8s::Pod* dst = dst_pod ? &pods_[*dst_pod].pod : nullptr;
  if (ref.tier == RuleTier::kNetworkPolicy) {
    const auto& np = nps_[ref.policy];
    const auto& rule = dir == Direction::kIngress ? np.ingress[ref.rule] : np.egress[ref.rule];
    for (const auto& p : rule.ports) {
      L4 proto = ToL4(p.protocol);
      if (!p.named_port.empty()) {
        if (dst != nullptr) {
          if (auto n = ResolveNamedPort(*dst, p.named_port, p.protocol)) {
            out.push_back({proto, *n, *n});
          }
        }
      } else if (p.port) {
        out.push_back({proto, *p.port, p.end_port.value_or(*p.port)});
      } else {
        out.push_back({proto, 0, 65535});
      }
    }
    return !rule.ports.empty();
  }
  const auto& cnp = cnps_[ref.policy];
  const auto& rule = dir == Direction::kIngress ? cnp.ingress[ref.rule] : cnp.egress[ref.rule];
  for (const auto& p : rule.ports) {
    L4 proto = ToL4(p.protocol);
    if (!p.named_port.empty()) {
      if (dst != nullptr) {
        // A CNP namedPort names a container port of any protocol.
        for (const auto& cp : dst->ports) {
          if (cp.name == p.named_port) {
            out.push_back({ToL4(cp.protocol), cp.port, cp.port});
          }
        }
      }
    } else {
      out.push_back({proto, p.start, p.end});
    }
  }
  return !rule.ports.empty();
}

bool PolicyModel::RuleMatches(const RuleRef& ref, Direction dir, size_t local, const Remote& r,
                              L4 proto, int port) const {
  bool peer_ok = false;
  if (ref.tier == RuleTier::kNetworkPolicy) {
    const auto& np = nps_[ref.policy];
    const auto& rule = dir == Direction::kIngress ? np.ingress[ref.rule] : np.egress[ref.rule];
    peer_ok = rule.peers.empty();
    for (const auto& peer : rule.peers) {
      if (MatchesNpPeer(np, peer, r)) {
        peer_ok = true;
        break;
      }
    }
  } else {
    const auto& cnp = cnps_[ref.policy];
    const auto& rule = dir == Direction::kIngress ? cnp.ingress[ref.rule] : cnp.egress[ref.rule];
    for (const auto& peer : rule.peers) {
      if (MatchesCnpPeer(peer, r)) {
        peer_ok = true;
        break;
      }
    }
  }
  if (!peer_ok) {
    return false;
  }
  std::vector<PortSpan> spans;
  std::optional<size_t> dst = dir == Direction::kIngress ? std::optional<size_t>(local) : r.pod;
  if (!RulePorts(ref, dir, dst, spans)) {
    return true;  // no ports: every protocol and port
  }
  for (const auto& s : spans) {
    if (s.proto == proto && port >= s.lo && port <= s.hi) {
      return true;
    }
  }
  return false;
}

Decision PolicyModel::Describe(const RuleRef& ref, Direction dir, Verdict v, Stage stage) const {
  Decision d;
  d.verdict = v;
  d.stage = stage;
  if (ref.tier == RuleTier::kNetworkPolicy) {
    const auto& np = nps_[ref.policy];
    d.policy_kind = "NetworkPolicy";
    d.policy = np.Key();
    d.rule = fmt::format("{}[{}]", DirectionName(dir), ref.rule);
    d.detail = fmt::format("allowed by rule {} of NetworkPolicy {}", d.rule, np.Key());
    return d;
  }
  const auto& cnp = cnps_[ref.policy];
  const auto& rule = dir == Direction::kIngress ? cnp.ingress[ref.rule] : cnp.egress[ref.rule];
  d.policy_kind = "ClusterNetworkPolicy";
  d.policy = cnp.meta.name;
  d.policy_note = fmt::format("{} tier, priority {}", k8s::TierName(cnp.tier), cnp.priority);
  d.rule = rule.name.empty()
               ? fmt::format("{}[{}]", DirectionName(dir), ref.rule)
               : fmt::format("{}[{}] \"{}\"", DirectionName(dir), ref.rule, rule.name);
  d.detail = fmt::format("action {} of rule {}", k8s::CnpActionName(rule.action), d.rule);
  return d;
}

Decision PolicyModel::EvaluateRefs(size_t local, Direction dir, const Remote& r, L4 proto, int port,
                                   const std::vector<RuleRef>& refs) const {
  const PodEntry& e = pods_[local];
  if ((r.pod && *r.pod == local) || (r.ip && ContainsIp(e.pod.pod_ips, *r.ip))) {
    Decision d;
    d.stage = Stage::kSelf;
    d.detail = "traffic to self is always allowed";
    return d;
  }
  if (r.ip && ContainsIp(e.node_ips, *r.ip)) {
    Decision d;
    d.stage = Stage::kNode;
    d.detail = "the pod's own node is always reachable";
    return d;
  }
  size_t i = 0;
  const size_t n = refs.size();
  // Runs one CNP tier from refs[i]; returns the deciding rule of the first priority group with a
  // match (Deny over Accept over Pass at equal priority; first match inside one policy).
  auto run_tier = [&](RuleTier tier) -> std::optional<RuleRef> {
    while (i < n && refs[i].tier == tier) {
      int prio = refs[i].priority;
      std::optional<RuleRef> best;
      while (i < n && refs[i].tier == tier && refs[i].priority == prio) {
        uint32_t pol = refs[i].policy;
        bool matched = false;
        for (; i < n && refs[i].tier == tier && refs[i].priority == prio && refs[i].policy == pol;
             ++i) {
          if (!matched && RuleMatches(refs[i], dir, local, r, proto, port)) {
            matched = true;
            if (!best || ActionRank(refs[i].action) < ActionRank(best->action)) {
              best = refs[i];
            }
          }
        }
      }
      if (best) {
        while (i < n && refs[i].tier == tier) {
          ++i;
        }
        return best;
      }
    }
    return std::nullopt;
  };

  std::string passed;
  if (auto admin = run_tier(RuleTier::kAdmin)) {
    if (admin->action == k8s::CnpAction::kDeny) {
      return Describe(*admin, dir, Verdict::kDeny, Stage::kAdmin);
    }
    if (admin->action == k8s::CnpAction::kAccept) {
      return Describe(*admin, dir, Verdict::kAllow, Stage::kAdmin);
    }
    Decision pass = Describe(*admin, dir, Verdict::kAllow, Stage::kAdmin);
    passed = fmt::format(" (passed on by {} {})", pass.PolicyLabel(), pass.rule);
  }
  const int d = dir == Direction::kIngress ? 0 : 1;
  for (; i < n && refs[i].tier == RuleTier::kNetworkPolicy; ++i) {
    if (RuleMatches(refs[i], dir, local, r, proto, port)) {
      Decision dec = Describe(refs[i], dir, Verdict::kAllow, Stage::kNetworkPolicy);
      dec.detail += passed;
      return dec;
    }
  }
  if (!e.isolating_nps[d].empty()) {
    Decision dec;
    dec.verdict = Verdict::kDeny;
    dec.stage = Stage::kIsolation;
    std::vector<std::string> names;
    for (uint32_t p : e.isolating_nps[d]) {
      names.push_back(nps_[p].Key());
    }
    std::string joined;
    for (size_t k = 0; k < names.size(); ++k) {
      joined += (k > 0 ? ", " : "") + names[k];
    }
    dec.policy_kind = "NetworkPolicy";
    dec.policy = joined;
    dec.detail = fmt::format("the pod is {}-isolated by NetworkPolicy {} and no rule allows this{}",
                             DirectionName(dir), joined, passed);
    return dec;
  }
  while (i < n && refs[i].tier == RuleTier::kNetworkPolicy) {
    ++i;
  }
  if (auto base = run_tier(RuleTier::kBaseline)) {
    if (base->action == k8s::CnpAction::kDeny) {
      return Describe(*base, dir, Verdict::kDeny, Stage::kBaseline);
    }
    if (base->action == k8s::CnpAction::kAccept) {
      return Describe(*base, dir, Verdict::kAllow, Stage::kBaseline);
    }
    Decision pass = Describe(*base, dir, Verdict::kAllow, Stage::kDefault);
    pass.detail = "Baseline Pass: default allow" + passed;
    return pass;
  }
  Decision dec;
  dec.detail = "no policy isolates the pod in this direction: default allow" + passed;
  return dec;
}

std::string Decision::PolicyLabel() const {
  if (policy.empty()) {
    return "";
  }
  std::string s = policy_kind + " " + policy;
  if (!policy_note.empty()) {
    s += " (" + policy_note + ")";
  }
  return s;
}

Decision PolicyModel::Evaluate(size_t local, Direction dir, const Remote& remote, L4 proto,
                               int port) const {
  return EvaluateRefs(local, dir, remote, proto, port,
                      pods_[local].refs[dir == Direction::kIngress ? 0 : 1]);
}

FlowDecision PolicyModel::EvaluateFlow(const Remote& src, size_t dst, L4 proto, int port) const {
  FlowDecision f;
  Remote s = src;
  if (s.pod && !s.ip && !pods_[*s.pod].pod.pod_ips.empty()) {
    s.ip = pods_[*s.pod].pod.pod_ips.front();
  }
  Remote d{dst, std::nullopt};
  const auto& dst_ips = pods_[dst].pod.pod_ips;
  for (const auto& ip : dst_ips) {
    if (!d.ip || (s.ip && ip.IsV4() == s.ip->IsV4() && d.ip->IsV4() != s.ip->IsV4())) {
      d.ip = ip;
    }
  }
  if (s.pod) {
    f.egress = Evaluate(*s.pod, Direction::kEgress, d, proto, port);
  }
  f.ingress = Evaluate(dst, Direction::kIngress, s, proto, port);
  bool ok =
      f.ingress.verdict == Verdict::kAllow && (!f.egress || f.egress->verdict == Verdict::kAllow);
  f.verdict = ok ? Verdict::kAllow : Verdict::kDeny;
  return f;
}

void PolicyModel::PodIpRanges(const std::vector<size_t>& pods, std::vector<IpRange>& out) const {
  for (size_t idx : pods) {
    for (const auto& ip : pods_[idx].pod.pod_ips) {
      if (ip.IsV4()) {
        out.push_back({ip.V4().ToUint(), ip.V4().ToUint()});
      }
    }
  }
}

void PolicyModel::RuleCoverage(const RuleRef& ref, Direction dir, std::vector<IpRange>& out) const {
  if (ref.tier == RuleTier::kNetworkPolicy) {
    const auto& np = nps_[ref.policy];
    const auto& rule = dir == Direction::kIngress ? np.ingress[ref.rule] : np.egress[ref.rule];
    if (rule.peers.empty()) {
      out.push_back({0, 0xffffffffu});
      return;
    }
    for (const auto& peer : rule.peers) {
      if (peer.ip_block) {
        if (!peer.ip_block->cidr.IsV4()) {
          continue;
        }
        std::vector<IpRange> holes;
        for (const auto& ex : peer.ip_block->except) {
          if (ex.IsV4()) {
            holes.push_back(V4Range(ex.V4()));
          }
        }
        SubtractRanges(V4Range(peer.ip_block->cidr.V4()), holes, out);
      } else if (peer.namespace_selector) {
        PodIpRanges(PodsInNamespacesMatching(*peer.namespace_selector,
                                             peer.pod_selector ? &*peer.pod_selector : nullptr),
                    out);
      } else {
        std::vector<size_t> pods;
        auto it = pods_by_ns_.find(np.meta.namespace_name);
        if (it != pods_by_ns_.end()) {
          for (size_t idx : it->second) {
            const auto& pod = pods_[idx].pod;
            if (!pod.host_network && peer.pod_selector->Matches(pod.meta.labels)) {
              pods.push_back(idx);
            }
          }
        }
        PodIpRanges(pods, out);
      }
    }
    return;
  }
  const auto& cnp = cnps_[ref.policy];
  const auto& rule = dir == Direction::kIngress ? cnp.ingress[ref.rule] : cnp.egress[ref.rule];
  for (const auto& peer : rule.peers) {
    if (peer.namespaces) {
      PodIpRanges(PodsInNamespacesMatching(*peer.namespaces, nullptr), out);
    } else if (peer.pods) {
      PodIpRanges(PodsInNamespacesMatching(peer.pods->namespace_selector, &peer.pods->pod_selector),
                  out);
    } else {
      for (const auto& c : peer.networks) {
        if (c.IsV4()) {
          out.push_back(V4Range(c.V4()));
        }
      }
    }
  }
}

DirectionRules PolicyModel::Render(size_t pod, Direction dir) const {
  const int d = dir == Direction::kIngress ? 0 : 1;
  const PodEntry& e = pods_[pod];
  const auto& refs = e.refs[d];
  DirectionRules out;
  if (refs.empty() && e.isolating_nps[d].empty()) {
    return out;
  }
  out.enforced = true;

  // Sweep over the IPv4 space: events open/close a rule's coverage.
  struct Event {
    uint64_t pos;
    uint32_t ref;
    int delta;
  };

  std::vector<Event> events;
  std::vector<uint64_t> bps = {0, kIpSpaceEnd};
  std::vector<IpRange> cov;
  for (uint32_t k = 0; k < refs.size(); ++k) {
    cov.clear();
    RuleCoverage(refs[k], dir, cov);
    for (const auto& rg : cov) {
      events.push_back({rg.lo, k, +1});
      events.push_back({uint64_t{rg.hi} + 1, k, -1});
      bps.push_back(rg.lo);
      bps.push_back(uint64_t{rg.hi} + 1);
    }
  }
  auto add_point = [&](const net::IpAddress& ip) {
    if (ip.IsV4()) {
      bps.push_back(ip.V4().ToUint());
      bps.push_back(uint64_t{ip.V4().ToUint()} + 1);
    }
  };
  for (const auto& ip : e.pod.pod_ips) {
    add_point(ip);
  }
  for (const auto& ip : e.node_ips) {
    add_point(ip);
  }
  std::sort(events.begin(), events.end(),
            [](const Event& a, const Event& b) { return a.pos < b.pos; });
  std::sort(bps.begin(), bps.end());
  bps.erase(std::unique(bps.begin(), bps.end()), bps.end());

  struct CellResult {
    std::array<std::vector<PortRange>, 3> ports;
    bool other = false;
    bool operator==(const CellResult&) const = default;
  };

  std::vector<int> counts(refs.size(), 0);
  std::set<uint32_t> active;
  size_t ev = 0;
  std::optional<CellResult> prev;
  uint64_t prev_lo = 0;
  uint64_t prev_hi = 0;
  auto flush = [&]() {
    if (!prev) {
      return;
    }
    IpRange range{static_cast<uint32_t>(prev_lo), static_cast<uint32_t>(prev_hi)};
    constexpr std::array<L4, 3> kProtos = {L4::kTcp, L4::kUdp, L4::kSctp};
    for (size_t p = 0; p < 3; ++p) {
      for (const auto& pr : prev->ports[p]) {
        out.cells.push_back({range, kProtos[p], pr});
      }
    }
    if (prev->other) {
      out.other.push_back(range);
    }
  };
  std::vector<RuleRef> subset;
  std::vector<PortSpan> spans;
  for (size_t b = 0; b + 1 < bps.size(); ++b) {
    uint64_t lo = bps[b];
    uint64_t hi = bps[b + 1] - 1;
    for (; ev < events.size() && events[ev].pos <= lo; ++ev) {
      int& c = counts[events[ev].ref];
      c += events[ev].delta;
      if (c > 0) {
        active.insert(events[ev].ref);
      } else {
        active.erase(events[ev].ref);
      }
    }
    subset.clear();
    for (uint32_t k : active) {
      subset.push_back(refs[k]);
    }
    Remote remote;
    remote.ip = net::IpAddress(net::Ipv4Address(static_cast<uint32_t>(lo)));
    remote.pod = FindPodByIp(*remote.ip);
    std::optional<size_t> dst_pod =
        dir == Direction::kIngress ? std::optional<size_t>(pod) : remote.pod;
    spans.clear();
    for (const auto& ref : subset) {
      RulePorts(ref, dir, dst_pod, spans);
    }
    CellResult cell;
    constexpr std::array<L4, 3> kProtos = {L4::kTcp, L4::kUdp, L4::kSctp};
    for (size_t p = 0; p < 3; ++p) {
      std::vector<int> pbs = {0, 65536};
      for (const auto& s : spans) {
        if (s.proto == kProtos[p]) {
          pbs.push_back(s.lo);
          pbs.push_back(s.hi + 1);
        }
      }
      std::sort(pbs.begin(), pbs.end());
      pbs.erase(std::unique(pbs.begin(), pbs.end()), pbs.end());
      for (size_t k = 0; k + 1 < pbs.size(); ++k) {
        Decision dec = EvaluateRefs(pod, dir, remote, kProtos[p], pbs[k], subset);
        if (dec.verdict != Verdict::kAllow) {
          continue;
        }
        auto& v = cell.ports[p];
        uint16_t plo = static_cast<uint16_t>(pbs[k]);
        uint16_t phi = static_cast<uint16_t>(pbs[k + 1] - 1);
        if (!v.empty() && v.back().hi + 1 == plo) {
          v.back().hi = phi;
        } else {
          v.push_back({plo, phi});
        }
      }
    }
    cell.other = EvaluateRefs(pod, dir, remote, L4::kOther, 0, subset).verdict == Verdict::kAllow;
    if (prev && *prev == cell && prev_hi + 1 == lo) {
      prev_hi = hi;
      continue;
    }
    flush();
    prev = std::move(cell);
    prev_lo = lo;
    prev_hi = hi;
  }
  flush();
  std::sort(out.cells.begin(), out.cells.end());
  std::sort(out.other.begin(), out.other.end());
  return out;
}

}  // namespace vpccni::policy
