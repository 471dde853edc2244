// File: ops.h
//
// NetlinkOps is the port through which ipamd, the CNI plugin, the emulator and src/node change
// and read the kernel's networking state of ONE network namespace. RtnlOps (rtnl_ops.h) is the
// real implementation over raw rtnetlink; FakeNetlink (fake_netlink.h, test-only) keeps
// kernel-like state in memory. Errors follow NetlinkSocket::Request(): kAlreadyExists (EEXIST),
// kNotFound (ENOENT/ESRCH/ENODEV/EADDRNOTAVAIL), kPermissionDenied, kInvalidArgument, kInternal;
// sys_errno holds the kernel errno. Implementations are not thread-safe unless stated.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "netlink/types.h"

namespace vpccni::netlink {

class NetlinkOps {
 public:
  virtual ~NetlinkOps() = default;

  // Links.
  virtual Result<std::vector<Link>> ListLinks() = 0;
  virtual Result<Link> GetLinkByName(std::string_view name) = 0;
  virtual Result<Link> GetLinkByIndex(int index) = 0;
  // Creates a veth pair and returns the local end (the peer may live in another netns).
  virtual Result<Link> CreateVeth(const VethSpec& spec) = 0;
  virtual Result<Link> CreateVlan(const VlanSpec& spec) = 0;
  virtual Result<Link> CreateDummy(const DummySpec& spec) = 0;
  // Deletes a link by index. kNotFound when absent.
  virtual Result<void> DeleteLink(int index) = 0;

  // Addresses (family 0 = both; index 0 = all links).
  virtual Result<std::vector<Address>> ListAddresses(uint8_t family, int index) = 0;
  // Routes of one family in one table (0 = all tables).
  virtual Result<std::vector<Route>> ListRoutes(uint8_t family, uint32_t table) = 0;
  virtual Result<std::vector<Rule>> ListRules(uint8_t family) = 0;
  virtual Result<std::vector<Neighbor>> ListNeighbors(uint8_t family, int index) = 0;

  // Executes ops in order, as one batch where the mechanism allows (one kernel round trip for
  // RtnlOps), and returns the errno of each op (0 = success), ignoring the tolerate flags.
  // Errors only for transport failures, or kInvalidArgument for a malformed op (nothing sent).
  virtual Result<std::vector<int>> ApplyBatch(const std::vector<Op>& ops) = 0;

  // ApplyBatch(), then the first failure that its op does not tolerate becomes the error
  // (ErrnoToError codes, the op's text in the context, the kernel's explanation if any).
  Result<void> Apply(const std::vector<Op>& ops);

  // The kernel's extended-ack text for the last failed op of the last ApplyBatch(), or "".
  virtual std::string LastErrorText() const { return {}; }

  // Convenience wrappers over Apply() with a single op (non-virtual). The Add* forms fail with
  // kAlreadyExists when the object exists; Delete* fail with kNotFound when it is absent.
  Result<Link> FindLinkByMac(const net::MacAddress& mac);  // kNotFound when no link has it
  Result<void> SetLinkUp(int index, bool up);
  Result<void> SetLinkMtu(int index, uint32_t mtu);
  Result<void> SetLinkMac(int index, const net::MacAddress& mac);
  Result<void> MoveLinkToNetns(int index, int netns_fd);
  Result<void> AddAddress(const Address& a);
  Result<void> DeleteAddress(const Address& a);
  Result<void> AddRoute(const Route& r);
  Result<void> ReplaceRoute(const Route& r);
  Result<void> DeleteRoute(const Route& r);
  Result<void> AddRule(const Rule& r);
  Result<void> DeleteRule(const Rule& r);
  Result<void> ReplaceNeighbor(const Neighbor& n);
  Result<void> DeleteNeighbor(const Neighbor& n);

 protected:
  // Applies one op without its tolerate flags (helper for the wrappers).
  Result<void> ApplyStrict(Op op);
};

}  // namespace vpccni::netlink
