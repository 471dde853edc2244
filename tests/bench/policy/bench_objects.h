// File: bench_objects.h (benchmarks only)
//
// Synthetic clusters for the policy benchmarks.
#pragma once

#include <string>

#include <fmt/format.h>

#include "k8s/objects.h"

namespace vpccni::policy::bench {

// `namespaces` namespaces (label team=t<i%10>, ns=n<i>) with `pods_per_ns` pods each (labels
// app=a<j%20>, tier=<web|db|cache>), on `nodes` nodes, IPs 10.<i/256>.<i%256>.<j+1>; and
// `policies` NetworkPolicies spread over the namespaces, each selecting one app and allowing
// ingress from two label/namespace combinations on two ports plus an ipBlock with an except.
inline k8s::ObjectSet MakeCluster(int namespaces, int pods_per_ns, int policies, int nodes) {
  k8s::ObjectSet s;
  const char* tiers[] = {"web", "db", "cache"};
  for (int i = 0; i < namespaces; ++i) {
    k8s::Namespace ns;
    ns.meta.name = fmt::format("n{}", i);
    ns.meta.labels = {{"team", fmt::format("t{}", i % 10)},
                      {"ns", ns.meta.name},
                      {std::string(k8s::kNamespaceNameLabel), ns.meta.name}};
    s.namespaces.push_back(ns);
    for (int j = 0; j < pods_per_ns; ++j) {
      k8s::Pod p;
      p.meta.name = fmt::format("p{}", j);
      p.meta.namespace_name = ns.meta.name;
      p.meta.labels = {{"app", fmt::format("a{}", j % 20)}, {"tier", tiers[j % 3]}};
      p.node_name = fmt::format("node{}", (i * pods_per_ns + j) % nodes);
      p.pod_ips.push_back(net::Ipv4Address((10u << 24) | (uint32_t(i / 256) << 16) |
                                           (uint32_t(i % 256) << 8) | uint32_t(j + 1)));
      p.ports.push_back({"http", 8080, k8s::Protocol::kTcp});
      s.pods.push_back(p);
    }
  }
  for (int k = 0; k < policies; ++k) {
    k8s::NetworkPolicy np;
    np.meta.name = fmt::format("pol{}", k);
    np.meta.namespace_name = fmt::format("n{}", k % namespaces);
    np.pod_selector.match_labels = {{"app", fmt::format("a{}", k % 20)}};
    np.affects_ingress = true;
    k8s::NetworkPolicyRule rule;
    k8s::NetworkPolicyPeer same_ns;
    same_ns.pod_selector = k8s::LabelSelector{{{"tier", "web"}}, {}};
    k8s::NetworkPolicyPeer team;
    team.namespace_selector = k8s::LabelSelector{{{"team", fmt::format("t{}", k % 10)}}, {}};
    team.pod_selector = k8s::LabelSelector{{{"app", fmt::format("a{}", (k + 1) % 20)}}, {}};
    k8s::NetworkPolicyPeer block;
    block.ip_block = k8s::IpBlock{k8s::Cidr::FromV4(net::Ipv4Cidr(
                                      net::Ipv4Address((172u << 24) | (uint32_t(k % 16) << 16)),
                                      16)),
                                  {k8s::Cidr::FromV4(net::Ipv4Cidr(
                                      net::Ipv4Address((172u << 24) | (uint32_t(k % 16) << 16) |
                                                       (1u << 8)),
                                      24))}};
    rule.peers = {same_ns, team, block};
    rule.ports = {{k8s::Protocol::kTcp, 8080, "", std::nullopt},
                  {k8s::Protocol::kTcp, 9000, "", 9100}};
    np.ingress.push_back(rule);
    s.network_policies.push_back(np);
  }
  return s;
}

// One pod (ns "bench", pod "server", 10.250.0.2) with one NetworkPolicy of `rules` ingress rules,
// rule i allowing 172.16.<i/256>.<i%256>/32 on TCP port 1000+i; plus a client pod 10.250.0.1 and
// a rule allowing it on TCP 5201 (iperf3) and ICMP (no ports).
inline k8s::ObjectSet MakeRuleHeavyPod(int rules, const std::string& node) {
  k8s::ObjectSet s;
  for (const char* name : {"client", "server"}) {
    k8s::Pod p;
    p.meta.name = name;
    p.meta.namespace_name = "bench";
    p.meta.labels = {{"role", name}};
    p.node_name = node;
    p.pod_ips.push_back(net::Ipv4Address(std::string(name) == "client" ? 0x0afa0001 : 0x0afa0002));
    s.pods.push_back(p);
  }
  k8s::NetworkPolicy np;
  np.meta.name = "heavy";
  np.meta.namespace_name = "bench";
  np.pod_selector.match_labels = {{"role", "server"}};
  np.affects_ingress = true;
  for (int i = 0; i < rules; ++i) {
    k8s::NetworkPolicyRule r;
    k8s::NetworkPolicyPeer peer;
    peer.ip_block = k8s::IpBlock{
        k8s::Cidr::FromV4(net::Ipv4Cidr(
            net::Ipv4Address((172u << 24) | (16u << 16) | uint32_t(i / 256) << 8 | uint32_t(i % 256)),
            32)),
        {}};
    r.peers.push_back(peer);
    r.ports.push_back({k8s::Protocol::kTcp, 1000 + i, "", std::nullopt});
    np.ingress.push_back(r);
  }
  k8s::NetworkPolicyRule client;
  k8s::NetworkPolicyPeer cp;
  cp.pod_selector = k8s::LabelSelector{{{"role", "client"}}, {}};
  client.peers.push_back(cp);
  np.ingress.push_back(client);
  s.network_policies.push_back(np);
  return s;
}

}  // namespace vpccni::policy::bench
