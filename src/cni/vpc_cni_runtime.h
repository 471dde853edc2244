// File: vpc_cni_runtime.h
//
// Production implementations of the vpc-cni ports: RpcIpamBackend talks to ipamd over its Unix
// socket (one connection per plugin run, opened on first use); KernelPodWiring wires pods with
// src/node over rtnetlink in the calling process. Neither is thread-safe (a plugin run is one
// thread).
#pragma once

#include <optional>

#include "cni/vpc_cni.h"
#include "rpc/unix_client.h"

namespace vpccni::cni {

// Client options for ipamd: socket from the config key "ipamdSocket" (read from the raw stdin),
// else env VPCCNI_IPAMD_SOCKET, else /var/run/aws-node/ipamd.sock; connect timeout 2 s, call
// timeout 20 s.
rpc::UnixClientOptions IpamdClientOptions(std::string_view stdin_data);

class RpcIpamBackend : public IpamBackend {
 public:
  explicit RpcIpamBackend(rpc::UnixClientOptions opts) : opts_(std::move(opts)) {}
  Result<rpc::AddNetworkReply> AddNetwork(const rpc::AddNetworkRequest& req) override;
  Result<rpc::DelNetworkReply> DelNetwork(const rpc::DelNetworkRequest& req) override;
  Result<rpc::GcReply> Gc(const rpc::GcRequest& req) override;
  Result<rpc::StatusReply> Status(const rpc::StatusRequest& req) override;

 private:
  Result<rpc::UnixClient*> Client();
  rpc::UnixClientOptions opts_;
  std::optional<rpc::UnixClient> client_;
};

class KernelPodWiring : public PodWiring {
 public:
  std::string HostVethName(std::string_view prefix, std::string_view pod_namespace,
                           std::string_view pod_name) override;
  Result<WiringResult> Setup(const WiringSpec& spec) override;
  Result<void> Teardown(const std::string& pod_ip, const std::string& host_veth_name) override;
  Result<void> Check(const WiringSpec& spec) override;
};

}  // namespace vpccni::cni
