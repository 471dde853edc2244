#include "k8s/decode.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/result_matchers.h"

namespace vpccni::k8s {
namespace {

using ::testing::HasSubstr;

DecodeOutput MustDecode(std::string_view text) {
  auto r = DecodeManifests(text, "test.yaml");
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().ToString());
  return r ? *r : DecodeOutput{};
}

// Decodes one object that must be rejected; returns the message.
std::string Rejected(std::string_view text) {
  DecodeOutput out = MustDecode(text);
  EXPECT_EQ(out.objects.Size(), 0u);
  EXPECT_EQ(out.errors.size(), 1u);
  return out.errors.empty() ? "" : out.errors[0].message;
}

TEST(DecodeTest, MultiDocumentPodsNamespacesNodesEniConfigs) {
  auto out = MustDecode(R"(
apiVersion: v1
kind: Namespace
metadata: {name: x, labels: {ns: x}}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {pod: a}}
spec:
  nodeName: node1
  containers:
  - name: c
    ports:
    - {name: serve-80-tcp, containerPort: 80}
    - {name: serve-81-udp, containerPort: 81, protocol: UDP}
status: {podIP: 10.0.0.5, podIPs: [{ip: 10.0.0.5}, {ip: "fd00::5"}], hostIP: 192.168.1.1}
---
apiVersion: v1
kind: Node
metadata: {name: node1, labels: {zone: a}, annotations: {k: v}}
status: {addresses: [{type: InternalIP, address: 192.168.1.1}, {type: Hostname, address: n}]}
---
apiVersion: crd.k8s.amazonaws.com/v1alpha1
kind: ENIConfig
metadata: {name: us-west-2a}
spec: {subnet: subnet-123, securityGroups: [sg-1, sg-2]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
---
)");
  ASSERT_TRUE(out.errors.empty()) << out.errors[0].ToString();
  EXPECT_EQ(out.skipped, 1u);
  ASSERT_EQ(out.objects.namespaces.size(), 1u);
  EXPECT_EQ(out.objects.namespaces[0].meta.labels.at("kubernetes.io/metadata.name"), "x");
  ASSERT_EQ(out.objects.pods.size(), 1u);
  const Pod& pod = out.objects.pods[0];
  EXPECT_EQ(pod.Key(), "x/a");
  EXPECT_EQ(pod.node_name, "node1");
  ASSERT_EQ(pod.pod_ips.size(), 2u);
  EXPECT_EQ(pod.pod_ips[1].ToString(), "fd00::5");
  ASSERT_EQ(pod.ports.size(), 2u);
  EXPECT_EQ(pod.ports[1].protocol, Protocol::kUdp);
  EXPECT_EQ(pod.ports[1].name, "serve-81-udp");
  ASSERT_EQ(out.objects.nodes.size(), 1u);
  EXPECT_EQ(out.objects.nodes[0].internal_ips.size(), 1u);
  EXPECT_EQ(out.objects.nodes[0].meta.annotations.at("k"), "v");
  ASSERT_EQ(out.objects.eni_configs.size(), 1u);
  EXPECT_EQ(out.objects.eni_configs[0].subnet, "subnet-123");
  EXPECT_EQ(out.objects.eni_configs[0].security_groups.size(), 2u);
}

TEST(DecodeTest, KindListAndJson) {
  auto out = MustDecode(R"({"apiVersion":"v1","kind":"List","items":[
    {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"y"}},
    {"apiVersion":"v1","kind":"Pod","metadata":{"name":"b","namespace":"y"}}]})");
  EXPECT_TRUE(out.errors.empty());
  EXPECT_EQ(out.objects.namespaces.size(), 1u);
  EXPECT_EQ(out.objects.pods.size(), 1u);
}

TEST(DecodeTest, MalformedYamlIsAnError) {
  auto r = DecodeManifests("kind: [unclosed", "bad.yaml");
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message, HasSubstr("bad.yaml"));
}

TEST(DecodeTest, NetworkPolicyDefaultsAndPeers) {
  auto out = MustDecode(R"(
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  egress:
  - to:
    - namespaceSelector: {matchExpressions: [{key: ns, operator: In, values: [y, z]}]}
      podSelector: {}
    - ipBlock: {cidr: 10.1.2.3/16, except: [10.1.5.0/24]}
    ports:
    - {port: 80, endPort: 90}
    - {port: serve-81-udp, protocol: UDP}
    - {}
)");
  ASSERT_TRUE(out.errors.empty()) << out.errors[0].ToString();
  ASSERT_EQ(out.objects.network_policies.size(), 1u);
  const auto& np = out.objects.network_policies[0];
  EXPECT_TRUE(np.affects_ingress);  // defaulted: Ingress always
  EXPECT_TRUE(np.affects_egress);   // egress rules present
  ASSERT_EQ(np.egress.size(), 1u);
  const auto& rule = np.egress[0];
  ASSERT_EQ(rule.peers.size(), 2u);
  EXPECT_TRUE(rule.peers[0].namespace_selector.has_value());
  EXPECT_TRUE(rule.peers[0].pod_selector.has_value());
  EXPECT_EQ(rule.peers[1].ip_block->cidr.ToString(), "10.1.0.0/16");  // host bits masked
  ASSERT_EQ(rule.ports.size(), 3u);
  EXPECT_EQ(*rule.ports[0].end_port, 90);
  EXPECT_EQ(rule.ports[1].named_port, "serve-81-udp");
  EXPECT_EQ(rule.ports[2].protocol, Protocol::kTcp);
  EXPECT_FALSE(rule.ports[2].port.has_value());
}

TEST(DecodeTest, PolicyTypesAreAuthoritative) {
  auto out = MustDecode(R"(
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  podSelector: {}
  policyTypes: [Egress]
  ingress: [{}]
)");
  ASSERT_EQ(out.objects.network_policies.size(), 1u);
  EXPECT_FALSE(out.objects.network_policies[0].affects_ingress);
  EXPECT_TRUE(out.objects.network_policies[0].ingress.empty());
  EXPECT_TRUE(out.objects.network_policies[0].affects_egress);
}

TEST(DecodeTest, NetworkPolicyRejections) {
  const char* head = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                     "metadata: {name: bad, namespace: x}\nspec:\n  podSelector: {}\n";
  auto msg = Rejected(std::string(head) + "  ingress: [{from: [{ipBlock: {cidr: 10.0.0/8}}]}]\n");
  EXPECT_THAT(msg, HasSubstr("NetworkPolicy x/bad"));
  EXPECT_THAT(msg, HasSubstr("spec.ingress[0].from[0].ipBlock.cidr"));
  msg = Rejected(std::string(head) +
                 "  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/24]}}]}]\n");
  EXPECT_THAT(msg, HasSubstr("except[0]"));
  msg = Rejected(std::string(head) + "  ingress: [{ports: [{port: 70000}]}]\n");
  EXPECT_THAT(msg, HasSubstr("spec.ingress[0].ports[0].port"));
  msg = Rejected(std::string(head) + "  ingress: [{ports: [{port: 90, endPort: 80}]}]\n");
  EXPECT_THAT(msg, HasSubstr("endPort"));
  msg = Rejected(std::string(head) + "  ingress: [{ports: [{port: http, endPort: 80}]}]\n");
  EXPECT_THAT(msg, HasSubstr("endPort"));
  msg = Rejected(std::string(head) + "  ingress: [{ports: [{protocol: ICMP}]}]\n");
  EXPECT_THAT(msg, HasSubstr("protocol"));
  msg = Rejected(std::string(head) + "  ingress: [{from: [{}]}]\n");
  EXPECT_THAT(msg, HasSubstr("from[0]"));
  msg = Rejected(std::string(head) +
                 "  ingress: [{from: [{podSelector: {}, ipBlock: {cidr: 10.0.0.0/8}}]}]\n");
  EXPECT_THAT(msg, HasSubstr("ipBlock"));
  msg = Rejected(std::string(head) +
                 "  ingress: [{from: [{podSelector: {matchExpressions: "
                 "[{key: a, operator: Near, values: [b]}]}}]}]\n");
  EXPECT_THAT(msg, HasSubstr("operator"));
  msg = Rejected(std::string(head) +
                 "  ingress: [{from: [{podSelector: {matchExpressions: "
                 "[{key: a, operator: In}]}}]}]\n");
  EXPECT_THAT(msg, HasSubstr("values"));
  msg = Rejected(std::string(head) + "  policyTypes: [Sideways]\n");
  EXPECT_THAT(msg, HasSubstr("policyTypes[0]"));
  msg = Rejected("apiVersion: networking.k8s.io/v2\nkind: NetworkPolicy\n"
                 "metadata: {name: p, namespace: x}\nspec: {podSelector: {}}\n");
  EXPECT_THAT(msg, HasSubstr("apiVersion"));
}

constexpr const char* kCnpHead =
    "apiVersion: networking.k8s.aws/v1alpha1\nkind: ClusterNetworkPolicy\n"
    "metadata: {name: c}\nspec:\n";

TEST(DecodeTest, ClusterNetworkPolicy) {
  auto out = MustDecode(std::string(kCnpHead) + R"(
  tier: Admin
  priority: 10
  subject: {pods: {namespaceSelector: {matchLabels: {ns: x}}, podSelector: {}}}
  ingress:
  - name: deny-y
    action: Deny
    from: [{namespaces: {matchLabels: {ns: y}}}]
    ports:
    - portNumber: {port: 80}
    - portRange: {protocol: UDP, start: 1000, end: 2000}
    - namedPort: serve-81-tcp
  egress:
  - action: Pass
    to: [{networks: [10.0.0.0/8, "fd00::/8"]}]
)");
  ASSERT_TRUE(out.errors.empty()) << out.errors[0].ToString();
  ASSERT_EQ(out.objects.cluster_network_policies.size(), 1u);
  const auto& c = out.objects.cluster_network_policies[0];
  EXPECT_EQ(c.tier, Tier::kAdmin);
  EXPECT_EQ(c.priority, 10);
  EXPECT_TRUE(c.subject.pods.has_value());
  ASSERT_EQ(c.ingress.size(), 1u);
  EXPECT_EQ(c.ingress[0].name, "deny-y");
  EXPECT_EQ(c.ingress[0].action, CnpAction::kDeny);
  ASSERT_EQ(c.ingress[0].ports.size(), 3u);
  EXPECT_EQ(c.ingress[0].ports[0].start, 80);
  EXPECT_EQ(c.ingress[0].ports[0].end, 80);
  EXPECT_EQ(c.ingress[0].ports[1].protocol, Protocol::kUdp);
  EXPECT_EQ(c.ingress[0].ports[2].named_port, "serve-81-tcp");
  EXPECT_EQ(c.egress[0].peers[0].networks.size(), 2u);
}

TEST(DecodeTest, ClusterNetworkPolicyRejections) {
  std::string subj = "  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n";
  EXPECT_THAT(Rejected(std::string(kCnpHead) + "  tier: Admin\n  priority: 1001\n"
                                                "  subject: {namespaces: {}}\n"),
              HasSubstr("spec.priority"));
  EXPECT_THAT(Rejected(std::string(kCnpHead) + "  tier: Admin\n  priority: -1\n"
                                                "  subject: {namespaces: {}}\n"),
              HasSubstr("spec.priority"));
  EXPECT_THAT(Rejected(std::string(kCnpHead) + "  tier: Middle\n  priority: 1\n"
                                                "  subject: {namespaces: {}}\n"),
              HasSubstr("spec.tier"));
  EXPECT_THAT(Rejected(std::string(kCnpHead) + "  tier: Admin\n  priority: 1\n  subject: {}\n"),
              HasSubstr("neither"));
  EXPECT_THAT(Rejected(std::string(kCnpHead) +
                       "  tier: Admin\n  priority: 1\n  subject: {namespaces: {}, pods: "
                       "{namespaceSelector: {}, podSelector: {}}}\n"),
              HasSubstr("both"));
  EXPECT_THAT(Rejected(std::string(kCnpHead) + subj +
                       "  ingress: [{action: Allow, from: [{namespaces: {}}]}]\n"),
              HasSubstr("spec.ingress[0].action"));
  EXPECT_THAT(Rejected(std::string(kCnpHead) + subj + "  ingress: [{action: Deny, from: []}]\n"),
              HasSubstr("spec.ingress[0].from"));
  EXPECT_THAT(Rejected(std::string(kCnpHead) + subj +
                       "  egress: [{action: Deny, to: [{networks: [300.0.0.0/8]}]}]\n"),
              HasSubstr("spec.egress[0].to[0].networks[0]"));
  EXPECT_THAT(Rejected(std::string(kCnpHead) + subj +
                       "  ingress: [{action: Deny, from: [{networks: [10.0.0.0/8]}]}]\n"),
              HasSubstr("only allowed in egress"));
  EXPECT_THAT(Rejected(std::string(kCnpHead) + subj +
                       "  egress: [{action: Deny, to: [{namespaces: {}}], ports: "
                       "[{portRange: {start: 90, end: 80}}]}]\n"),
              HasSubstr("portRange"));
  EXPECT_THAT(Rejected(std::string(kCnpHead) + subj +
                       "  egress: [{action: Deny, to: [{namespaces: {}}], ports: "
                       "[{portNumber: {port: 0}}]}]\n"),
              HasSubstr("portNumber.port"));
  EXPECT_THAT(Rejected(std::string(kCnpHead) + subj +
                       "  egress: [{action: Deny, to: [{domainNames: [a.com]}]}]\n"),
              HasSubstr("domainNames"));
}

TEST(DecodeTest, OneBadObjectDoesNotDropOthers) {
  auto out = MustDecode(R"(
apiVersion: v1
kind: Namespace
metadata: {name: x}
---
apiVersion: crd.k8s.amazonaws.com/v1alpha1
kind: ENIConfig
metadata: {name: e}
spec: {securityGroups: [sg-1]}
)");
  EXPECT_EQ(out.objects.namespaces.size(), 1u);
  ASSERT_EQ(out.errors.size(), 1u);
  EXPECT_THAT(out.errors[0].message, HasSubstr("ENIConfig e: spec.subnet"));
}

TEST(SelectorTest, Semantics) {
  LabelSelector empty;
  EXPECT_TRUE(empty.Matches({}));
  EXPECT_TRUE(empty.Matches({{"a", "b"}}));
  LabelSelector sel;
  sel.match_labels = {{"pod", "a"}};
  sel.match_expressions = {{"env", SelectorOp::kNotIn, {"prod"}},
                           {"tier", SelectorOp::kDoesNotExist, {}}};
  EXPECT_TRUE(sel.Matches({{"pod", "a"}}));  // NotIn/DoesNotExist match a missing key
  EXPECT_FALSE(sel.Matches({{"pod", "a"}, {"env", "prod"}}));
  EXPECT_TRUE(sel.Matches({{"pod", "a"}, {"env", "dev"}}));
  EXPECT_FALSE(sel.Matches({{"pod", "a"}, {"tier", "x"}}));
  EXPECT_FALSE(sel.Matches({{"pod", "b"}}));
  LabelSelector in;
  in.match_expressions = {{"ns", SelectorOp::kIn, {"x", "y"}}, {"k", SelectorOp::kExists, {}}};
  EXPECT_TRUE(in.Matches({{"ns", "y"}, {"k", ""}}));
  EXPECT_FALSE(in.Matches({{"ns", "y"}}));
  EXPECT_FALSE(in.Matches({{"k", "v"}}));
  EXPECT_EQ(in.ToString(), "k,ns in (x,y)");
}

TEST(SelectorTest, ParseJson) {
  ASSERT_OK_AND_ASSIGN(auto sel, ParseLabelSelectorJson(R"({"matchLabels":{"a":"b"}})"));
  EXPECT_TRUE(sel.Matches({{"a", "b"}}));
  EXPECT_FALSE(ParseLabelSelectorJson("{").has_value());
}

}  // namespace
}  // namespace vpccni::k8s
