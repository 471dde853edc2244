// File: fake_netlink.h (test-only, target vpccni_netlink_fake)
//
// FakeKernel keeps kernel-like networking state for several namespaces; FakeNetlink is a
// NetlinkOps acting in one of them, FakeSysctl a SysctlOps over a key/value map. Namespaces are
// identified by small integers that also serve as "netns fds" (VethSpec::peer_netns_fd,
// LinkChange::netns_fd). The fake enforces what the kernel enforces and tests depend on: unique
// link names (EEXIST), routes need an up output link (ENETDOWN) and a reachable gateway
// (ENETUNREACH), EEXIST on duplicate addresses/routes/rules, ENOENT/ESRCH on missing ones,
// deleting a link removes its addresses, routes and neighbours (and its veth peer). Not
// thread-safe unless guarded by FakeKernel::mutex().
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "netlink/ops.h"
#include "netlink/sysctl.h"

namespace vpccni::netlink {

class FakeKernel {
 public:
  struct Namespace {
    std::vector<Link> links;
    std::vector<Address> addresses;
    std::vector<Route> routes;
    std::vector<Rule> rules;
    std::vector<Neighbor> neighbors;
    std::map<std::string, std::string> sysctls;
    int next_index = 2;  // 1 is lo
  };

  FakeKernel();
  // Adds an empty namespace (with "lo") and returns its id (>= 1; namespace 0 is created by the
  // constructor and stands for the host).
  int AddNamespace();
  Namespace& ns(int id);

  bool HasNamespace(int id) const { return namespaces_.count(id) != 0; }

  void RemoveNamespace(int id);

  std::recursive_mutex& mutex() { return mu_; }

  // Makes the next matching ApplyBatch() op of this kind fail with errno (once). kind == nullopt
  // matches any op.
  void FailNextOp(std::optional<OpKind> kind, int err);

  // Counts ApplyBatch() batches and List*/Get* calls ("round trips").
  int round_trips() const { return round_trips_; }

 private:
  friend class FakeNetlink;
  std::map<int, Namespace> namespaces_;
  int next_ns_ = 1;
  std::optional<std::pair<std::optional<OpKind>, int>> fail_next_;
  int round_trips_ = 0;
  std::recursive_mutex mu_;
};

class FakeNetlink : public NetlinkOps {
 public:
  FakeNetlink(FakeKernel& kernel, int ns_id) : kernel_(kernel), ns_id_(ns_id) {}

  Result<std::vector<Link>> ListLinks() override;
  Result<Link> GetLinkByName(std::string_view name) override;
  Result<Link> GetLinkByIndex(int index) override;
  Result<Link> CreateVeth(const VethSpec& spec) override;
  Result<Link> CreateVlan(const VlanSpec& spec) override;
  Result<Link> CreateDummy(const DummySpec& spec) override;
  Result<void> DeleteLink(int index) override;
  Result<std::vector<Address>> ListAddresses(uint8_t family, int index) override;
  Result<std::vector<Route>> ListRoutes(uint8_t family, uint32_t table) override;
  Result<std::vector<Rule>> ListRules(uint8_t family) override;
  Result<std::vector<Neighbor>> ListNeighbors(uint8_t family, int index) override;
  Result<std::vector<int>> ApplyBatch(const std::vector<Op>& ops) override;

 private:
  // Applies one op; returns 0 or a positive errno.
  int ApplyOne(const Op& op);
  FakeKernel::Namespace& Ns();
  FakeKernel& kernel_;
  int ns_id_;
};

// SysctlOps over FakeKernel::Namespace::sysctls. Keys absent from the map are "missing" unless
// they are under net/ipv{4,6}/conf/<link>/ for an existing link of the namespace (then they
// read as "0" until written), mirroring per-interface sysctl directories.
class FakeSysctl : public SysctlOps {
 public:
  FakeSysctl(FakeKernel& kernel, int ns_id) : kernel_(kernel), ns_id_(ns_id) {}

  Result<std::string> Read(std::string_view key) override;
  Result<void> Write(std::string_view key, std::string_view value) override;

 private:
  bool KeyExists(const std::string& key);
  FakeKernel& kernel_;
  int ns_id_;
};

}  // namespace vpccni::netlink
