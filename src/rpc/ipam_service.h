// File: ipam_service.h
//
// The service ipamd implements for the plugin. UnixServer calls it from several connection
// threads at once: implementations must be thread-safe.
#pragma once

#include "base/result.h"
#include "rpc/protocol.h"

namespace vpccni::rpc {

class IpamService {
 public:
  virtual ~IpamService() = default;

  // Assigns (or returns the existing, idempotent by ContainerID+IfName+NetworkName) address(es)
  // for a pod interface. A business failure may be returned either as an Error (the server turns
  // it into Success=false with ErrorCode/ErrorMessage/ErrorReason from the Error) or as a reply
  // with status.success=false. Use reason kErrNoAvailableIp / kErrNotReady where they apply.
  virtual Result<AddNetworkReply> AddNetwork(const AddNetworkRequest& req) = 0;

  // Releases the address(es) of a pod interface and returns them. An unknown key is a failure
  // with reason kErrUnknownPod (the plugin treats it as success).
  virtual Result<DelNetworkReply> DelNetwork(const DelNetworkRequest& req) = 0;

  // Releases every assignment of req.network_name whose (ContainerID, IfName) is not listed.
  virtual Result<GcReply> Gc(const GcRequest& req) = 0;

  // Readiness and pool summary.
  virtual Result<StatusReply> Status(const StatusRequest& req) = 0;
};

// Dispatches one decoded request to `service` and returns the reply, converting an Error result
// into the method's reply with status.success=false. Thread-safe if `service` is.
Reply Dispatch(IpamService& service, const Request& req);

// Decodes one request payload, dispatches it and encodes the reply (an Error reply when the
// payload does not decode). Pure apart from the service call; used by UnixServer and the fuzzer.
std::string HandlePayload(IpamService& service, std::string_view payload);

}  // namespace vpccni::rpc
