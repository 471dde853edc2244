// File: objects.h
//
// The Kubernetes objects vpc-cni consumes, as plain value types: Namespace, Pod, Node, ENIConfig,
// NetworkPolicy (networking.k8s.io/v1) and the EKS ClusterNetworkPolicy
// (networking.k8s.aws/v1alpha1). Objects of these types are only produced by the decoder
// (decode.h), which validates them, so every object held here is valid: selectors have known
// operators, CIDRs are parsed, ports are in range. All types are immutable values; thread-safe
// for concurrent reads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip.h"

namespace vpccni::k8s {

using Labels = std::map<std::string, std::string>;

// The label every namespace carries with its own name (set by the API server; the decoder adds it).
inline constexpr std::string_view kNamespaceNameLabel = "kubernetes.io/metadata.name";

enum class SelectorOp { kIn, kNotIn, kExists, kDoesNotExist };

struct LabelRequirement {
  std::string key;
  SelectorOp op = SelectorOp::kExists;
  std::vector<std::string> values;
};

// metav1.LabelSelector. An empty selector (no labels, no expressions) matches everything.
struct LabelSelector {
  Labels match_labels;
  std::vector<LabelRequirement> match_expressions;

  bool Empty() const { return match_labels.empty() && match_expressions.empty(); }
  // True if `labels` satisfies every matchLabels entry and every requirement. NotIn and
  // DoesNotExist match objects lacking the key.
  bool Matches(const Labels& labels) const;
  // A stable text form, equal for equal selectors ("a=b,c in (d,e)").
  std::string ToString() const;
};

enum class Protocol { kTcp, kUdp, kSctp };

std::string_view ProtocolName(Protocol p);  // "TCP", "UDP", "SCTP"
// Parses "TCP", "UDP", "SCTP" (case-sensitive, as the API server).
std::optional<Protocol> ParseProtocol(std::string_view s);

// Either-family CIDR; host bits are masked on parse.
class Cidr {
 public:
  Cidr() = default;
  // Accepts "10.0.0.0/8" and "fd00::/64"; host bits are cleared ("10.1.2.3/8" -> 10.0.0.0/8).
  static Result<Cidr> Parse(std::string_view s);
  static Cidr FromV4(net::Ipv4Cidr c) {
    Cidr r;
    r.v6_ = false;
    r.v4_ = c.Masked();
    return r;
  }

  bool IsV4() const { return !v6_; }
  const net::Ipv4Cidr& V4() const { return v4_; }
  const net::Ipv6Cidr& V6() const { return v6c_; }
  bool Contains(const net::IpAddress& a) const;
  // True if `other` is the same family and lies inside this CIDR.
  bool Contains(const Cidr& other) const;
  std::string ToString() const;
  bool operator==(const Cidr& o) const {
    return v6_ == o.v6_ && (v6_ ? v6c_ == o.v6c_ : v4_ == o.v4_);
  }

 private:
  bool v6_ = false;
  net::Ipv4Cidr v4_;
  net::Ipv6Cidr v6c_;
};

struct ObjectMeta {
  std::string name;
  std::string namespace_name;  // empty for cluster-scoped objects
  Labels labels;
  std::map<std::string, std::string> annotations;
};

struct Namespace {
  ObjectMeta meta;  // labels include kubernetes.io/metadata.name
};

struct ContainerPort {
  std::string name;  // may be empty
  int port = 0;      // containerPort, 1..65535
  Protocol protocol = Protocol::kTcp;
};

struct Pod {
  ObjectMeta meta;
  std::string node_name;
  bool host_network = false;
  std::string phase;                    // status.phase, may be empty
  std::vector<net::IpAddress> pod_ips;  // status.podIPs (status.podIP first), may be empty
  std::optional<net::IpAddress> host_ip;
  std::vector<ContainerPort> ports;     // all containers' ports

  std::string Key() const { return meta.namespace_name + "/" + meta.name; }
  // The first IPv4 pod IP, if any.
  std::optional<net::Ipv4Address> Ipv4() const;
};

struct Node {
  ObjectMeta meta;
  std::vector<net::IpAddress> internal_ips;  // status.addresses of type InternalIP
};

// crd.k8s.amazonaws.com/v1alpha1 ENIConfig (custom networking).
struct EniConfig {
  ObjectMeta meta;
  std::string subnet;                        // required
  std::vector<std::string> security_groups;  // may be empty
};

// ---- networking.k8s.io/v1 NetworkPolicy ----

struct IpBlock {
  Cidr cidr;
  std::vector<Cidr> except;  // each inside cidr
};

// Exactly one of {selectors (pod and/or namespace), ip_block} is set (validated).
struct NetworkPolicyPeer {
  std::optional<LabelSelector> pod_selector;
  std::optional<LabelSelector> namespace_selector;
  std::optional<IpBlock> ip_block;
};

struct NetworkPolicyPort {
  Protocol protocol = Protocol::kTcp;  // defaulted to TCP
  std::optional<int> port;             // numeric port; unset with empty named_port = all ports
  std::string named_port;              // non-empty for a named port
  std::optional<int> end_port;         // only with a numeric port; >= port
};

struct NetworkPolicyRule {
  std::vector<NetworkPolicyPeer> peers;  // empty = all sources/destinations
  std::vector<NetworkPolicyPort> ports;  // empty = all ports and protocols
};

struct NetworkPolicy {
  ObjectMeta meta;
  LabelSelector pod_selector;
  // policyTypes after defaulting: Ingress always unless given; Egress iff egress rules exist.
  bool affects_ingress = false;
  bool affects_egress = false;
  std::vector<NetworkPolicyRule> ingress;  // only meaningful when affects_ingress
  std::vector<NetworkPolicyRule> egress;   // only meaningful when affects_egress

  std::string Key() const { return meta.namespace_name + "/" + meta.name; }
};

// ---- networking.k8s.aws/v1alpha1 ClusterNetworkPolicy ----

enum class Tier { kAdmin, kBaseline };
enum class CnpAction { kAccept, kDeny, kPass };

std::string_view TierName(Tier t);          // "Admin", "Baseline"
std::string_view CnpActionName(CnpAction a);  // "Accept", "Deny", "Pass"

struct PodsSelector {
  LabelSelector namespace_selector;
  LabelSelector pod_selector;
};

// Exactly one member is set (validated).
struct CnpSubject {
  std::optional<LabelSelector> namespaces;
  std::optional<PodsSelector> pods;
};

// Exactly one kind is set (validated): namespaces, pods, networks or domain_names.
struct CnpPeer {
  std::optional<LabelSelector> namespaces;
  std::optional<PodsSelector> pods;
  std::vector<Cidr> networks;
  std::vector<std::string> domain_names;  // decoded; never matched (no DNS here)
};

// portNumber (start == end), portRange (start < end) or namedPort.
struct CnpPort {
  Protocol protocol = Protocol::kTcp;
  int start = 0;
  int end = 0;
  std::string named_port;  // non-empty for namedPort
};

struct CnpRule {
  std::string name;
  CnpAction action = CnpAction::kDeny;
  std::vector<CnpPeer> peers;  // 1..100
  std::vector<CnpPort> ports;  // empty = all ports and protocols
};

struct ClusterNetworkPolicy {
  ObjectMeta meta;
  Tier tier = Tier::kAdmin;
  int priority = 0;  // 0..1000, lower first
  CnpSubject subject;
  std::vector<CnpRule> ingress;
  std::vector<CnpRule> egress;
};

// Everything decoded from a set of manifests.
struct ObjectSet {
  std::vector<Namespace> namespaces;
  std::vector<Pod> pods;
  std::vector<Node> nodes;
  std::vector<EniConfig> eni_configs;
  std::vector<NetworkPolicy> network_policies;
  std::vector<ClusterNetworkPolicy> cluster_network_policies;

  size_t Size() const {
    return namespaces.size() + pods.size() + nodes.size() + eni_configs.size() +
           network_policies.size() + cluster_network_policies.size();
  }
  // Appends all objects of `other`.
  void Append(const ObjectSet& other);
};

}  // namespace vpccni::k8s
