#include "netlink/ops.h"

#include <cerrno>
#include <cstring>

#include "netlink/socket.h"

namespace vpccni::netlink {

Result<void> NetlinkOps::Apply(const std::vector<Op>& ops) {
  ASSIGN_OR_RETURN(auto errs, ApplyBatch(ops));
  for (size_t i = 0; i < ops.size() && i < errs.size(); ++i) {
    int err = errs[i];
    const Op& op = ops[i];
    if (err == 0 || (err == EEXIST && op.tolerate_exists) ||
        (IsMissingErrno(err) && op.tolerate_missing)) {
      continue;
    }
    std::string msg = std::strerror(err);  // NOLINT(concurrency-mt-unsafe)
    if (std::string text = LastErrorText(); !text.empty()) {
      msg += " (" + text + ")";
    }
    Error e = ErrnoToError(err, msg);
    e.AddContext(op.ToString());
    return e;
  }
  return Ok();
}

Result<void> NetlinkOps::ApplyStrict(Op op) {
  op.tolerate_exists = false;
  op.tolerate_missing = false;
  return Apply({std::move(op)});
}

Result<Link> NetlinkOps::FindLinkByMac(const net::MacAddress& mac) {
  ASSIGN_OR_RETURN(auto links, ListLinks());
  for (auto& l : links) {
    if (l.mac == mac && l.kind != "vlan") {
      return std::move(l);
    }
  }
  return MakeError(ErrorCode::kNotFound, "no link with MAC {}", mac.ToString());
}

Result<void> NetlinkOps::SetLinkUp(int index, bool up) {
  LinkChange c;
  c.index = index;
  c.up = up;
  return ApplyStrict(Op::SetLink(c));
}

Result<void> NetlinkOps::SetLinkMtu(int index, uint32_t mtu) {
  LinkChange c;
  c.index = index;
  c.mtu = mtu;
  return ApplyStrict(Op::SetLink(c));
}

Result<void> NetlinkOps::SetLinkMac(int index, const net::MacAddress& mac) {
  LinkChange c;
  c.index = index;
  c.mac = mac;
  return ApplyStrict(Op::SetLink(c));
}

Result<void> NetlinkOps::MoveLinkToNetns(int index, int netns_fd) {
  LinkChange c;
  c.index = index;
  c.netns_fd = netns_fd;
  return ApplyStrict(Op::SetLink(c));
}

Result<void> NetlinkOps::AddAddress(const Address& a) {
  return ApplyStrict(Op::AddAddr(a));
}

Result<void> NetlinkOps::DeleteAddress(const Address& a) {
  return ApplyStrict(Op::DelAddr(a));
}

Result<void> NetlinkOps::AddRoute(const Route& r) {
  return ApplyStrict(Op::AddRoute(r));
}

Result<void> NetlinkOps::ReplaceRoute(const Route& r) {
  return ApplyStrict(Op::ReplaceRoute(r));
}

Result<void> NetlinkOps::DeleteRoute(const Route& r) {
  return ApplyStrict(Op::DelRoute(r));
}

Result<void> NetlinkOps::AddRule(const Rule& r) {
  return ApplyStrict(Op::AddRule(r));
}

Result<void> NetlinkOps::DeleteRule(const Rule& r) {
  return ApplyStrict(Op::DelRule(r));
}

Result<void> NetlinkOps::ReplaceNeighbor(const Neighbor& n) {
  return ApplyStrict(Op::ReplaceNeigh(n));
}

Result<void> NetlinkOps::DeleteNeighbor(const Neighbor& n) {
  return ApplyStrict(Op::DelNeigh(n));
}

}  // namespace vpccni::netlink
