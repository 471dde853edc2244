#include "ipam/datastore.h"

#include <set>

#include <gtest/gtest.h>

#include "testing/result_matchers.h"

// Designated initializers leave the other members at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace vpccni::ipam {
namespace {

using std::chrono::seconds;

net::Ipv4Cidr C(const std::string& s) {
  return *net::Ipv4Cidr::Parse(s);
}

net::IpAddress A(const std::string& s) {
  return *net::IpAddress::Parse(s);
}

IpamKey K(const std::string& id) {
  return {"aws-cni", id, "eth0"};
}

class DatastoreTest : public ::testing::Test {
 protected:
  WallTime t0_ = FromUnixNanos(1'800'000'000'000'000'000);
};

TEST_F(DatastoreTest, AddEniRejectsDuplicatesAndOtherCards) {
  Datastore ds(Datastore::Options{});
  ASSERT_OK(ds.AddEni({.id = "eni-1", .is_primary = true}, t0_));
  EXPECT_ERROR_CODE(ds.AddEni({.id = "eni-1"}, t0_), ErrorCode::kAlreadyExists);
  EXPECT_ERROR_CODE(ds.AddEni({.id = "eni-2", .network_card = 1}, t0_),
                    ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(ds.AddEni({.id = ""}, t0_), ErrorCode::kInvalidArgument);
}

TEST_F(DatastoreTest, CidrValidation) {
  Datastore ds(Datastore::Options{});
  ASSERT_OK(ds.AddEni({.id = "eni-1"}, t0_));
  ASSERT_OK(ds.AddEni({.id = "eni-2", .device_number = 1}, t0_));
  EXPECT_ERROR_CODE(ds.AddIpv4Cidr("eni-9", C("10.0.0.1/32"), false), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(ds.AddIpv4Cidr("eni-1", C("10.0.0.0/28"), false), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(ds.AddIpv4Cidr("eni-1", C("10.0.0.1/32"), true), ErrorCode::kInvalidArgument);
  ASSERT_OK(ds.AddIpv4Cidr("eni-1", C("10.0.0.16/28"), true));
  EXPECT_ERROR_CODE(ds.AddIpv4Cidr("eni-2", C("10.0.0.17/32"), false), ErrorCode::kAlreadyExists);
  EXPECT_ERROR_CODE(ds.AddIpv4Cidr("eni-1", C("10.0.0.16/28"), true), ErrorCode::kAlreadyExists);
}

TEST_F(DatastoreTest, AssignIsIdempotentAndReportsRouteTable) {
  Datastore ds(Datastore::Options{});
  ASSERT_OK(ds.AddEni({.id = "eni-2", .device_number = 2}, t0_));
  ASSERT_OK(ds.AddIpv4Cidr("eni-2", C("10.0.0.5/32"), false));
  ASSERT_OK(ds.AddIpv4Cidr("eni-2", C("10.0.0.6/32"), false));
  ASSERT_OK_AND_ASSIGN(auto a, ds.Assign(K("c1"), {"ns", "pod", 1}, t0_));
  EXPECT_EQ(a.address, A("10.0.0.5"));
  EXPECT_EQ(a.eni_id, "eni-2");
  EXPECT_EQ(a.device_number, 2);
  EXPECT_EQ(a.route_table, 3);
  ASSERT_OK_AND_ASSIGN(auto again, ds.Assign(K("c1"), {}, t0_ + seconds(5)));
  EXPECT_EQ(again.address, a.address);
  EXPECT_EQ(again.metadata.k8s_name, "pod");
  EXPECT_EQ(ds.AssignedCount(), 1u);
  ASSERT_OK_AND_ASSIGN(auto b, ds.Assign(K("c2"), {}, t0_));
  EXPECT_EQ(b.address, A("10.0.0.6"));
  EXPECT_ERROR_CODE(ds.Assign(K("c3"), {}, t0_), ErrorCode::kResourceExhausted);
  EXPECT_ERROR_CODE(ds.Assign(IpamKey{}, {}, t0_), ErrorCode::kInvalidArgument);
}

TEST_F(DatastoreTest, RouteTables) {
  EXPECT_EQ(RouteTableFor(0, 0), 1);
  EXPECT_EQ(RouteTableFor(1, 0), 2);
  EXPECT_EQ(RouteTableFor(1, 1), 10101);
  EXPECT_EQ(RouteTableFor(3, 2), 10203);
}

TEST_F(DatastoreTest, CooldownBlocksReuseAndLeastRecentlyReleasedWins) {
  Datastore ds(Datastore::Options{});
  ASSERT_OK(ds.AddEni({.id = "eni-1"}, t0_));
  for (const char* ip : {"10.0.0.1/32", "10.0.0.2/32", "10.0.0.3/32"}) {
    ASSERT_OK(ds.AddIpv4Cidr("eni-1", C(ip), false));
  }
  ASSERT_OK(ds.Assign(K("a"), {}, t0_));  // .1
  ASSERT_OK(ds.Assign(K("b"), {}, t0_));  // .2
  ASSERT_OK(ds.Release(K("b"), t0_ + seconds(1)));
  ASSERT_OK(ds.Release(K("a"), t0_ + seconds(2)));
  auto stats = ds.Stats(t0_ + seconds(3));
  EXPECT_EQ(stats.cooling, 2);
  EXPECT_EQ(stats.Available(false), 1);
  EXPECT_EQ(stats.Available(true), 3);
  // Only the never-used .3 is usable during cool-down.
  ASSERT_OK_AND_ASSIGN(auto c, ds.Assign(K("c"), {}, t0_ + seconds(10)));
  EXPECT_EQ(c.address, A("10.0.0.3"));
  EXPECT_ERROR_CODE(ds.Assign(K("d"), {}, t0_ + seconds(30)), ErrorCode::kResourceExhausted);
  // .2 was released first: it comes back first once both cooled.
  ASSERT_OK_AND_ASSIGN(auto d, ds.Assign(K("d"), {}, t0_ + seconds(40)));
  EXPECT_EQ(d.address, A("10.0.0.2"));
  EXPECT_TRUE(ds.Cooldowns(t0_ + seconds(40)).empty());
}

TEST_F(DatastoreTest, CooldownPeriodIsConfigurable) {
  Datastore ds(Datastore::Options{.cooldown = seconds(0)});
  ASSERT_OK(ds.AddEni({.id = "eni-1"}, t0_));
  ASSERT_OK(ds.AddIpv4Cidr("eni-1", C("10.0.0.1/32"), false));
  ASSERT_OK(ds.Assign(K("a"), {}, t0_));
  ASSERT_OK(ds.Release(K("a"), t0_));
  EXPECT_OK(ds.Assign(K("b"), {}, t0_));
}

TEST_F(DatastoreTest, PrefixModePrefersPartlyUsedPrefixes) {
  Datastore ds(Datastore::Options{.prefix_delegation = true});
  ASSERT_OK(ds.AddEni({.id = "eni-0", .is_primary = true}, t0_));
  ASSERT_OK(ds.AddEni({.id = "eni-1", .device_number = 1}, t0_));
  ASSERT_OK(ds.AddIpv4Cidr("eni-0", C("10.0.1.0/28"), true));
  ASSERT_OK(ds.AddIpv4Cidr("eni-1", C("10.0.2.0/28"), true));
  ASSERT_OK(ds.AddIpv4Cidr("eni-1", C("10.0.3.7/32"), false));  // ignored in PD mode
  // Mark an address of the second ENI's prefix used: that prefix is now partly used.
  ASSERT_OK(ds.AssignAddress(K("x"), {}, A("10.0.2.5"), t0_));
  ASSERT_OK_AND_ASSIGN(auto a, ds.Assign(K("a"), {}, t0_));
  EXPECT_EQ(a.address, A("10.0.2.0")) << "all 16 addresses of a /28 are usable, .0 included";
  for (int i = 0; i < 14; ++i) {
    ASSERT_OK(ds.Assign(K("p" + std::to_string(i)), {}, t0_));
  }
  ASSERT_OK_AND_ASSIGN(auto next, ds.Assign(K("b"), {}, t0_));
  EXPECT_EQ(next.address, A("10.0.1.0")) << "the second prefix only when the first is full";
  auto stats = ds.Stats(t0_);
  EXPECT_EQ(stats.total, 32);
  EXPECT_EQ(stats.assigned, 17);
  EXPECT_EQ(stats.total_prefixes, 2);
  EXPECT_EQ(stats.free_prefixes, 0);
  EXPECT_EQ(ds.FreeableIps().size(), 1u);
  EXPECT_TRUE(ds.FreeablePrefixes().empty());
}

TEST_F(DatastoreTest, ExcludedEnisGetNoPodsAndAreNotCounted) {
  Datastore ds(Datastore::Options{});
  ASSERT_OK(ds.AddEni({.id = "eni-1", .device_number = 1, .is_excluded = true}, t0_));
  ASSERT_OK(ds.AddIpv4Cidr("eni-1", C("10.0.0.1/32"), false));
  EXPECT_ERROR_CODE(ds.Assign(K("a"), {}, t0_), ErrorCode::kResourceExhausted);
  auto stats = ds.Stats(t0_);
  EXPECT_EQ(stats.total, 0);
  EXPECT_EQ(stats.excluded_eni_count, 1);
}

TEST_F(DatastoreTest, ReleaseByKeyAndByAddress) {
  Datastore ds(Datastore::Options{});
  ASSERT_OK(ds.AddEni({.id = "eni-1"}, t0_));
  ASSERT_OK(ds.AddIpv4Cidr("eni-1", C("10.0.0.1/32"), false));
  ASSERT_OK(ds.AddIpv4Cidr("eni-1", C("10.0.0.2/32"), false));
  ASSERT_OK(ds.Assign(K("a"), {"ns", "a", 1}, t0_));
  ASSERT_OK(ds.Assign(K("b"), {}, t0_));
  ASSERT_OK_AND_ASSIGN(auto ra, ds.Release(K("a"), t0_));
  EXPECT_EQ(ra.address, A("10.0.0.1"));
  EXPECT_EQ(ra.metadata.k8s_name, "a");
  EXPECT_ERROR_CODE(ds.Release(K("a"), t0_), ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto rb, ds.ReleaseAddress(A("10.0.0.2"), t0_));
  EXPECT_EQ(rb.key, K("b"));
  EXPECT_ERROR_CODE(ds.ReleaseAddress(A("10.0.0.2"), t0_), ErrorCode::kNotFound);
  EXPECT_FALSE(ds.Find(K("b")).has_value());
}

TEST_F(DatastoreTest, RemoveRespectsAssignmentsUnlessForced) {
  Datastore ds(Datastore::Options{});
  ASSERT_OK(ds.AddEni({.id = "eni-1", .device_number = 1}, t0_));
  ASSERT_OK(ds.AddIpv4Cidr("eni-1", C("10.0.0.1/32"), false));
  ASSERT_OK(ds.Assign(K("a"), {}, t0_));
  EXPECT_ERROR_CODE(ds.RemoveIpv4Cidr("eni-1", C("10.0.0.1/32"), false),
                    ErrorCode::kFailedPrecondition);
  EXPECT_ERROR_CODE(ds.RemoveEni("eni-1", false), ErrorCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(auto dropped, ds.RemoveEni("eni-1", true));
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].key, K("a"));
  EXPECT_FALSE(ds.Find(K("a")).has_value());
  EXPECT_ERROR_CODE(ds.RemoveEni("eni-1", true), ErrorCode::kNotFound);
}

TEST_F(DatastoreTest, AssignAddressRestoresAndDetectsConflicts) {
  Datastore ds(Datastore::Options{.prefix_delegation = true});
  ASSERT_OK(ds.AddEni({.id = "eni-1"}, t0_));
  ASSERT_OK(ds.AddIpv4Cidr("eni-1", C("10.0.0.16/28"), true));
  ASSERT_OK(ds.AssignAddress(K("a"), {}, A("10.0.0.20"), t0_));
  EXPECT_ERROR_CODE(ds.AssignAddress(K("b"), {}, A("10.0.0.20"), t0_), ErrorCode::kAlreadyExists);
  EXPECT_ERROR_CODE(ds.AssignAddress(K("a"), {}, A("10.0.0.21"), t0_), ErrorCode::kAlreadyExists);
  EXPECT_ERROR_CODE(ds.AssignAddress(K("c"), {}, A("10.9.0.1"), t0_), ErrorCode::kNotFound);
  ASSERT_OK(ds.RestoreCooldown(A("10.0.0.21"), t0_ + seconds(20)));
  EXPECT_TRUE(ds.InCooldown(A("10.0.0.21"), t0_ + seconds(19)));
  EXPECT_FALSE(ds.InCooldown(A("10.0.0.21"), t0_ + seconds(20)));
  EXPECT_ERROR_CODE(ds.RestoreCooldown(A("10.0.0.20"), t0_), ErrorCode::kFailedPrecondition);
}

TEST_F(DatastoreTest, Ipv6AssignsFromPrefix) {
  Datastore ds(Datastore::Options{.prefix_delegation = true, .ipv6 = true});
  ASSERT_OK(ds.AddEni({.id = "eni-0", .is_primary = true}, t0_));
  EXPECT_ERROR_CODE(ds.Assign(K("a"), {}, t0_), ErrorCode::kResourceExhausted);
  ASSERT_OK(ds.AddIpv6Prefix("eni-0", *net::Ipv6Cidr::Parse("2001:db8:0:1:2::/80")));
  ASSERT_OK_AND_ASSIGN(auto a, ds.Assign(K("a"), {}, t0_));
  EXPECT_EQ(a.address.ToString(), "2001:db8:0:1:2::1");
  ASSERT_OK_AND_ASSIGN(auto b, ds.Assign(K("b"), {}, t0_));
  EXPECT_EQ(b.address.ToString(), "2001:db8:0:1:2::2");
  ASSERT_OK(ds.Release(K("a"), t0_));
  ASSERT_OK_AND_ASSIGN(auto c, ds.Assign(K("c"), {}, t0_ + seconds(1)));
  EXPECT_EQ(c.address.ToString(), "2001:db8:0:1:2::3") << "::1 is cooling";
  ASSERT_OK_AND_ASSIGN(auto d, ds.Assign(K("d"), {}, t0_ + seconds(60)));
  EXPECT_EQ(d.address.ToString(), "2001:db8:0:1:2::1");
  // Stats: the /80 and its assignments are counted apart from the IPv4 warm-pool figures.
  PoolStats stats = ds.Stats(t0_ + seconds(60));
  EXPECT_EQ(stats.ipv6_prefixes, 1);
  EXPECT_EQ(stats.ipv6_assigned, 3);
  EXPECT_EQ(stats.enis.at(0).ipv6_assigned, 3);
  EXPECT_EQ(stats.total, 0);
  EXPECT_EQ(stats.assigned, 0);
}

TEST_F(DatastoreTest, MixedModeUsesBothKinds) {
  Datastore ds(Datastore::Options{.prefix_delegation = true, .mixed = true});
  ASSERT_OK(ds.AddEni({.id = "eni-0"}, t0_));
  ASSERT_OK(ds.AddIpv4Cidr("eni-0", C("10.0.0.7/32"), false));
  auto stats = ds.Stats(t0_);
  EXPECT_EQ(stats.total, 1);
  ASSERT_OK_AND_ASSIGN(auto a, ds.Assign(K("a"), {}, t0_));
  EXPECT_EQ(a.address, A("10.0.0.7"));
}

TEST_F(DatastoreTest, ManyAssignmentsAreUnique) {
  Datastore ds(Datastore::Options{.prefix_delegation = true});
  ASSERT_OK(ds.AddEni({.id = "eni-0"}, t0_));
  for (int p = 0; p < 8; ++p) {
    ASSERT_OK(
        ds.AddIpv4Cidr("eni-0", net::Ipv4Cidr(net::Ipv4Address(0x0A000000u + 16 * p), 28), true));
  }
  std::set<net::IpAddress> seen;
  for (int i = 0; i < 128; ++i) {
    ASSERT_OK_AND_ASSIGN(auto a, ds.Assign(K("c" + std::to_string(i)), {}, t0_));
    EXPECT_TRUE(seen.insert(a.address).second) << a.address.ToString();
  }
  EXPECT_ERROR_CODE(ds.Assign(K("x"), {}, t0_), ErrorCode::kResourceExhausted);
  EXPECT_EQ(ds.Assignments().size(), 128u);
}

}  // namespace
}  // namespace vpccni::ipam
