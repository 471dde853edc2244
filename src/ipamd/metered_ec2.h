// File: metered_ec2.h
//
// A cloud::Ec2Api decorator that counts every call in the awscni_* metrics:
// awscni_ec2api_req_count{fn}, awscni_ec2api_error_count{fn},
// awscni_aws_api_latency_ms{api,error,status} and awscni_aws_api_error_count{api,error}
// (error = the EC2 error code, or the canonical code name for transport failures). Thread-safe
// if the wrapped API is. Neither the API nor the metrics are owned.
#pragma once

#include <chrono>
#include <string>
#include <type_traits>

#include "base/clock.h"
#include "cloud/ec2_api.h"
#include "metrics/awscni.h"

namespace vpccni::ipamd {

class MeteredEc2Api : public cloud::Ec2Api {
 public:
  MeteredEc2Api(cloud::Ec2Api& inner, metrics::AwsCniMetrics& metrics, Clock& clock)
      : inner_(inner), metrics_(metrics), clock_(clock) {}

  Result<cloud::NetworkInterface> CreateNetworkInterface(
      const cloud::CreateNetworkInterfaceRequest& req) override {
    return Call("CreateNetworkInterface", [&] { return inner_.CreateNetworkInterface(req); });
  }
  Result<cloud::AttachNetworkInterfaceReply> AttachNetworkInterface(
      const cloud::AttachNetworkInterfaceRequest& req) override {
    return Call("AttachNetworkInterface", [&] { return inner_.AttachNetworkInterface(req); });
  }
  Result<void> DetachNetworkInterface(const cloud::DetachNetworkInterfaceRequest& req) override {
    return Call("DetachNetworkInterface", [&] { return inner_.DetachNetworkInterface(req); });
  }
  Result<void> DeleteNetworkInterface(const std::string& id) override {
    return Call("DeleteNetworkInterface", [&] { return inner_.DeleteNetworkInterface(id); });
  }
  Result<void> ModifyNetworkInterfaceAttribute(
      const cloud::ModifyNetworkInterfaceAttributeRequest& req) override {
    return Call("ModifyNetworkInterfaceAttribute",
                [&] { return inner_.ModifyNetworkInterfaceAttribute(req); });
  }
  Result<cloud::AssignPrivateIpAddressesReply> AssignPrivateIpAddresses(
      const cloud::AssignPrivateIpAddressesRequest& req) override {
    return Call("AssignPrivateIpAddresses", [&] { return inner_.AssignPrivateIpAddresses(req); });
  }
  Result<void> UnassignPrivateIpAddresses(
      const cloud::UnassignPrivateIpAddressesRequest& req) override {
    return Call("UnassignPrivateIpAddresses",
                [&] { return inner_.UnassignPrivateIpAddresses(req); });
  }
  Result<cloud::AssignIpv6AddressesReply> AssignIpv6Addresses(
      const cloud::AssignIpv6AddressesRequest& req) override {
    return Call("AssignIpv6Addresses", [&] { return inner_.AssignIpv6Addresses(req); });
  }
  Result<cloud::UnassignIpv6AddressesReply> UnassignIpv6Addresses(
      const cloud::UnassignIpv6AddressesRequest& req) override {
    return Call("UnassignIpv6Addresses", [&] { return inner_.UnassignIpv6Addresses(req); });
  }
  Result<cloud::DescribeNetworkInterfacesPage> DescribeNetworkInterfaces(
      const cloud::DescribeNetworkInterfacesRequest& req) override {
    return Call("DescribeNetworkInterfaces",
                [&] { return inner_.DescribeNetworkInterfaces(req); });
  }
  Result<cloud::DescribeInstancesPage> DescribeInstances(
      const cloud::DescribeInstancesRequest& req) override {
    return Call("DescribeInstances", [&] { return inner_.DescribeInstances(req); });
  }
  Result<cloud::DescribeInstanceTypesPage> DescribeInstanceTypes(
      const cloud::DescribeInstanceTypesRequest& req) override {
    return Call("DescribeInstanceTypes", [&] { return inner_.DescribeInstanceTypes(req); });
  }
  Result<cloud::DescribeSubnetsPage> DescribeSubnets(
      const cloud::DescribeSubnetsRequest& req) override {
    return Call("DescribeSubnets", [&] { return inner_.DescribeSubnets(req); });
  }
  Result<cloud::DescribeSecurityGroupsPage> DescribeSecurityGroups(
      const cloud::DescribeSecurityGroupsRequest& req) override {
    return Call("DescribeSecurityGroups", [&] { return inner_.DescribeSecurityGroups(req); });
  }
  Result<void> CreateTags(const cloud::CreateTagsRequest& req) override {
    return Call("CreateTags", [&] { return inner_.CreateTags(req); });
  }
  Result<void> DeleteTags(const cloud::DeleteTagsRequest& req) override {
    return Call("DeleteTags", [&] { return inner_.DeleteTags(req); });
  }
  Result<cloud::TrunkInterfaceAssociation> AssociateTrunkInterface(
      const cloud::AssociateTrunkInterfaceRequest& req) override {
    return Call("AssociateTrunkInterface", [&] { return inner_.AssociateTrunkInterface(req); });
  }
  Result<void> DisassociateTrunkInterface(const std::string& id) override {
    return Call("DisassociateTrunkInterface",
                [&] { return inner_.DisassociateTrunkInterface(id); });
  }
  Result<cloud::DescribeTrunkInterfaceAssociationsPage> DescribeTrunkInterfaceAssociations(
      const cloud::DescribeTrunkInterfaceAssociationsRequest& req) override {
    return Call("DescribeTrunkInterfaceAssociations",
                [&] { return inner_.DescribeTrunkInterfaceAssociations(req); });
  }

 private:
  template <typename F>
  std::invoke_result_t<F> Call(const char* api, F&& f) {
    MonoTime start = clock_.Mono();
    auto r = f();
    double ms =
        std::chrono::duration<double, std::milli>(clock_.Mono() - start).count();
    metrics_.ec2api_req_count->Inc({api});
    if (r.has_value()) {
      metrics_.aws_api_latency_ms->Observe({api, "false", "200"}, ms);
    } else {
      const Error& e = r.error();
      std::string code = e.reason.empty() ? std::string(ErrorCodeName(e.code)) : e.reason;
      metrics_.ec2api_error_count->Inc({api});
      metrics_.aws_api_error_count->Inc({api, code});
      metrics_.aws_api_latency_ms->Observe({api, "true", code}, ms);
    }
    return r;
  }

  cloud::Ec2Api& inner_;
  metrics::AwsCniMetrics& metrics_;
  Clock& clock_;
};

}  // namespace vpccni::ipamd
