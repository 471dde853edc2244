// File: model_ec2_api.h
//
// ModelEc2Api: an in-process cloud::Ec2Api over a VpcModel, the fake EC2 that ipam/ipamd unit
// tests, simulations and `vpcctl warm-pool` use. Every call takes the shared model's mutex,
// reads the time from the injected Clock, runs the model action and converts the types.
// Errors carry the model's EC2 reason verbatim; their code and message are built exactly as
// HttpEc2Api builds them from an EC2 error reply (cloud::MakeEc2Error with the HTTP status real
// EC2 would send), so code under test sees the same Error either way.
//
// Several ModelEc2Api objects (one per simulated node) may share one SharedVpcModel.
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

#include "base/clock.h"
#include "cloud/ec2_api.h"
#include "vpcsim/model.h"

namespace vpccni::vpcsim {

// A VpcModel behind a mutex. With() runs `f(VpcModel&)` under the lock and returns its result.
class SharedVpcModel {
 public:
  explicit SharedVpcModel(VpcModel model) : model_(std::move(model)) {}

  template <typename F>
  auto With(F&& f) {
    std::lock_guard<std::mutex> lock(mu_);
    return f(model_);
  }

 private:
  std::mutex mu_;
  VpcModel model_;
};

class ModelEc2Api : public cloud::Ec2Api {
 public:
  // `clock` must outlive this object; `model` is shared.
  ModelEc2Api(std::shared_ptr<SharedVpcModel> model, Clock& clock)
      : model_(std::move(model)), clock_(clock) {}

  // Convenience: wraps `model` in a new SharedVpcModel.
  ModelEc2Api(VpcModel model, Clock& clock)
      : ModelEc2Api(std::make_shared<SharedVpcModel>(std::move(model)), clock) {}

  // The shared model (for test setup, fault injection and inspection through With()).
  SharedVpcModel& model() { return *model_; }

  std::shared_ptr<SharedVpcModel> shared_model() const { return model_; }

  Result<cloud::NetworkInterface> CreateNetworkInterface(
      const cloud::CreateNetworkInterfaceRequest& req) override;
  Result<cloud::AttachNetworkInterfaceReply> AttachNetworkInterface(
      const cloud::AttachNetworkInterfaceRequest& req) override;
  Result<void> DetachNetworkInterface(const cloud::DetachNetworkInterfaceRequest& req) override;
  Result<void> DeleteNetworkInterface(const std::string& network_interface_id) override;
  Result<void> ModifyNetworkInterfaceAttribute(
      const cloud::ModifyNetworkInterfaceAttributeRequest& req) override;

  Result<cloud::AssignPrivateIpAddressesReply> AssignPrivateIpAddresses(
      const cloud::AssignPrivateIpAddressesRequest& req) override;
  Result<void> UnassignPrivateIpAddresses(
      const cloud::UnassignPrivateIpAddressesRequest& req) override;
  Result<cloud::AssignIpv6AddressesReply> AssignIpv6Addresses(
      const cloud::AssignIpv6AddressesRequest& req) override;
  Result<cloud::UnassignIpv6AddressesReply> UnassignIpv6Addresses(
      const cloud::UnassignIpv6AddressesRequest& req) override;

  Result<cloud::DescribeNetworkInterfacesPage> DescribeNetworkInterfaces(
      const cloud::DescribeNetworkInterfacesRequest& req) override;
  Result<cloud::DescribeInstancesPage> DescribeInstances(
      const cloud::DescribeInstancesRequest& req) override;
  Result<cloud::DescribeInstanceTypesPage> DescribeInstanceTypes(
      const cloud::DescribeInstanceTypesRequest& req) override;
  Result<cloud::DescribeSubnetsPage> DescribeSubnets(
      const cloud::DescribeSubnetsRequest& req) override;
  Result<cloud::DescribeSecurityGroupsPage> DescribeSecurityGroups(
      const cloud::DescribeSecurityGroupsRequest& req) override;

  Result<void> CreateTags(const cloud::CreateTagsRequest& req) override;
  Result<void> DeleteTags(const cloud::DeleteTagsRequest& req) override;

  Result<cloud::TrunkInterfaceAssociation> AssociateTrunkInterface(
      const cloud::AssociateTrunkInterfaceRequest& req) override;
  Result<void> DisassociateTrunkInterface(const std::string& association_id) override;
  Result<cloud::DescribeTrunkInterfaceAssociationsPage> DescribeTrunkInterfaceAssociations(
      const cloud::DescribeTrunkInterfaceAssociationsRequest& req) override;

 private:
  std::shared_ptr<SharedVpcModel> model_;
  Clock& clock_;
};

// Type conversions (exposed for tests and the simulator).
cloud::NetworkInterface ToCloud(const NetworkInterface& e);
cloud::Subnet ToCloud(const Subnet& s);
cloud::Instance ToCloud(const Instance& i);
cloud::SecurityGroup ToCloud(const SecurityGroup& g);
cloud::TrunkInterfaceAssociation ToCloud(const TrunkInterfaceAssociation& a);
// Re-maps a model error to the Error HttpEc2Api would return for the same EC2 reply.
Error ToCloudError(const Error& e);

}  // namespace vpccni::vpcsim
