// File: protocol.h
//
// The plugin <-> ipamd protocol: versioned JSON messages carried in length-prefixed frames over a
// Unix stream socket. Pure value types and a codec (no I/O); the transport lives in unix_server.h
// and unix_client.h.
//
// Wire format
//   frame   = 4-byte big-endian payload length N (1 <= N <= max frame size) + N bytes of JSON.
//   request = {"Version":1,"Method":"AddNetwork"|"DelNetwork"|"Gc"|"Status","Request":{...}}
//   reply   = {"Version":1,"Method":<same>,"Reply":{...}}
//           | {"Version":1,"Method":"Error","Error":{"Code":"<ErrorCodeName>","Message":"..."}}
// A connection carries any number of request/reply pairs in order; the client in this project
// sends one. Field names of AddNetwork/DelNetwork follow the upstream proto (§2.2 of the
// reference) so that logs and captures read the same. Unknown JSON keys are ignored (forward
// compatibility); missing optional keys take their defaults; wrong JSON types are errors.
//
// Versioning: kProtocolVersion is bumped only for incompatible changes. A server accepts
// versions in [kMinProtocolVersion, kProtocolVersion] and answers a request of any other version
// with an Error reply of code failed_precondition. ClientVersion is the build version string of
// the plugin; it is informational (logged), not checked.
//
// Business failures (no address available, unknown pod, ...) are replies with Success=false and
// ErrorCode/ErrorMessage/ErrorReason set; the "Error" reply is for protocol-level failures
// (undecodable request, unsupported version, peer not allowed, handler crashed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"

namespace vpccni::rpc {

inline constexpr int kProtocolVersion = 1;
inline constexpr int kMinProtocolVersion = 1;
// Default largest accepted frame payload (both directions).
inline constexpr uint32_t kMaxFrameBytes = 1u << 20;
inline constexpr size_t kFrameHeaderBytes = 4;

inline constexpr std::string_view kDefaultSocketPath = "/var/run/aws-node/ipamd.sock";
// Environment variable overriding the socket path (plugin and ipamd).
inline constexpr std::string_view kSocketPathEnv = "VPCCNI_IPAMD_SOCKET";

// DelNetwork reasons sent by the plugin (also the label of awscni_del_ip_req_count{reason}).
inline constexpr std::string_view kReasonPodDeleted = "PodDeleted";
inline constexpr std::string_view kReasonSetupNsFailed = "SetupNSFailed";
inline constexpr std::string_view kReasonGc = "GarbageCollected";

// Machine-readable ErrorReason values in failed replies (Success=false).
// DelNetwork for a key ipamd does not know: the plugin treats it as success.
inline constexpr std::string_view kErrUnknownPod = "UnknownPod";
// AddNetwork when the warm pool has no free address right now (plugin maps to CNI code 11).
inline constexpr std::string_view kErrNoAvailableIp = "NoAvailableIP";
// Any request before ipamd finished bootstrapping (plugin maps to CNI code 11).
inline constexpr std::string_view kErrNotReady = "NotReady";

struct AddNetworkRequest {
  std::string client_version;              // "ClientVersion"
  std::string k8s_pod_name;                // "K8S_POD_NAME"
  std::string k8s_pod_namespace;           // "K8S_POD_NAMESPACE"
  std::string k8s_pod_infra_container_id;  // "K8S_POD_INFRA_CONTAINER_ID"
  std::string k8s_pod_uid;                 // "K8S_POD_UID"
  std::string container_id;                // "ContainerID"  (key part 1)
  std::string if_name;                     // "IfName"       (key part 2)
  std::string network_name;                // "NetworkName"  (key part 3)
  std::string netns;                       // "Netns"
  bool requires_multi_nic_attachment = false;  // "RequiresMultiNICAttachment"

  bool operator==(const AddNetworkRequest&) const = default;
};

// One address handed to (or released from) a pod interface.
struct IpAllocation {
  std::string ipv4_addr;   // "IPv4Addr", dotted quad without prefix length; empty when none
  std::string ipv6_addr;   // "IPv6Addr"; empty when none
  int32_t device_number = 0;   // "DeviceNumber": ENI device number (-1 for branch ENIs)
  int32_t route_table_id = 0;  // "RouteTableId": ENI route table (254 = main for the primary ENI)

  bool operator==(const IpAllocation&) const = default;
};

// Fields every reply carries.
struct ReplyStatus {
  bool success = false;        // "Success"
  std::string error_code;      // "ErrorCode": ErrorCodeName() of the failure; empty on success
  std::string error_message;   // "ErrorMessage"
  std::string error_reason;    // "ErrorReason": one of kErr* or another stable token

  bool operator==(const ReplyStatus&) const = default;
};

struct AddNetworkReply {
  ReplyStatus status;
  std::vector<IpAllocation> ip_allocations;  // "IPAllocations"
  bool use_external_snat = false;            // "UseExternalSNAT"
  std::vector<std::string> vpc_v4_cidrs;     // "VPCv4CIDRs"
  std::vector<std::string> vpc_v6_cidrs;     // "VPCv6CIDRs"
  int32_t pod_vlan_id = 0;                   // "PodVlanId" (0 = not a branch-ENI pod)
  std::string pod_eni_mac;                   // "PodENIMAC"
  std::string pod_eni_subnet_gw;             // "PodENISubnetGW"
  int32_t parent_if_index = 0;               // "ParentIfIndex"
  std::string network_policy_mode;           // "NetworkPolicyMode"

  bool operator==(const AddNetworkReply&) const = default;
};

struct DelNetworkRequest {
  std::string client_version;              // "ClientVersion"
  std::string k8s_pod_name;                // "K8S_POD_NAME"
  std::string k8s_pod_namespace;           // "K8S_POD_NAMESPACE"
  std::string k8s_pod_infra_container_id;  // "K8S_POD_INFRA_CONTAINER_ID"
  std::string k8s_pod_uid;                 // "K8S_POD_UID"
  std::string reason;                      // "Reason": kReasonPodDeleted / kReasonSetupNsFailed
  std::string container_id;                // "ContainerID"
  std::string if_name;                     // "IfName"
  std::string network_name;                // "NetworkName"
  std::string netns;                       // "Netns" (may be empty on a repeated DEL)

  bool operator==(const DelNetworkRequest&) const = default;
};

struct DelNetworkReply {
  ReplyStatus status;
  std::vector<IpAllocation> ip_allocations;  // "IPAllocations": what was released
  int32_t pod_vlan_id = 0;                   // "PodVlanId"
  std::string network_policy_mode;           // "NetworkPolicyMode"

  bool operator==(const DelNetworkReply&) const = default;
};

// The (ContainerID, IfName, NetworkName) key of one attachment.
struct Attachment {
  std::string container_id;  // "ContainerID"
  std::string if_name;       // "IfName"
  std::string network_name;  // "NetworkName" (empty in ValidAttachments: the request's is used)

  bool operator==(const Attachment&) const = default;
  auto operator<=>(const Attachment&) const = default;
};

// CNI 1.1.0 GC: the runtime lists every attachment still valid for NetworkName; ipamd releases
// (through the cool-down, like DelNetwork) every assignment of that network not in the list.
// ipamd must not release an assignment made after it started handling the GC request.
struct GcRequest {
  std::string client_version;                  // "ClientVersion"
  std::string network_name;                    // "NetworkName"
  std::vector<Attachment> valid_attachments;   // "ValidAttachments"

  bool operator==(const GcRequest&) const = default;
};

struct GcReply {
  ReplyStatus status;
  std::vector<Attachment> released;            // "Released"
  std::vector<IpAllocation> released_ips;      // "ReleasedIPs"

  bool operator==(const GcReply&) const = default;
};

// CNI 1.1.0 STATUS: is ipamd ready and can it assign an address right now.
struct StatusRequest {
  std::string client_version;  // "ClientVersion"

  bool operator==(const StatusRequest&) const = default;
};

struct StatusReply {
  ReplyStatus status;           // Success=true when the request was understood
  bool ready = false;           // "Ready": bootstrap finished, serving
  bool can_assign = false;      // "CanAssign": at least one free address/prefix slot now
  int64_t total_ips = 0;        // "TotalIPs"
  int64_t assigned_ips = 0;     // "AssignedIPs"
  int64_t available_ips = 0;    // "AvailableIPs" (free and not cooling)
  std::string message;          // "Message": human-readable detail

  bool operator==(const StatusReply&) const = default;
};

// Protocol-level failure reply ("Method":"Error").
struct ErrorReply {
  ErrorCode code = ErrorCode::kInternal;  // "Code": ErrorCodeName()
  std::string message;                    // "Message"

  bool operator==(const ErrorReply&) const = default;
};

enum class Method { kAddNetwork, kDelNetwork, kGc, kStatus, kError };
// "AddNetwork", "DelNetwork", "Gc", "Status", "Error".
std::string_view MethodName(Method m);

using Request = std::variant<AddNetworkRequest, DelNetworkRequest, GcRequest, StatusRequest>;
using Reply = std::variant<AddNetworkReply, DelNetworkReply, GcReply, StatusReply, ErrorReply>;

Method MethodOf(const Request& r);
Method MethodOf(const Reply& r);

// Builds a failed ReplyStatus from an Error (code name, ToString() message, reason).
ReplyStatus FailureStatus(const Error& e);
// Converts a failed ReplyStatus back into an Error (code parsed from ErrorCode, kInternal when
// unknown); on a successful status returns an empty-message kInternal error (do not call then).
Error StatusToError(const ReplyStatus& s);
// Parses an ErrorCodeName() back; kInvalidArgument for unknown names.
Result<ErrorCode> ParseErrorCode(std::string_view name);

// JSON text of a request envelope (no frame header). `version` lets tests speak other versions.
std::string EncodeRequest(const Request& r, int version = kProtocolVersion);
// Parses a request envelope. Errors: kInvalidArgument (not JSON, wrong types, missing Method or
// Request), kFailedPrecondition (Version outside the supported range), kUnimplemented (unknown
// Method).
Result<Request> DecodeRequest(std::string_view json);

std::string EncodeReply(const Reply& r, int version = kProtocolVersion);
// Parses a reply envelope. Errors as DecodeRequest.
Result<Reply> DecodeReply(std::string_view json);

// Prepends the 4-byte big-endian length. The payload must not exceed UINT32_MAX bytes.
std::string EncodeFrame(std::string_view payload);
// Validates a frame header: kInvalidArgument when the length is 0 or larger than max_bytes.
Result<uint32_t> DecodeFrameHeader(const uint8_t header[kFrameHeaderBytes], uint32_t max_bytes);
// Splits one complete frame at the start of `buf`. Returns the payload; `consumed` gets the total
// bytes used. kInvalidArgument on a bad header, kUnavailable when `buf` holds an incomplete frame.
Result<std::string_view> DecodeFrame(std::string_view buf, uint32_t max_bytes, size_t* consumed);

}  // namespace vpccni::rpc
