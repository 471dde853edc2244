#include "ipamd/node_metadata.h"

namespace vpccni::ipamd {

Result<InstanceIdentity> ImdsNodeMetadata::Identity() {
  InstanceIdentity id;
  ASSIGN_OR_RETURN(id.instance_id, imds_.InstanceId());
  ASSIGN_OR_RETURN(id.instance_type, imds_.InstanceType());
  ASSIGN_OR_RETURN(id.availability_zone, imds_.AvailabilityZone());
  ASSIGN_OR_RETURN(id.region, imds_.Region());
  ASSIGN_OR_RETURN(id.local_ipv4, imds_.LocalIpv4());
  ASSIGN_OR_RETURN(id.primary_mac, imds_.PrimaryMac());
  return id;
}

}  // namespace vpccni::ipamd
