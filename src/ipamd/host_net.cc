#include "ipamd/host_net.h"

#include <mutex>

#include "base/log.h"
#include "netlink/rtnl_ops.h"
#include "netlink/sysctl.h"

namespace vpccni::ipamd {

struct KernelHostNetworking::Impl {
  std::mutex mu;
  std::unique_ptr<netlink::RtnlOps> rtnl;
  netlink::ProcSysctl sysctl;
  std::unique_ptr<node::NftSnatApplier> nft;
};

KernelHostNetworking::KernelHostNetworking(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KernelHostNetworking::~KernelHostNetworking() = default;

Result<std::unique_ptr<KernelHostNetworking>> KernelHostNetworking::Create() {
  auto impl = std::make_unique<Impl>();
  ASSIGN_OR_RETURN(auto rtnl, netlink::RtnlOps::Open());
  impl->rtnl = std::make_unique<netlink::RtnlOps>(std::move(rtnl));
  ASSIGN_OR_RETURN(impl->nft, node::NftSnatApplier::Create());
  return std::unique_ptr<KernelHostNetworking>(new KernelHostNetworking(std::move(impl)));
}

Result<void> KernelHostNetworking::Setup(const HostSetup& setup) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  node::HostNetworkApplier applier(*impl_->rtnl, impl_->sysctl);
  ASSIGN_OR_RETURN(auto plan, applier.Apply(setup.network));
  LOG_INFO("ipamd", "host network applied: {} ops, primary link {}", plan.ops.size(),
           plan.primary_ifname);
  if (setup.snat.has_value()) {
    node::SnatConfig snat = *setup.snat;
    if (!plan.primary_ifname.empty()) {
      snat.primary_ifname = plan.primary_ifname;
    }
    RETURN_IF_ERROR(node::ApplySnat(*impl_->nft, snat));
  } else {
    (void)impl_->nft->Run(node::RenderSnatRemoveScript());
  }
  return Ok();
}

Result<void> KernelHostNetworking::SetupEni(const HostSetup& setup, const net::MacAddress& mac) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  node::HostNetworkApplier applier(*impl_->rtnl, impl_->sysctl);
  ASSIGN_OR_RETURN(auto plan, applier.ApplyEni(setup.network, mac));
  LOG_INFO("ipamd", "ENI {} network applied: {} ops", mac.ToString(), plan.ops.size());
  return Ok();
}

Result<std::set<std::string>> KernelHostNetworking::LinkNames() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  ASSIGN_OR_RETURN(auto links, impl_->rtnl->ListLinks());
  std::set<std::string> names;
  for (const auto& l : links) {
    names.insert(l.name);
  }
  return names;
}

Result<void> KernelHostNetworking::ReconcilePodRules(const std::vector<node::PodRuleState>& live) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  ASSIGN_OR_RETURN(auto rules, impl_->rtnl->ListRules(netlink::kFamilyV4));
  auto ops = node::ReconcilePodRulesOps(rules, live);
  if (ops.empty()) {
    return Ok();
  }
  return impl_->rtnl->Apply(ops);
}

Result<void> KernelHostNetworking::RemovePodRules(const net::IpAddress& ip) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return node::RemovePodRules(*impl_->rtnl, ip);
}

}  // namespace vpccni::ipamd
