// File: compiler.h
//
// The policy compiler: from (pods, namespaces, NetworkPolicies, ClusterNetworkPolicies) to
// per-pod, per-direction rule lists, a verdict function that names the policy and rule that
// decided, and the rendering of one pod's direction into disjoint allow-cells
// (IPv4 range x protocol x port range) that the enforcer programs into the kernel. The agent,
// `vpcctl policy explain` and `vpcctl policy matrix` all use this one implementation. Pure.
//
// Semantics (docs/network-policy.md has the full list):
//  - traffic to self and to/from the pod's own node is always allowed;
//  - Admin tier ClusterNetworkPolicies first: priorities ascending; inside one policy the first
//    matching rule wins; among policies of equal priority Deny beats Accept beats Pass.
//    Accept/Deny are final; Pass skips the rest of the Admin tier;
//  - NetworkPolicy tier: a pod is isolated per direction by any NetworkPolicy selecting it with
//    that direction in (defaulted) policyTypes; an isolated direction allows the union of the
//    rules and denies everything else (never reaching Baseline);
//  - Baseline tier for directions no NetworkPolicy isolates (same matching as Admin; Pass or no
//    match falls through); then default allow.
//  - hostNetwork pods are neither subjects nor selector peers (their traffic is node traffic).
//
// Thread-safety: a PolicyModel is immutable after Compile(); all methods are const and safe for
// concurrent use.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "k8s/objects.h"
#include "net/ip.h"

namespace vpccni::policy {

enum class Direction { kIngress, kEgress };
enum class Verdict { kAllow, kDeny };
// Transport protocol of a flow; kOther is any IP protocol other than TCP/UDP/SCTP (ICMP, ...).
enum class L4 { kTcp, kUdp, kSctp, kOther };

std::string_view DirectionName(Direction d);  // "ingress", "egress"
std::string_view VerdictName(Verdict v);      // "allow", "deny"
std::string_view L4Name(L4 p);                // "TCP", "UDP", "SCTP", "other"
// Parses TCP/UDP/SCTP (any case).
std::optional<L4> ParseL4(std::string_view s);
L4 ToL4(k8s::Protocol p);

// Which stage of the evaluation decided one direction.
enum class Stage { kSelf, kNode, kAdmin, kNetworkPolicy, kIsolation, kBaseline, kDefault };
std::string_view StageName(Stage s);

struct Decision {
  Verdict verdict = Verdict::kAllow;
  Stage stage = Stage::kDefault;
  std::string policy_kind;  // "NetworkPolicy" or "ClusterNetworkPolicy"; empty when none
  std::string policy;       // "x/allow-b" (namespace/name) or "deny-y"; comma-joined for isolation
  std::string policy_note;  // e.g. "Admin tier, priority 10"
  std::string rule;         // e.g. "ingress[0]" or "egress[2] \"allow-dns\"", empty when none
  std::string detail;       // one human sentence

  // "ClusterNetworkPolicy deny-y (Admin tier, priority 10)", or empty.
  std::string PolicyLabel() const;
};

// The other end of a flow as seen from the pod being evaluated.
struct Remote {
  std::optional<size_t> pod;         // index into PolicyModel pods, when it is a known pod
  std::optional<net::IpAddress> ip;  // its address, when known
};

struct FlowDecision {
  Verdict verdict = Verdict::kAllow;
  std::optional<Decision> egress;  // at the source pod; unset when the source is not a pod
  Decision ingress;                // at the destination pod
};

// Inclusive IPv4 range in host byte order.
struct IpRange {
  uint32_t lo = 0;
  uint32_t hi = 0;
  auto operator<=>(const IpRange&) const = default;
};

struct PortRange {
  uint16_t lo = 0;
  uint16_t hi = 0;
  auto operator<=>(const PortRange&) const = default;
};

// One allowed cell: remote addresses x protocol (TCP/UDP/SCTP) x destination ports.
struct AllowCell {
  IpRange remote;
  L4 protocol = L4::kTcp;
  PortRange ports;
  auto operator<=>(const AllowCell&) const = default;
};

// What the kernel must hold for one pod and direction. When `enforced` is false no rule applies
// and all traffic passes; otherwise exactly the cells are allowed (the remote is the source for
// ingress, the destination for egress), plus `other` for non-TCP/UDP/SCTP protocols.
struct DirectionRules {
  bool enforced = false;
  std::vector<AllowCell> cells;
  std::vector<IpRange> other;

  size_t RuleCount() const { return cells.size() + other.size(); }

  bool operator==(const DirectionRules&) const = default;
};

class PolicyModel {
 public:
  // Compiles the objects. Never fails: objects are already validated by the decoder.
  static PolicyModel Compile(const k8s::ObjectSet& objects);

  size_t pod_count() const { return pods_.size(); }

  const k8s::Pod& pod(size_t i) const { return pods_[i].pod; }

  std::optional<size_t> FindPod(std::string_view ns, std::string_view name) const;
  std::optional<size_t> FindPodByIp(const net::IpAddress& ip) const;
  // Pods sorted by namespace/name (indices).
  std::vector<size_t> SortedPods() const;

  // Number of rules (NetworkPolicy and ClusterNetworkPolicy rules) that apply to a pod/direction.
  size_t ApplicableRules(size_t pod, Direction d) const;
  bool Isolated(size_t pod, Direction d) const;

  // Evaluates one direction at pod `local` for traffic with `remote` (ingress: remote is the
  // source and `port` the local pod's port; egress: remote is the destination and `port` its port).
  Decision Evaluate(size_t local, Direction dir, const Remote& remote, L4 proto, int port) const;

  // Both ends: egress at `src` (when it is a pod) and ingress at pod `dst`.
  FlowDecision EvaluateFlow(const Remote& src, size_t dst, L4 proto, int port) const;

  // Renders a pod's direction into disjoint allow cells over the whole IPv4 space, computed with
  // Evaluate() on one representative of every region where no rule boundary falls.
  DirectionRules Render(size_t pod, Direction dir) const;

 private:
  enum class RuleTier : uint8_t { kAdmin = 0, kNetworkPolicy = 1, kBaseline = 2 };

  struct RuleRef {
    RuleTier tier;
    int priority;     // CNP priority; 0 for NetworkPolicy
    uint32_t policy;  // index into nps_ or cnps_
    uint32_t rule;    // index into that policy's ingress/egress list
    k8s::CnpAction action;
    auto operator<=>(const RuleRef&) const = default;
  };

  struct PodEntry {
    k8s::Pod pod;
    const k8s::Labels* ns_labels = nullptr;
    std::vector<net::IpAddress> node_ips;
    std::vector<RuleRef> refs[2];            // by Direction, sorted
    std::vector<uint32_t> isolating_nps[2];  // NetworkPolicies isolating each direction
  };

  struct PortSpan {
    L4 proto;
    int lo;
    int hi;
  };

  bool RemoteIsSelectable(const Remote& r) const;
  bool MatchesNpPeer(const k8s::NetworkPolicy& np, const k8s::NetworkPolicyPeer& peer,
                     const Remote& r) const;
  bool MatchesCnpPeer(const k8s::CnpPeer& peer, const Remote& r) const;
  bool MatchesPods(const k8s::PodsSelector& sel, const Remote& r) const;
  // Resolves a rule's ports for the destination pod (nullopt = not a pod) into spans; returns
  // false when the rule has no ports (all protocols, all ports).
  bool RulePorts(const RuleRef& ref, Direction dir, std::optional<size_t> dst_pod,
                 std::vector<PortSpan>& out) const;
  bool RuleMatches(const RuleRef& ref, Direction dir, size_t local, const Remote& r, L4 proto,
                   int port) const;
  Decision EvaluateRefs(size_t local, Direction dir, const Remote& r, L4 proto, int port,
                        const std::vector<RuleRef>& refs) const;
  Decision Describe(const RuleRef& ref, Direction dir, Verdict v, Stage stage) const;
  // IPv4 ranges a rule's peers can match (pods by their IPs, CIDRs minus excepts).
  void RuleCoverage(const RuleRef& ref, Direction dir, std::vector<IpRange>& out) const;
  void PodIpRanges(const std::vector<size_t>& pods, std::vector<IpRange>& out) const;
  std::vector<size_t> PodsInNamespacesMatching(const k8s::LabelSelector& ns_sel,
                                               const k8s::LabelSelector* pod_sel) const;

  std::vector<PodEntry> pods_;
  std::vector<k8s::NetworkPolicy> nps_;
  std::vector<k8s::ClusterNetworkPolicy> cnps_;
  std::map<std::string, k8s::Labels> ns_labels_;
  std::map<std::string, std::vector<size_t>> pods_by_ns_;
  std::map<std::string, size_t, std::less<>> pod_by_key_;
  std::map<net::IpAddress, size_t> pod_by_ip_;
};

}  // namespace vpccni::policy
