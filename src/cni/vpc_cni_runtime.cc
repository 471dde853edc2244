#include "cni/vpc_cni_runtime.h"

#include <nlohmann/json.hpp>

#include "node/names.h"
#include "node/pod_network.h"

namespace vpccni::cni {

rpc::UnixClientOptions IpamdClientOptions(std::string_view stdin_data) {
  std::string configured;
  auto j = nlohmann::json::parse(stdin_data, nullptr, false);
  if (j.is_object()) {
    auto it = j.find("ipamdSocket");
    if (it != j.end() && it->is_string()) {
      configured = it->get<std::string>();
    }
  }
  rpc::UnixClientOptions o;
  o.path = rpc::ResolveSocketPath(configured);
  o.connect_timeout = std::chrono::milliseconds(2000);
  o.call_timeout = std::chrono::milliseconds(20000);
  return o;
}

Result<rpc::UnixClient*> RpcIpamBackend::Client() {
  if (!client_.has_value()) {
    ASSIGN_OR_RETURN(auto c, rpc::UnixClient::Connect(opts_));
    client_.emplace(std::move(c));
  }
  return &*client_;
}

Result<rpc::AddNetworkReply> RpcIpamBackend::AddNetwork(const rpc::AddNetworkRequest& req) {
  ASSIGN_OR_RETURN(rpc::UnixClient * c, Client());
  auto r = c->AddNetwork(req);
  if (!r.has_value()) {
    client_.reset();  // the stream may be out of step; reconnect for the next call
  }
  return r;
}

Result<rpc::DelNetworkReply> RpcIpamBackend::DelNetwork(const rpc::DelNetworkRequest& req) {
  ASSIGN_OR_RETURN(rpc::UnixClient * c, Client());
  auto r = c->DelNetwork(req);
  if (!r.has_value()) {
    client_.reset();
  }
  return r;
}

Result<rpc::GcReply> RpcIpamBackend::Gc(const rpc::GcRequest& req) {
  ASSIGN_OR_RETURN(rpc::UnixClient * c, Client());
  auto r = c->Gc(req);
  if (!r.has_value()) {
    client_.reset();
  }
  return r;
}

Result<rpc::StatusReply> RpcIpamBackend::Status(const rpc::StatusRequest& req) {
  ASSIGN_OR_RETURN(rpc::UnixClient * c, Client());
  auto r = c->Status(req);
  if (!r.has_value()) {
    client_.reset();
  }
  return r;
}

namespace {

Result<node::PodNetworkConfig> ToNode(const WiringSpec& spec) {
  node::PodNetworkConfig cfg;
  cfg.netns_path = spec.netns;
  cfg.container_ifname = spec.container_ifname;
  cfg.host_veth_name = spec.host_veth_name;
  ASSIGN_OR_RETURN(cfg.pod_ip, net::IpAddress::Parse(spec.pod_ip));
  cfg.interface_index = 0;
  cfg.mtu = spec.mtu;
  cfg.route_table = spec.route_table;
  return cfg;
}

}  // namespace

std::string KernelPodWiring::HostVethName(std::string_view prefix, std::string_view pod_namespace,
                                          std::string_view pod_name) {
  return node::HostVethName(prefix, pod_namespace, pod_name);
}

Result<WiringResult> KernelPodWiring::Setup(const WiringSpec& spec) {
  ASSIGN_OR_RETURN(node::PodNetworkConfig cfg, ToNode(spec));
  ASSIGN_OR_RETURN(node::PodNetworkResult r, node::SetupPodNetwork(cfg));
  return WiringResult{r.host_veth_mac.ToString(), r.container_mac.ToString()};
}

Result<void> KernelPodWiring::Teardown(const std::string& pod_ip,
                                       const std::string& host_veth_name) {
  node::PodTeardownConfig cfg;
  ASSIGN_OR_RETURN(cfg.pod_ip, net::IpAddress::Parse(pod_ip));
  cfg.host_veth_name = host_veth_name;
  return node::TeardownPodNetwork(cfg);
}

Result<void> KernelPodWiring::Check(const WiringSpec& spec) {
  ASSIGN_OR_RETURN(node::PodNetworkConfig cfg, ToNode(spec));
  RETURN_IF_ERROR(node::CheckPodNetwork(cfg));
  return Ok();
}

}  // namespace vpccni::cni
