#include "datastore_ipam_service.h"

#include <set>

#include "base/clock.h"

namespace vpccni::cnitest {
namespace {

rpc::IpAllocation Alloc(const ipam::Assignment& a) {
  rpc::IpAllocation out;
  if (a.address.IsV4()) {
    out.ipv4_addr = a.address.ToString();
  } else {
    out.ipv6_addr = a.address.ToString();
  }
  out.device_number = a.device_number;
  out.route_table_id = a.route_table;
  return out;
}

}  // namespace

Result<std::unique_ptr<DatastoreIpamService>> DatastoreIpamService::Create(
    const std::string& first, int count, int device_number) {
  ASSIGN_OR_RETURN(net::Ipv4Address base, net::Ipv4Address::Parse(first));
  ipam::Datastore::Options opts;
  ipam::Datastore ds(opts);
  ipam::EniSpec eni;
  eni.id = "eni-test0001";
  eni.device_number = device_number;
  eni.subnet_id = "subnet-test";
  eni.subnet_cidr = net::Ipv4Cidr(base, 16).Masked();
  RETURN_IF_ERROR(ds.AddEni(eni, SystemClock::Get().Now()));
  for (int i = 0; i < count; ++i) {
    RETURN_IF_ERROR(
        ds.AddIpv4Cidr(eni.id, net::Ipv4Cidr(base.Plus(static_cast<uint32_t>(i)), 32), false));
  }
  return std::unique_ptr<DatastoreIpamService>(new DatastoreIpamService(std::move(ds)));
}

Result<rpc::AddNetworkReply> DatastoreIpamService::AddNetwork(const rpc::AddNetworkRequest& req) {
  if (req.container_id.empty() || req.if_name.empty() || req.network_name.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "missing ContainerID, IfName or NetworkName");
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto a = ds_.Assign({req.network_name, req.container_id, req.if_name},
                      {req.k8s_pod_namespace, req.k8s_pod_name, 1}, SystemClock::Get().Now());
  rpc::AddNetworkReply r;
  if (!a.has_value()) {
    r.status = rpc::FailureStatus(a.error());
    if (a.error().code == ErrorCode::kResourceExhausted) {
      r.status.error_reason = std::string(rpc::kErrNoAvailableIp);
    }
    return r;
  }
  r.status.success = true;
  r.ip_allocations = {Alloc(*a)};
  r.vpc_v4_cidrs = {"10.0.0.0/16"};
  return r;
}

Result<rpc::DelNetworkReply> DatastoreIpamService::DelNetwork(const rpc::DelNetworkRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  auto a = ds_.Release({req.network_name, req.container_id, req.if_name},
                       SystemClock::Get().Now());
  rpc::DelNetworkReply r;
  if (!a.has_value()) {
    r.status = rpc::FailureStatus(a.error());
    if (a.error().code == ErrorCode::kNotFound) {
      r.status.error_reason = std::string(rpc::kErrUnknownPod);
    }
    return r;
  }
  r.status.success = true;
  r.ip_allocations = {Alloc(*a)};
  return r;
}

Result<rpc::GcReply> DatastoreIpamService::Gc(const rpc::GcRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<std::pair<std::string, std::string>> valid;
  for (const auto& v : req.valid_attachments) {
    valid.emplace(v.container_id, v.if_name);
  }
  rpc::GcReply r;
  r.status.success = true;
  for (const auto& a : ds_.Assignments()) {
    if (a.key.network_name != req.network_name ||
        valid.count({a.key.container_id, a.key.if_name}) != 0) {
      continue;
    }
    auto released = ds_.Release(a.key, SystemClock::Get().Now());
    if (released.has_value()) {
      r.released.push_back({a.key.container_id, a.key.if_name, a.key.network_name});
      r.released_ips.push_back(Alloc(*released));
    }
  }
  return r;
}

Result<rpc::StatusReply> DatastoreIpamService::Status(const rpc::StatusRequest&) {
  std::lock_guard<std::mutex> lock(mu_);
  auto st = ds_.Stats(SystemClock::Get().Now());
  rpc::StatusReply r;
  r.status.success = true;
  r.ready = true;
  r.total_ips = st.total;
  r.assigned_ips = st.assigned;
  r.available_ips = st.total - st.assigned - st.cooling;
  r.can_assign = r.available_ips > 0;
  return r;
}

size_t DatastoreIpamService::Assigned() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ds_.AssignedCount();
}

}  // namespace vpccni::cnitest
