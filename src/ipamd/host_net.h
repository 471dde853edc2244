// File: host_net.h
//
// ipamd's host-networking port: everything the daemon does to the node's kernel state (per-ENI
// tables and rules, rule 1024, rp_filter, SNAT/connmark table, pod rules of restored pods, and the
// host veth listing the checkpoint restore checks). KernelHostNetworking is the production
// adapter (rtnetlink + sysctl + libnftables, in the netns ipamd runs in). The daemon runs without
// one when host networking is disabled (--no-host-network).
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "net/ip.h"
#include "node/host_network.h"
#include "node/snat.h"

namespace vpccni::ipamd {

struct HostSetup {
  node::HostNetworkConfig network;
  // nullopt: no SNAT table (IPv6 mode); the table is removed instead.
  std::optional<node::SnatConfig> snat;
};

class HostNetworking {
 public:
  virtual ~HostNetworking() = default;
  // Whole-node setup: host network plan + SNAT table. Idempotent.
  virtual Result<void> Setup(const HostSetup& setup) = 0;
  // Setup of one (new) ENI, found by MAC.
  virtual Result<void> SetupEni(const HostSetup& setup, const net::MacAddress& mac) = 0;
  // Names of all links of the netns (for the checkpoint's veth check).
  virtual Result<std::set<std::string>> LinkNames() = 0;
  // Re-creates rules 512/1536 of live pods and removes those of other pod IPs.
  virtual Result<void> ReconcilePodRules(const std::vector<node::PodRuleState>& live) = 0;
  // Removes every pod rule of one address (address freed by a force removal).
  virtual Result<void> RemovePodRules(const net::IpAddress& ip) = 0;
};

class KernelHostNetworking : public HostNetworking {
 public:
  // Opens rtnetlink and libnftables in the calling thread's netns.
  static Result<std::unique_ptr<KernelHostNetworking>> Create();
  ~KernelHostNetworking() override;

  Result<void> Setup(const HostSetup& setup) override;
  Result<void> SetupEni(const HostSetup& setup, const net::MacAddress& mac) override;
  Result<std::set<std::string>> LinkNames() override;
  Result<void> ReconcilePodRules(const std::vector<node::PodRuleState>& live) override;
  Result<void> RemovePodRules(const net::IpAddress& ip) override;

 private:
  struct Impl;
  explicit KernelHostNetworking(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vpccni::ipamd
