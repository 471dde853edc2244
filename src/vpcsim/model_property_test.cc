// Property test of the VPC model: seeded random operation sequences; after every step the
// model's invariants hold (CheckInvariants: no address twice in a subnet, counts, per-ENI and
// per-instance limits, index consistency), a failed or read-only call changes nothing, the
// reservation rules hold, and the JSON snapshot round-trips exactly. Bounded to a few seconds.
#include <map>

#include <gtest/gtest.h>

#include "testing/result_matchers.h"
#include "vpcsim/model.h"
#include "vpcsim/model_random_ops.h"
#include "vpcsim/model_test_util.h"

namespace vpccni::vpcsim {
namespace {

using testing_ops::BuildWorld;
using testing_ops::Epoch;
using testing_ops::RngSource;
using testing_ops::RunRandomOp;
using testutil::StateOf;

// Addresses of ENIs never sit where the reservation rules forbid: no /32 inside a prefix
// reservation, no /28 inside an explicit reservation.
void CheckReservationRules(VpcModel& m, WallTime now) {
  for (const auto& sid : m.SubnetIds()) {
    auto res = m.GetSubnetCidrReservations({sid, {}, {}, ""}, now);
    ASSERT_TRUE(res.has_value()) << res.error().ToString();
    for (const auto& eid : m.NetworkInterfaceIds()) {
      auto e = m.GetNetworkInterface(eid);
      if (e->subnet_id != sid)
        continue;
      for (const auto& r : res->subnet_ipv4_cidr_reservations) {
        if (r.reservation_type == "prefix") {
          for (const auto& ip : e->private_ip_addresses) {
            EXPECT_FALSE(r.ipv4_cidr->Contains(ip.address))
                << ip.address.ToString() << " inside prefix reservation " << r.CidrString();
          }
        } else {
          for (const auto& p : e->ipv4_prefixes) {
            EXPECT_FALSE(r.ipv4_cidr->Overlaps(p))
                << p.ToString() << " inside explicit reservation " << r.CidrString();
          }
        }
      }
    }
  }
}

class ModelPropertyTest : public ::testing::TestWithParam<uint64_t> {};

TEST_P(ModelPropertyTest, RandomOperationsKeepInvariants) {
  const uint64_t seed = GetParam();
  VpcModel::Options o;
  o.seed = seed;
  o.attach_delay = std::chrono::milliseconds(800);
  o.detach_delay = std::chrono::milliseconds(600);
  o.imds_history = std::chrono::seconds(30);
  VpcModel m(o, Epoch());
  auto world = BuildWorld(m);
  ASSERT_EQ(world.subnets.size(), 3u);
  ASSERT_OK(m.CheckInvariants());
  RngSource src(seed * 7919 + 1);
  WallTime now = Epoch();
  std::map<std::string, int> ok_by_action;
  std::map<std::string, int> failed_by_action;
  constexpr int kSteps = 500;
  for (int step = 0; step < kSteps; ++step) {
    now += std::chrono::milliseconds(src.Uniform(1500));
    m.Advance(now);
    nlohmann::json before = StateOf(m);
    auto out = RunRandomOp(m, world, src, now);
    (out.ok ? ok_by_action : failed_by_action)[out.action]++;
    if (!out.ok || out.read_only) {
      ASSERT_EQ(StateOf(m), before)
          << "step " << step << ": " << out.action << " changed state; error: " << out.error;
    }
    auto inv = m.CheckInvariants();
    ASSERT_TRUE(inv.has_value()) << "step " << step << " after " << out.action << " ("
                                 << (out.ok ? "ok" : out.error) << "): " << inv.error().ToString();
    if (step % 50 == 0 || step == kSteps - 1) {
      CheckReservationRules(m, now);
      nlohmann::json j = m.ToJson();
      auto restored = VpcModel::FromJsonText(j.dump());
      ASSERT_TRUE(restored.has_value()) << restored.error().ToString();
      ASSERT_EQ(restored->ToJson(), j) << "snapshot did not round-trip at step " << step;
    }
  }
  // The sequence exercised both outcomes of the main actions.
  for (const char* a : {"CreateNetworkInterface", "AttachNetworkInterface",
                        "AssignPrivateIpAddresses", "UnassignPrivateIpAddresses"}) {
    EXPECT_GT(ok_by_action[a], 0) << a;
    EXPECT_GT(failed_by_action[a], 0) << a;
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, ModelPropertyTest, ::testing::Values(1, 2, 3, 42));

}  // namespace
}  // namespace vpccni::vpcsim
