#include "policy/compiler.h"

#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "k8s/decode.h"
#include "testing/result_matchers.h"

namespace vpccni::policy {
namespace {

using ::testing::HasSubstr;

// The e2e netpol topology: namespaces x, y, z (label ns=<name>) x pods a, b, c (label pod=<name>)
// with IP 10.9.<ns>.<pod>, all on node1 (192.168.0.1), serving 80/81 on TCP, UDP and SCTP with
// ports named serve-<port>-<proto>. Pod y/c serves serve-81-tcp on 8081 instead.
std::string Topology() {
  std::string out =
      "apiVersion: v1\nkind: Node\nmetadata: {name: node1}\n"
      "status: {addresses: [{type: InternalIP, address: 192.168.0.1}]}\n";
  const char* nss[] = {"x", "y", "z"};
  const char* pods[] = {"a", "b", "c"};
  for (int n = 0; n < 3; ++n) {
    out += fmt::format(
        "---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: {0}, labels: "
        "{{ns: {0}}}}}\n",
        nss[n]);
    for (int p = 0; p < 3; ++p) {
      std::string ports;
      for (int port : {80, 81}) {
        for (const char* proto : {"TCP", "UDP", "SCTP"}) {
          int number =
              (n == 1 && p == 2 && port == 81 && std::string(proto) == "TCP") ? 8081 : port;
          std::string lower = proto;
          for (auto& ch : lower) {
            ch = static_cast<char>(std::tolower(ch));
          }
          ports += fmt::format("{{name: serve-{}-{}, containerPort: {}, protocol: {}}},", port,
                               lower, number, proto);
        }
      }
      ports.pop_back();
      out += fmt::format(
          "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {1}, namespace: {0}, labels: "
          "{{pod: {1}}}}}\nspec: {{nodeName: node1, containers: [{{name: c, ports: [{4}]}}]}}\n"
          "status: {{podIP: 10.9.{2}.{3}, hostIP: 192.168.0.1}}\n",
          nss[n], pods[p], n + 1, p + 1, ports);
    }
  }
  return out;
}

class CompilerTest : public ::testing::Test {
 protected:
  void Load(const std::string& policies) {
    auto out = k8s::DecodeManifests(Topology() + "---\n" + policies, "test");
    ASSERT_TRUE(out.has_value()) << out.error().ToString();
    ASSERT_TRUE(out->errors.empty()) << out->errors[0].ToString();
    model_ = PolicyModel::Compile(out->objects);
  }

  size_t Pod(const std::string& key) {
    auto slash = key.find('/');
    auto idx = model_.FindPod(key.substr(0, slash), key.substr(slash + 1));
    EXPECT_TRUE(idx.has_value()) << key;
    return idx.value_or(0);
  }

  FlowDecision Flow(const std::string& from, const std::string& to, int port, L4 proto = L4::kTcp) {
    return model_.EvaluateFlow(Remote{Pod(from), std::nullopt}, Pod(to), proto, port);
  }

  bool Allowed(const std::string& from, const std::string& to, int port, L4 proto = L4::kTcp) {
    return Flow(from, to, port, proto).verdict == Verdict::kAllow;
  }

  bool FromIp(const std::string& ip, const std::string& to, int port, L4 proto = L4::kTcp) {
    Remote r;
    r.ip = *net::IpAddress::Parse(ip);
    r.pod = model_.FindPodByIp(*r.ip);
    return model_.EvaluateFlow(r, Pod(to), proto, port).verdict == Verdict::kAllow;
  }

  bool ToIp(const std::string& from, const std::string& ip, int port, L4 proto = L4::kTcp) {
    Remote r;
    r.ip = *net::IpAddress::Parse(ip);
    r.pod = model_.FindPodByIp(*r.ip);
    return model_.Evaluate(Pod(from), Direction::kEgress, r, proto, port).verdict ==
           Verdict::kAllow;
  }

  PolicyModel model_;
};

constexpr const char* kNpHead = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n";

std::string Np(const std::string& ns, const std::string& name, const std::string& spec) {
  return fmt::format("{}metadata: {{name: {}, namespace: {}}}\nspec:\n{}\n---\n", kNpHead, name, ns,
                     spec);
}

std::string Cnp(const std::string& name, const std::string& spec) {
  return fmt::format(
      "apiVersion: networking.k8s.aws/v1alpha1\nkind: ClusterNetworkPolicy\n"
      "metadata: {{name: {}}}\nspec:\n{}\n---\n",
      name, spec);
}

TEST_F(CompilerTest, NoPoliciesAllowsEverything) {
  Load("");
  EXPECT_TRUE(Allowed("x/a", "y/b", 80));
  auto f = Flow("x/a", "y/b", 80);
  EXPECT_EQ(f.ingress.stage, Stage::kDefault);
  EXPECT_FALSE(model_.Render(Pod("x/a"), Direction::kIngress).enforced);
}

// §3.1 isolation is per direction and per pod; policies in y never affect x.
TEST_F(CompilerTest, IsolationIsPerDirectionAndNamespace) {
  Load(Np("x", "deny-in", "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Ingress]"));
  EXPECT_FALSE(Allowed("x/b", "x/a", 80));
  EXPECT_TRUE(Allowed("x/a", "x/b", 80));  // egress of x/a unrestricted
  EXPECT_TRUE(Allowed("x/b", "x/c", 80));  // x/c not selected
  EXPECT_TRUE(Allowed("x/b", "y/a", 80));  // y/a (same labels, other namespace) unaffected
  auto f = Flow("x/b", "x/a", 80);
  EXPECT_EQ(f.ingress.stage, Stage::kIsolation);
  EXPECT_THAT(f.ingress.policy, HasSubstr("x/deny-in"));
}

// §3.2 allow rules are additive across policies.
TEST_F(CompilerTest, PoliciesAreAdditive) {
  Load(Np("x", "p1",
          "  podSelector: {matchLabels: {pod: a}}\n"
          "  ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]") +
       Np("x", "p2",
          "  podSelector: {matchLabels: {pod: a}}\n"
          "  ingress: [{from: [{podSelector: {matchLabels: {pod: c}}}]}]"));
  EXPECT_TRUE(Allowed("x/b", "x/a", 80));
  EXPECT_TRUE(Allowed("x/c", "x/a", 80));
  EXPECT_FALSE(Allowed("y/b", "x/a", 80));
}

// §3.3 policyTypes defaulting.
TEST_F(CompilerTest, PolicyTypesDefaulting) {
  // Egress-only policy without policyTypes also isolates ingress with no ingress rules.
  Load(Np("x", "egress-only", "  podSelector: {matchLabels: {pod: a}}\n  egress: [{}]"));
  EXPECT_FALSE(Allowed("x/b", "x/a", 80));
  EXPECT_TRUE(Allowed("x/a", "x/b", 80));
  // policyTypes: [Egress] with an ingress section: the ingress section is ignored, ingress open.
  Load(Np("x", "types-egress",
          "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n"
          "  ingress: [{from: [{podSelector: {matchLabels: {pod: none}}}]}]"));
  EXPECT_TRUE(Allowed("x/b", "x/a", 80));
  EXPECT_FALSE(Allowed("x/a", "x/b", 80));
}

// §3.4 empty vs missing.
TEST_F(CompilerTest, EmptyVersusMissing) {
  Load(Np("x", "all", "  podSelector: {}\n  ingress: [{}]"));
  EXPECT_TRUE(Allowed("z/c", "x/a", 81, L4::kUdp));
  Load(Np("x", "none", "  podSelector: {}\n  ingress: []"));
  EXPECT_FALSE(Allowed("x/b", "x/a", 80));
  EXPECT_FALSE(Allowed("x/a", "x/b", 80));
  // ports: [{}] means all TCP ports, not all protocols.
  Load(Np("x", "tcp-only", "  podSelector: {}\n  ingress: [{ports: [{}]}]"));
  EXPECT_TRUE(Allowed("y/a", "x/a", 81));
  EXPECT_FALSE(Allowed("y/a", "x/a", 81, L4::kUdp));
  EXPECT_FALSE(Allowed("y/a", "x/a", 81, L4::kSctp));
  // Rule without from: all sources including external IPs.
  Load(Np("x", "any-src", "  podSelector: {}\n  ingress: [{ports: [{port: 80}]}]"));
  EXPECT_TRUE(FromIp("203.0.113.7", "x/a", 80));
  EXPECT_FALSE(FromIp("203.0.113.7", "x/a", 81));
}

// §3.5 podSelector alone = policy namespace; namespaceSelector+podSelector in one peer = AND;
// separate peers = OR.
TEST_F(CompilerTest, PeerSelectorsAndVersusOr) {
  Load(Np("x", "and",
          "  podSelector: {matchLabels: {pod: a}}\n"
          "  ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}, "
          "podSelector: {matchLabels: {pod: b}}}]}]"));
  EXPECT_TRUE(Allowed("y/b", "x/a", 80));
  EXPECT_FALSE(Allowed("y/c", "x/a", 80));
  EXPECT_FALSE(Allowed("x/b", "x/a", 80));
  Load(Np("x", "or",
          "  podSelector: {matchLabels: {pod: a}}\n"
          "  ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}}, "
          "{podSelector: {matchLabels: {pod: b}}}]}]"));
  EXPECT_TRUE(Allowed("y/b", "x/a", 80));
  EXPECT_TRUE(Allowed("y/c", "x/a", 80));
  EXPECT_TRUE(Allowed("x/b", "x/a", 80));
  EXPECT_FALSE(Allowed("z/b", "x/a", 80));  // podSelector alone: only namespace x
  EXPECT_FALSE(Allowed("x/c", "x/a", 80));
  // namespaceSelector {} = all namespaces (pods, not external IPs).
  Load(Np("x", "all-ns",
          "  podSelector: {matchLabels: {pod: a}}\n"
          "  ingress: [{from: [{namespaceSelector: {}}]}]"));
  EXPECT_TRUE(Allowed("z/c", "x/a", 80));
  EXPECT_FALSE(FromIp("203.0.113.7", "x/a", 80));
  // matchExpressions NotIn matches pods lacking the key; metadata.name label is present.
  Load(Np("x", "exprs",
          "  podSelector: {matchLabels: {pod: a}}\n"
          "  ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: "
          "kubernetes.io/metadata.name, operator: NotIn, values: [y]}]}}]}]"));
  EXPECT_TRUE(Allowed("z/b", "x/a", 80));
  EXPECT_FALSE(Allowed("y/b", "x/a", 80));
}

// §3.6 ipBlock except removes addresses from that peer only.
TEST_F(CompilerTest, IpBlockExcept) {
  Load(Np("x", "cidr",
          "  podSelector: {matchLabels: {pod: a}}\n"
          "  ingress: [{from: [{ipBlock: {cidr: 10.9.0.0/16, except: [10.9.2.0/24]}}]}]"));
  EXPECT_TRUE(Allowed("z/b", "x/a", 80));
  EXPECT_FALSE(Allowed("y/b", "x/a", 80));
  // Overlap with another peer of another policy that allows y/b by pod selector: allowed.
  Load(Np("x", "cidr",
          "  podSelector: {matchLabels: {pod: a}}\n"
          "  ingress: [{from: [{ipBlock: {cidr: 10.9.0.0/16, except: [10.9.2.0/24]}}]}]") +
       Np("x", "by-pod",
          "  podSelector: {matchLabels: {pod: a}}\n"
          "  ingress: [{from: [{namespaceSelector: {matchLabels: {ns: y}}, podSelector: "
          "{matchLabels: {pod: b}}}], ports: [{port: 81}]}]"));
  EXPECT_TRUE(Allowed("y/b", "x/a", 81));
  EXPECT_FALSE(Allowed("y/b", "x/a", 80));
  // The issue-#326 shape: 0.0.0.0/0 except 10/8 on port 53 plus a ports-only rule for 80.
  Load(Np("x", "dns",
          "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n"
          "  egress:\n"
          "  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]\n"
          "    ports: [{port: 53, protocol: UDP}]\n"
          "  - ports: [{port: 80}]"));
  EXPECT_TRUE(ToIp("x/a", "10.9.2.2", 80));
  EXPECT_FALSE(ToIp("x/a", "10.9.2.2", 53, L4::kUdp));
  EXPECT_TRUE(ToIp("x/a", "8.8.8.8", 53, L4::kUdp));
  EXPECT_TRUE(ToIp("x/a", "8.8.8.8", 80));
  EXPECT_FALSE(ToIp("x/a", "8.8.8.8", 81));
}

// §3.7 endPort ranges; §3.9 SCTP is not TCP.
TEST_F(CompilerTest, PortRangesAndProtocols) {
  Load(Np("x", "range",
          "  podSelector: {matchLabels: {pod: a}}\n"
          "  ingress: [{ports: [{port: 79, endPort: 80}, {port: 81, protocol: SCTP}]}]"));
  EXPECT_TRUE(Allowed("x/b", "x/a", 80));
  EXPECT_TRUE(Allowed("x/b", "x/a", 79));
  EXPECT_FALSE(Allowed("x/b", "x/a", 81));
  EXPECT_TRUE(Allowed("x/b", "x/a", 81, L4::kSctp));
  EXPECT_FALSE(Allowed("x/b", "x/a", 81, L4::kUdp));
  EXPECT_FALSE(Allowed("x/b", "x/a", 80, L4::kUdp));
}

// §3.8 named ports resolve on the destination pod, by name and protocol.
TEST_F(CompilerTest, NamedPorts) {
  Load(Np("y", "named", "  podSelector: {}\n  ingress: [{ports: [{port: serve-81-tcp}]}]"));
  EXPECT_TRUE(Allowed("x/a", "y/a", 81));
  EXPECT_FALSE(Allowed("x/a", "y/c", 81));  // y/c names 8081 serve-81-tcp
  EXPECT_TRUE(Allowed("x/a", "y/c", 8081));
  EXPECT_FALSE(Allowed("x/a", "y/a", 80));
  // Protocol mismatch: TCP + a UDP-named port matches nothing.
  Load(Np("y", "mismatch",
          "  podSelector: {}\n  ingress: [{ports: [{port: serve-81-udp, protocol: TCP}]}]"));
  EXPECT_FALSE(Allowed("x/a", "y/a", 81));
  EXPECT_FALSE(Allowed("x/a", "y/a", 81, L4::kUdp));
  // Egress named ports resolve on each peer pod.
  Load(Np("x", "egress-named",
          "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n"
          "  egress: [{to: [{namespaceSelector: {matchLabels: {ns: y}}}], ports: [{port: "
          "serve-81-tcp}]}]"));
  EXPECT_TRUE(Allowed("x/a", "y/b", 81));
  EXPECT_TRUE(Allowed("x/a", "y/c", 8081));
  EXPECT_FALSE(Allowed("x/a", "y/c", 81));
  EXPECT_FALSE(ToIp("x/a", "8.8.8.8", 81));
}

// §3.11 self, §3.12 own node always allowed; another node is ordinary traffic.
TEST_F(CompilerTest, SelfAndNode) {
  Load(Np("x", "deny-all", "  podSelector: {}\n  policyTypes: [Ingress, Egress]"));
  EXPECT_TRUE(Allowed("x/a", "x/a", 80));
  EXPECT_EQ(Flow("x/a", "x/a", 80).ingress.stage, Stage::kSelf);
  EXPECT_TRUE(FromIp("192.168.0.1", "x/a", 80));
  EXPECT_TRUE(ToIp("x/a", "192.168.0.1", 10250));
  EXPECT_FALSE(FromIp("192.168.0.2", "x/a", 80));
  EXPECT_FALSE(Allowed("x/b", "x/a", 80));
}

// §3.13 hostNetwork pods are neither subjects nor selector peers.
TEST_F(CompilerTest, HostNetworkPodsIgnored) {
  Load(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: h, namespace: x, labels: {pod: a}}\n"
      "spec: {hostNetwork: true, nodeName: node1}\nstatus: {podIP: 192.168.0.9}\n---\n" +
      Np("x", "p",
         "  podSelector: {matchLabels: {pod: a}}\n"
         "  ingress: [{from: [{podSelector: {matchLabels: {pod: a}}}]}]"));
  EXPECT_FALSE(model_.Isolated(Pod("x/h"), Direction::kIngress));
  EXPECT_TRUE(model_.Isolated(Pod("x/a"), Direction::kIngress));
  EXPECT_FALSE(FromIp("192.168.0.9", "x/a", 80));
}

// §3.15 both ends must allow.
TEST_F(CompilerTest, BothEndsMustAllow) {
  Load(Np("x", "egress-deny", "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]") +
       Np("y", "ingress-allow", "  podSelector: {}\n  ingress: [{}]"));
  auto f = Flow("x/a", "y/b", 80);
  EXPECT_EQ(f.verdict, Verdict::kDeny);
  EXPECT_EQ(f.egress->verdict, Verdict::kDeny);
  EXPECT_EQ(f.ingress.verdict, Verdict::kAllow);
}

constexpr const char* kAdminXa =
    "  tier: Admin\n  priority: {}\n"
    "  subject: {{pods: {{namespaceSelector: {{matchLabels: {{ns: x}}}}, podSelector: "
    "{{matchLabels: {{pod: a}}}}}}}}\n";

std::string AdminXa(int prio, const std::string& rules) {
  return fmt::format(fmt::runtime(kAdminXa), prio) + rules;
}

TEST_F(CompilerTest, AdminDenyOverridesNetworkPolicyAllow) {
  Load(Np("x", "allow-all", "  podSelector: {}\n  ingress: [{}]") +
       Cnp("deny-y", AdminXa(10,
                             "  ingress: [{name: no-y, action: Deny, from: [{namespaces: "
                             "{matchLabels: {ns: y}}}]}]")));
  EXPECT_FALSE(Allowed("y/b", "x/a", 80));
  EXPECT_TRUE(Allowed("z/b", "x/a", 80));
  auto f = Flow("y/b", "x/a", 80);
  EXPECT_EQ(f.ingress.stage, Stage::kAdmin);
  EXPECT_THAT(f.ingress.policy, HasSubstr("deny-y"));
  EXPECT_THAT(f.ingress.rule, HasSubstr("no-y"));
}

TEST_F(CompilerTest, AdminAcceptOverridesIsolation) {
  Load(Np("x", "deny-all", "  podSelector: {}\n  policyTypes: [Ingress]") +
       Cnp("accept-y", AdminXa(10,
                               "  ingress: [{action: Accept, from: [{namespaces: "
                               "{matchLabels: {ns: y}}}]}]")));
  EXPECT_TRUE(Allowed("y/b", "x/a", 80));
  EXPECT_FALSE(Allowed("z/b", "x/a", 80));
  EXPECT_FALSE(Allowed("y/b", "x/b", 80));  // not a subject
}

TEST_F(CompilerTest, PassHandsToNetworkPolicyTier) {
  Load(Cnp("pass-y", AdminXa(5,
                             "  ingress: [{action: Pass, from: [{namespaces: {matchLabels: "
                             "{ns: y}}}]}]")) +
       Cnp("deny-all", AdminXa(10, "  ingress: [{action: Deny, from: [{namespaces: {}}]}]")) +
       Np("x", "allow-yb",
          "  podSelector: {matchLabels: {pod: a}}\n"
          "  ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {pod: b}}}]}]"));
  EXPECT_TRUE(Allowed("y/b", "x/a", 80));   // Pass -> NP allows
  EXPECT_FALSE(Allowed("y/c", "x/a", 80));  // Pass -> NP isolation denies
  EXPECT_FALSE(Allowed("z/b", "x/a", 80));  // not passed: priority-10 Deny
  auto f = Flow("y/b", "x/a", 80);
  EXPECT_EQ(f.ingress.stage, Stage::kNetworkPolicy);
  EXPECT_THAT(f.ingress.detail, HasSubstr("passed on"));
}

TEST_F(CompilerTest, PrioritiesAndTieBreaks) {
  // Lower priority number first.
  Load(Cnp("a-accept", AdminXa(1, "  ingress: [{action: Accept, from: [{namespaces: {}}]}]")) +
       Cnp("b-deny", AdminXa(2, "  ingress: [{action: Deny, from: [{namespaces: {}}]}]")));
  EXPECT_TRUE(Allowed("y/b", "x/a", 80));
  // Equal priority: Deny beats Accept beats Pass, whatever the names.
  Load(Cnp("a-accept", AdminXa(3, "  ingress: [{action: Accept, from: [{namespaces: {}}]}]")) +
       Cnp("b-deny", AdminXa(3, "  ingress: [{action: Deny, from: [{namespaces: {}}]}]")));
  EXPECT_FALSE(Allowed("y/b", "x/a", 80));
  Load(Cnp("a-pass", AdminXa(3, "  ingress: [{action: Pass, from: [{namespaces: {}}]}]")) +
       Cnp("b-accept", AdminXa(3, "  ingress: [{action: Accept, from: [{namespaces: {}}]}]")) +
       Np("x", "deny", "  podSelector: {}\n  policyTypes: [Ingress]"));
  EXPECT_TRUE(Allowed("y/b", "x/a", 80));
  // Inside one policy the first matching rule wins, even a Accept before a Deny.
  Load(Cnp("ordered", AdminXa(3,
                              "  ingress:\n"
                              "  - {action: Accept, from: [{namespaces: {matchLabels: {ns: y}}}]}\n"
                              "  - {action: Deny, from: [{namespaces: {}}]}\n")));
  EXPECT_TRUE(Allowed("y/b", "x/a", 80));
  EXPECT_FALSE(Allowed("z/b", "x/a", 80));
  EXPECT_THAT(Flow("z/b", "x/a", 80).ingress.rule, HasSubstr("ingress[1]"));
  // Ports limit CNP rules.
  Load(Cnp("ports", AdminXa(3,
                            "  ingress: [{action: Deny, from: [{namespaces: {}}], ports: "
                            "[{portNumber: {port: 81}}, {namedPort: serve-80-udp}]}]")));
  EXPECT_TRUE(Allowed("y/b", "x/a", 80));
  EXPECT_FALSE(Allowed("y/b", "x/a", 81));
  EXPECT_FALSE(Allowed("y/b", "x/a", 80, L4::kUdp));
  EXPECT_TRUE(Allowed("y/b", "x/a", 81, L4::kUdp));
}

TEST_F(CompilerTest, BaselinePerDirection) {
  std::string baseline =
      Cnp("baseline-deny",
          "  tier: Baseline\n  priority: 10\n  subject: {namespaces: {matchLabels: {ns: x}}}\n"
          "  ingress: [{action: Deny, from: [{namespaces: {}}]}]\n"
          "  egress: [{action: Deny, to: [{networks: [0.0.0.0/0]}]}]");
  Load(baseline);
  EXPECT_FALSE(Allowed("y/b", "x/a", 80));
  EXPECT_FALSE(Allowed("x/a", "y/b", 80));
  EXPECT_EQ(Flow("y/b", "x/a", 80).ingress.stage, Stage::kBaseline);
  // A NetworkPolicy isolating only ingress: baseline still applies to egress.
  Load(baseline + Np("x", "allow-in", "  podSelector: {}\n  ingress: [{}]"));
  EXPECT_TRUE(Allowed("y/b", "x/a", 80));
  EXPECT_FALSE(Allowed("x/a", "y/b", 80));
  // Baseline Accept does not override NetworkPolicy isolation.
  Load(Cnp("baseline-accept",
           "  tier: Baseline\n  priority: 1\n  subject: {namespaces: {}}\n"
           "  ingress: [{action: Accept, from: [{namespaces: {}}]}]") +
       Np("x", "deny", "  podSelector: {}\n  policyTypes: [Ingress]"));
  EXPECT_FALSE(Allowed("y/b", "x/a", 80));
  EXPECT_TRUE(Allowed("x/a", "y/b", 80));
}

TEST_F(CompilerTest, CnpNetworksMatchPodIps) {
  Load(Cnp("deny-net", AdminXa(1, "  egress: [{action: Deny, to: [{networks: [10.9.2.0/24]}]}]")));
  EXPECT_FALSE(Allowed("x/a", "y/b", 80));
  EXPECT_TRUE(Allowed("x/a", "z/b", 80));
  EXPECT_FALSE(ToIp("x/a", "10.9.2.200", 80));
}

// Render() agrees with Evaluate() on every address/port/protocol sampled.
TEST_F(CompilerTest, RenderMatchesEvaluate) {
  Load(Np("x", "mixed",
          "  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Ingress, Egress]\n"
          "  ingress:\n"
          "  - from: [{ipBlock: {cidr: 10.9.0.0/16, except: [10.9.2.0/24, 10.9.3.3/32]}}]\n"
          "    ports: [{port: 80, endPort: 90}, {port: serve-81-udp, protocol: UDP}]\n"
          "  - from: [{namespaceSelector: {matchLabels: {ns: y}}, podSelector: {matchLabels: "
          "{pod: c}}}]\n"
          "  egress:\n"
          "  - to: [{namespaceSelector: {}}]\n    ports: [{port: serve-81-tcp}]\n"
          "  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]") +
       Cnp("admin", AdminXa(1,
                            "  ingress: [{action: Deny, from: [{pods: {namespaceSelector: "
                            "{}, podSelector: {matchLabels: {pod: b}}}}], ports: "
                            "[{portRange: {start: 85, end: 95}}]}]")));
  size_t xa = Pod("x/a");
  std::mt19937 rng(7);
  for (Direction dir : {Direction::kIngress, Direction::kEgress}) {
    DirectionRules rules = model_.Render(xa, dir);
    ASSERT_TRUE(rules.enforced);
    std::vector<uint32_t> ips;
    for (size_t p = 0; p < model_.pod_count(); ++p) {
      ips.push_back(model_.pod(p).Ipv4()->ToUint());
    }
    for (int i = 0; i < 200; ++i) {
      ips.push_back(static_cast<uint32_t>(rng()));
      ips.push_back((10u << 24) | (9u << 16) | static_cast<uint32_t>(rng() & 0x3ff));
    }
    for (uint32_t ip : ips) {
      Remote r;
      r.ip = net::IpAddress(net::Ipv4Address(ip));
      r.pod = model_.FindPodByIp(*r.ip);
      for (L4 proto : {L4::kTcp, L4::kUdp, L4::kSctp}) {
        for (int port : {0, 79, 80, 81, 84, 85, 90, 91, 95, 96, 8081, 65535}) {
          bool want = model_.Evaluate(xa, dir, r, proto, port).verdict == Verdict::kAllow;
          bool got = false;
          for (const auto& c : rules.cells) {
            got = got || (c.protocol == proto && ip >= c.remote.lo && ip <= c.remote.hi &&
                          port >= c.ports.lo && port <= c.ports.hi);
          }
          ASSERT_EQ(got, want) << DirectionName(dir) << " " << r.ip->ToString() << " "
                               << L4Name(proto) << "/" << port;
        }
      }
      bool want_other = model_.Evaluate(xa, dir, r, L4::kOther, 0).verdict == Verdict::kAllow;
      bool got_other = false;
      for (const auto& rg : rules.other) {
        got_other = got_other || (ip >= rg.lo && ip <= rg.hi);
      }
      ASSERT_EQ(got_other, want_other) << r.ip->ToString();
    }
  }
}

}  // namespace
}  // namespace vpccni::policy
