// File: datastore_ipam_service.h (test-only)
//
// A test double for ipamd's plugin-facing service: rpc::IpamService over a REAL ipam::Datastore
// holding one secondary ENI (device 1, route table 2) with `count` /32 addresses starting at
// `first`. No EC2, no warm pool, no checkpoint: what plugin spec tests need from ipamd is
// assignment, idempotency, release, GC and status. Thread-safe.
#pragma once

#include <mutex>

#include "ipam/datastore.h"
#include "rpc/ipam_service.h"

namespace vpccni::cnitest {

class DatastoreIpamService : public rpc::IpamService {
 public:
  static Result<std::unique_ptr<DatastoreIpamService>> Create(const std::string& first,
                                                              int count, int device_number = 1);

  Result<rpc::AddNetworkReply> AddNetwork(const rpc::AddNetworkRequest& req) override;
  Result<rpc::DelNetworkReply> DelNetwork(const rpc::DelNetworkRequest& req) override;
  Result<rpc::GcReply> Gc(const rpc::GcRequest& req) override;
  Result<rpc::StatusReply> Status(const rpc::StatusRequest& req) override;

  size_t Assigned() const;

 private:
  explicit DatastoreIpamService(ipam::Datastore ds) : ds_(std::move(ds)) {}
  mutable std::mutex mu_;
  ipam::Datastore ds_;
};

}  // namespace vpccni::cnitest
