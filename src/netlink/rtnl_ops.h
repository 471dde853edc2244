// File: rtnl_ops.h
//
// RtnlOps: NetlinkOps over a raw NETLINK_ROUTE socket. It acts in the netns its socket was
// opened in (Open(): the calling thread's; OpenInNetns(): any, without disturbing the caller).
// Not thread-safe; open one per thread. Apply() sends all ops in one sendmsg and waits for all
// acks at once.
#pragma once

#include "netlink/netns.h"
#include "netlink/ops.h"
#include "netlink/socket.h"

namespace vpccni::netlink {

class RtnlOps : public NetlinkOps {
 public:
  // Errors: kInternal/kPermissionDenied with sys_errno when the socket cannot be opened.
  static Result<RtnlOps> Open();
  static Result<RtnlOps> OpenInNetns(const Netns& ns);

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

  std::string LastErrorText() const override { return last_error_text_; }

  NetlinkSocket& socket() { return sock_; }

 private:
  explicit RtnlOps(NetlinkSocket s) : sock_(std::move(s)) {}

  // Creates a link from an encoded RTM_NEWLINK (with NLM_F_ECHO) and returns it by name.
  Result<Link> CreateLink(std::vector<uint8_t> msg, const std::string& name);
  NetlinkSocket sock_;
  std::string last_error_text_;
};

}  // namespace vpccni::netlink
