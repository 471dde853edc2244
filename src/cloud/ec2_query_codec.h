// File: ec2_query_codec.h
//
// The EC2 Query protocol codec, pure: typed requests -> ordered form parameters (botocore's
// EC2Serializer rules: `Action`, `Version`, then members; lists flattened as `Name.N` with 1-based
// N; structures nested with '.'; empty lists and unset optionals omitted; booleans
// "true"/"false"), and XML replies -> typed values (pugixml; namespaces and element order
// ignored, unknown elements skipped, `<return>false</return>` treated as a failure).
//
// Encode* return kInvalidArgument for requests EC2 would reject on their face (a missing
// required ID, a negative count, an Assign/Unassign with nothing to do, a Modify with zero or
// several attributes). Decode* return kDataLoss (reason "MalformedReply") when the body is not
// XML, is not the expected reply element, lacks a required element or holds an unparsable
// address. Thread-safety: all functions are reentrant.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "cloud/ec2_api.h"

namespace vpccni::cloud::codec {

// Ordered form parameters; the body is EncodeQueryString(params) (sigv4.h).
using QueryParams = std::vector<std::pair<std::string, std::string>>;

Result<QueryParams> EncodeCreateNetworkInterface(const CreateNetworkInterfaceRequest& req);
Result<QueryParams> EncodeAttachNetworkInterface(const AttachNetworkInterfaceRequest& req);
Result<QueryParams> EncodeDetachNetworkInterface(const DetachNetworkInterfaceRequest& req);
Result<QueryParams> EncodeDeleteNetworkInterface(const std::string& network_interface_id);
Result<QueryParams> EncodeModifyNetworkInterfaceAttribute(
    const ModifyNetworkInterfaceAttributeRequest& req);
Result<QueryParams> EncodeAssignPrivateIpAddresses(const AssignPrivateIpAddressesRequest& req);
Result<QueryParams> EncodeUnassignPrivateIpAddresses(
    const UnassignPrivateIpAddressesRequest& req);
Result<QueryParams> EncodeAssignIpv6Addresses(const AssignIpv6AddressesRequest& req);
Result<QueryParams> EncodeUnassignIpv6Addresses(const UnassignIpv6AddressesRequest& req);
Result<QueryParams> EncodeDescribeNetworkInterfaces(const DescribeNetworkInterfacesRequest& req);
Result<QueryParams> EncodeDescribeInstances(const DescribeInstancesRequest& req);
Result<QueryParams> EncodeDescribeInstanceTypes(const DescribeInstanceTypesRequest& req);
Result<QueryParams> EncodeDescribeSubnets(const DescribeSubnetsRequest& req);
Result<QueryParams> EncodeDescribeSecurityGroups(const DescribeSecurityGroupsRequest& req);
Result<QueryParams> EncodeCreateTags(const CreateTagsRequest& req);
Result<QueryParams> EncodeDeleteTags(const DeleteTagsRequest& req);
Result<QueryParams> EncodeAssociateTrunkInterface(const AssociateTrunkInterfaceRequest& req);
Result<QueryParams> EncodeDisassociateTrunkInterface(const std::string& association_id);
Result<QueryParams> EncodeDescribeTrunkInterfaceAssociations(
    const DescribeTrunkInterfaceAssociationsRequest& req);

Result<NetworkInterface> DecodeCreateNetworkInterface(std::string_view xml);
Result<AttachNetworkInterfaceReply> DecodeAttachNetworkInterface(std::string_view xml);
Result<AssignPrivateIpAddressesReply> DecodeAssignPrivateIpAddresses(std::string_view xml);
Result<AssignIpv6AddressesReply> DecodeAssignIpv6Addresses(std::string_view xml);
Result<UnassignIpv6AddressesReply> DecodeUnassignIpv6Addresses(std::string_view xml);
Result<DescribeNetworkInterfacesPage> DecodeDescribeNetworkInterfaces(std::string_view xml);
Result<DescribeInstancesPage> DecodeDescribeInstances(std::string_view xml);
Result<DescribeInstanceTypesPage> DecodeDescribeInstanceTypes(std::string_view xml);
Result<DescribeSubnetsPage> DecodeDescribeSubnets(std::string_view xml);
Result<DescribeSecurityGroupsPage> DecodeDescribeSecurityGroups(std::string_view xml);
Result<TrunkInterfaceAssociation> DecodeAssociateTrunkInterface(std::string_view xml);
Result<DescribeTrunkInterfaceAssociationsPage> DecodeDescribeTrunkInterfaceAssociations(
    std::string_view xml);
// For actions without an output shape (Detach/Delete/Modify/Unassign*/CreateTags/DeleteTags/
// DisassociateTrunkInterface): checks the root is <action>Response and that <return>, when
// present, is "true".
Result<void> DecodeReturn(std::string_view action, std::string_view xml);

// The first error of an EC2 error body (`<Response><Errors><Error><Code/><Message/></Error>
// </Errors><RequestID/></Response>`, namespaced or not; also the `<ErrorResponse>` form STS uses).
struct ErrorReply {
  std::string code;
  std::string message;
  std::string request_id;
};
// nullopt when the body is not an EC2/STS error document.
std::optional<ErrorReply> DecodeErrorReply(std::string_view xml);

// The requestId of a success reply ("" when absent).
std::string DecodeRequestId(std::string_view xml);

// Runs the decoder that matches `action` on xml, discarding the value (the fuzz target and the
// generic paths use it). kInvalidArgument for an unknown action.
Result<void> DecodeAny(std::string_view action, std::string_view xml);

// The actions this codec knows, in a stable order.
const std::vector<std::string_view>& KnownActions();

}  // namespace vpccni::cloud::codec
