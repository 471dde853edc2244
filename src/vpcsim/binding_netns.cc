#include "vpcsim/binding_netns.h"

#include <unistd.h>

#include <thread>

#include "base/log.h"
#include "netlink/netns.h"
#include "netlink/rtnl_ops.h"

namespace vpccni::vpcsim {
namespace {

constexpr std::string_view kLog = "vpc-emulator-binding";

Result<void> PrepareLoopback(netlink::NetlinkOps& ops) {
  ASSIGN_OR_RETURN(netlink::Link lo, ops.GetLinkByName("lo"));
  RETURN_IF_ERROR(ops.SetLinkUp(lo.index, true));
  netlink::Address a;
  a.index = lo.index;
  a.prefix = netlink::IpPrefix::Host(*net::IpAddress::Parse("169.254.169.254"));
  auto added = ops.AddAddress(a);
  if (!added.has_value() && added.error().code != ErrorCode::kAlreadyExists) {
    return added.error();
  }
  return Ok();
}

}  // namespace

Result<void> NetnsBinder::RunInNetns(const std::string& name, const std::function<void()>& fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!netlink::Netns::NamedExists(name)) {
      RETURN_IF_ERROR(netlink::Netns::CreateNamed(name));
      state_[name].created = true;
    } else {
      state_[name];
    }
  }
  ASSIGN_OR_RETURN(netlink::Netns ns, netlink::Netns::OpenByName(name));
  {
    ASSIGN_OR_RETURN(netlink::RtnlOps ops, netlink::RtnlOps::OpenInNetns(ns));
    RETURN_IF_ERROR(WithContext(PrepareLoopback(ops), "netns {} loopback", name));
  }
  Result<void> result = Ok();
  std::thread t([&] {
    auto entered = netlink::ScopedNetns::Enter(ns);
    if (!entered.has_value()) {
      result = entered.error();
      return;
    }
    fn();
  });
  t.join();
  return result;
}

Result<void> NetnsBinder::Sync(const std::string& netns, const ImdsView& view) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(netlink::Netns ns, netlink::Netns::OpenByName(netns));
  ASSIGN_OR_RETURN(netlink::RtnlOps ops, netlink::RtnlOps::OpenInNetns(ns));
  // The process's namespace (the main thread's, not this thread's), home of the veth peers.
  ASSIGN_OR_RETURN(netlink::Netns self_ns, netlink::Netns::OpenPath("/proc/self/ns/net"));
  ASSIGN_OR_RETURN(std::vector<netlink::Link> links, ops.ListLinks());
  NsState& st = state_[netns];
  std::set<std::string> wanted;
  for (const auto& ifc : view.interfaces) {
    std::string mac = ifc.mac.ToString();
    wanted.insert(mac);
    bool present = false;
    for (const auto& l : links) {
      present = present || l.mac == ifc.mac;
    }
    if (present) {
      continue;
    }
    // A veth rather than a dummy link (some kernels reject dummy): the node end carries the
    // ENI's name and MAC; the peer stays in the emulator's own namespace, up, so the node end
    // has carrier. Deleting either end (or the namespace) removes both.
    netlink::VethSpec spec;
    spec.name = ifc.network_card == 0
                    ? fmt::format("eth{}", ifc.device_number)
                    : fmt::format("eth{}c{}", ifc.device_number, ifc.network_card);
    spec.mac = ifc.mac;
    spec.peer_name = fmt::format("vxe{}x{}", ::getpid() % 10000000, peer_counter_++ % 10000);
    spec.peer_netns_fd = self_ns.fd();
    ASSIGN_OR_RETURN(netlink::Link link,
                     WithContext(ops.CreateVeth(spec), "netns {}: link for {}", netns, mac));
    st.macs.insert(mac);
    RETURN_IF_ERROR(ops.SetLinkUp(link.index, true));
    {
      ASSIGN_OR_RETURN(netlink::RtnlOps self_ops, netlink::RtnlOps::OpenInNetns(self_ns));
      ASSIGN_OR_RETURN(netlink::Link peer, self_ops.GetLinkByName(spec.peer_name));
      RETURN_IF_ERROR(WithContext(self_ops.SetLinkUp(peer.index, true), "peer {}", spec.peer_name));
    }
    if (ifc.device_number == 0 && ifc.network_card == 0 && !ifc.local_ipv4s.empty()) {
      netlink::Address a;
      a.index = link.index;
      a.prefix = {net::IpAddress(ifc.local_ipv4s.front()), ifc.subnet_ipv4_cidr_block.PrefixLen()};
      RETURN_IF_ERROR(WithContext(ops.AddAddress(a), "netns {}: primary address", netns));
      netlink::Route r;
      r.dst = {net::IpAddress(net::Ipv4Address()), 0};
      r.gateway = net::IpAddress(ifc.subnet_ipv4_cidr_block.Network().Plus(1));
      r.oif = link.index;
      RETURN_IF_ERROR(WithContext(ops.ReplaceRoute(r), "netns {}: default route", netns));
    }
    LOG_INFO(kLog, "netns {}: {} ({}) for {}", netns, spec.name, mac, ifc.interface_id);
  }
  for (const auto& l : links) {
    std::string mac = l.mac.ToString();
    if (st.macs.count(mac) > 0 && wanted.count(mac) == 0) {
      RETURN_IF_ERROR(WithContext(ops.DeleteLink(l.index), "netns {}: remove {}", netns, mac));
      st.macs.erase(mac);
      LOG_INFO(kLog, "netns {}: removed {} ({})", netns, l.name, mac);
    }
  }
  return Ok();
}

void NetnsBinder::Unbind(const std::string& netns) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = state_.find(netns);
  if (it == state_.end()) {
    return;
  }
  auto ns = netlink::Netns::OpenByName(netns);
  if (ns.has_value()) {
    auto ops = netlink::RtnlOps::OpenInNetns(*ns);
    auto links =
        ops.has_value()
            ? ops->ListLinks()
            : Result<std::vector<netlink::Link>>(MakeError(ErrorCode::kInternal, "no ops"));
    if (links.has_value()) {
      for (const auto& l : *links) {
        if (it->second.macs.count(l.mac.ToString()) > 0) {
          (void)ops->DeleteLink(l.index);
        }
      }
    }
  }
  if (it->second.created) {
    (void)netlink::Netns::DeleteNamed(netns);
  }
  state_.erase(it);
}

std::unique_ptr<NodeBinder> MakeNetnsBinderIfPrivileged() {
  if (::geteuid() != 0) {
    return nullptr;
  }
  return std::make_unique<NetnsBinder>();
}

}  // namespace vpccni::vpcsim
