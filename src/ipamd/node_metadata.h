// File: node_metadata.h
//
// The instance-metadata port ipamd bootstraps and reconciles from: the instance identity and the
// ENIs attached to it, as IMDS reports them (reference §6.5). Production adapter:
// ImdsNodeMetadata (over cloud::ImdsClient, imds_node_metadata.{h,cc}); tests use fakes.
// Implementations are called from one thread at a time per instance but must tolerate calls
// from different threads (bootstrap, then the reconcile loop).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "cloud/imds_client.h"
#include "net/ip.h"

namespace vpccni::ipamd {

struct InstanceIdentity {
  std::string instance_id;
  std::string instance_type;
  std::string region;
  std::string availability_zone;
  net::Ipv4Address local_ipv4;
  net::MacAddress primary_mac;
};

// One attached ENI as IMDS reports it (local_ipv4s: the first is the ENI primary address).
using AttachedEni = cloud::ImdsEni;

class NodeMetadata {
 public:
  virtual ~NodeMetadata() = default;
  // Errors: kUnavailable when IMDS cannot be reached, kDataLoss on nonsense.
  virtual Result<InstanceIdentity> Identity() = 0;
  // Every attached ENI, ordered by (network card, device number); the primary (device 0 on
  // card 0, or the identity's MAC) flagged.
  virtual Result<std::vector<AttachedEni>> AttachedEnis() = 0;
};

// The production adapter over cloud::ImdsClient (not owned).
class ImdsNodeMetadata : public NodeMetadata {
 public:
  explicit ImdsNodeMetadata(cloud::ImdsClient& imds) : imds_(imds) {}
  Result<InstanceIdentity> Identity() override;
  Result<std::vector<AttachedEni>> AttachedEnis() override { return imds_.GetEnis(); }

 private:
  cloud::ImdsClient& imds_;
};

}  // namespace vpccni::ipamd
