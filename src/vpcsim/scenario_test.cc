#include <gtest/gtest.h>

#include "testing/result_matchers.h"
#include "vpcsim/scenario_file.h"

namespace vpccni::vpcsim {
namespace {

constexpr char kScenario[] = R"(
region: us-west-2
default_vpc: false
vpcs:
  - name: main
    cidr: 10.0.0.0/16
    secondary_cidrs: [100.64.0.0/16]
    tags: {team: net}
    subnets:
      - {name: a, az: us-west-2a, cidr: 10.0.0.0/24}
      - name: b
        az: us-west-2b
        cidr: 10.0.1.0/24
        reservations: [{cidr: 10.0.1.64/26, type: prefix}]
    security_groups:
      - {name: nodes, description: node group}
subnets:
  - {name: pods, vpc: main, az: us-west-2a, cidr: 100.64.0.0/20}
instances:
  - {name: node1, type: m5.large, subnet: a, security_groups: [nodes], imds_listen: "127.0.0.1:0"}
faults:
  - {action: AssignPrivateIpAddresses, error_code: InternalError, count: 1}
)";

TEST(ScenarioTest, ParsesAndApplies) {
  ASSERT_OK_AND_ASSIGN(ScenarioSpec spec, ParseScenario(kScenario));
  EXPECT_EQ(spec.region, "us-west-2");
  ASSERT_EQ(spec.vpcs.size(), 1u);
  ASSERT_EQ(spec.subnets.size(), 3u);
  EXPECT_EQ(spec.subnets[2].vpc, "main");
  ASSERT_EQ(spec.instances.size(), 1u);
  EXPECT_EQ(spec.instances[0].imds_listen, std::optional<std::string>("127.0.0.1:0"));
  EXPECT_EQ(spec.faults[0].count, 1);

  VpcModel::Options o;
  o.region = "us-west-2";
  WallTime now = WallTime{} + std::chrono::hours(500000);
  VpcModel model(o, now);
  ASSERT_OK_AND_ASSIGN(AppliedScenario applied, ApplyScenario(spec, model, now));
  ASSERT_EQ(applied.instance_ids.count("node1"), 1u);
  ASSERT_OK_AND_ASSIGN(ImdsView inst, model.CurrentImdsView(applied.instance_ids["node1"]));
  ASSERT_EQ(inst.interfaces.size(), 1u);
  EXPECT_EQ(inst.interfaces[0].subnet_id, applied.subnet_ids["a"]);
  EXPECT_EQ(inst.instance_type, "m5.large");
  auto b = model.GetSubnet(applied.subnet_ids["b"]);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->available_ip_address_count, 256 - 5 - 64);
  EXPECT_EQ(model.Faults().size(), 1u);
}

TEST(ScenarioTest, RejectsBadInput) {
  EXPECT_ERROR_CODE(ParseScenario("vpcs: [ {name: x"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(ParseScenario("colour: blue"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(ParseScenario("vpcs:\n  - {cidr: 10.0.0.0/16}"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(ParseScenario("vpcs: 3"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(ParseScenario("instances:\n  - {name: a, subnet: s, secondary_ips: many}"),
                    ErrorCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(ScenarioSpec spec,
                       ParseScenario("instances:\n  - {name: a, subnet: nowhere}"));
  VpcModel model(VpcModel::Options{}, WallTime{} + std::chrono::hours(500000));
  EXPECT_ERROR_CODE(ApplyScenario(spec, model, WallTime{} + std::chrono::hours(500000)),
                    ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vpccni::vpcsim
