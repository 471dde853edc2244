#include "ipam/checkpoint.h"

#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "testing/result_matchers.h"

// Designated initializers leave the other members at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace vpccni::ipam {
namespace {

using std::chrono::seconds;

net::IpAddress A(const std::string& s) {
  return *net::IpAddress::Parse(s);
}

TEST(Checkpoint, RoundTripsDatastore) {
  WallTime t0 = FromUnixNanos(1'800'000'000'123'456'789);
  Datastore ds(Datastore::Options{.prefix_delegation = true});
  ASSERT_OK(ds.AddEni({.id = "eni-1"}, t0));
  ASSERT_OK(ds.AddIpv4Cidr("eni-1", *net::Ipv4Cidr::Parse("10.0.0.16/28"), true));
  ASSERT_OK(ds.Assign({"aws-cni", "c1", "eth0"}, {"default", "web-1", 1}, t0));
  ASSERT_OK(ds.Assign({"aws-cni", "c2", "eth0"}, {"kube-system", "dns", 0}, t0));
  ASSERT_OK(ds.Assign({"aws-cni", "c3", "eth0"}, {}, t0));
  ASSERT_OK(ds.Release({"aws-cni", "c2", "eth0"}, t0 + seconds(5)));

  Checkpoint cp = SnapshotDatastore(ds, t0 + seconds(10));
  ASSERT_EQ(cp.allocations.size(), 2u);
  ASSERT_EQ(cp.cooldowns.size(), 1u);
  EXPECT_EQ(cp.cooldowns[0].until, t0 + seconds(35));
  std::string text = EncodeCheckpoint(cp);
  EXPECT_NE(text.find("\"version\":\"vpc-cni-ipam/2\""), std::string::npos);
  ASSERT_OK_AND_ASSIGN(Checkpoint back, DecodeCheckpoint(text));
  EXPECT_EQ(back, cp);

  // Restore into a fresh datastore with the same CIDRs (what ipamd rebuilt from IMDS/EC2).
  Datastore fresh(Datastore::Options{.prefix_delegation = true});
  ASSERT_OK(fresh.AddEni({.id = "eni-1"}, t0));
  ASSERT_OK(fresh.AddIpv4Cidr("eni-1", *net::Ipv4Cidr::Parse("10.0.0.16/28"), true));
  RestoreReport report = RestoreDatastore(back, fresh);
  EXPECT_EQ(report.restored, 2);
  EXPECT_EQ(report.cooldowns_restored, 1);
  EXPECT_TRUE(report.dropped.empty());
  EXPECT_EQ(fresh.Assignments(), ds.Assignments());
  EXPECT_TRUE(fresh.InCooldown(cp.cooldowns[0].address, t0 + seconds(34)));
  // The cooled address is not handed out after the restart.
  ASSERT_OK_AND_ASSIGN(auto a, fresh.Assign({"aws-cni", "c4", "eth0"}, {}, t0 + seconds(20)));
  EXPECT_NE(a.address, cp.cooldowns[0].address);
}

// ipamd's hot-path encoder writes byte for byte what the snapshot encoder writes: ordered by
// address across ENIs, escaped names, IPv6, cool-downs.
TEST(Checkpoint, CachingEncoderEqualsSnapshotEncoder) {
  WallTime t0 = FromUnixNanos(1'800'000'000'000'000'000);
  WallTime now = t0 + seconds(2);
  auto check = [now](const Datastore& ds, size_t allocations, size_t cooldowns) {
    std::string fast = CheckpointEncoder().Encode(ds, now);
    EXPECT_EQ(fast, EncodeCheckpoint(SnapshotDatastore(ds, now)));
    ASSERT_OK_AND_ASSIGN(Checkpoint back, DecodeCheckpoint(fast));
    EXPECT_EQ(back, SnapshotDatastore(ds, now));
    EXPECT_EQ(back.allocations.size(), allocations);
    EXPECT_EQ(back.cooldowns.size(), cooldowns);
  };
  Datastore v4(Datastore::Options{});
  ASSERT_OK(v4.AddEni({.id = "eni-a"}, t0));
  ASSERT_OK(v4.AddEni({.id = "eni-b", .device_number = 1}, t0));
  ASSERT_OK(v4.AddIpv4Cidr("eni-a", *net::Ipv4Cidr::Parse("10.0.9.7/32"), false));
  ASSERT_OK(v4.AddIpv4Cidr("eni-b", *net::Ipv4Cidr::Parse("10.0.1.200/32"), false));
  ASSERT_OK(v4.AddIpv4Cidr("eni-b", *net::Ipv4Cidr::Parse("10.0.1.201/32"), false));
  ASSERT_OK(v4.Assign({"aws-cni", "c1", "eth0"}, {"we\"ird\\ns\n", "p\u00e9d\x01", 1}, t0));
  ASSERT_OK(v4.Assign({"aws-cni", "c2", "eth0"}, {"default", "two", 0}, t0));
  ASSERT_OK(v4.Assign({"aws-cni", "c3", "eth0"}, {}, t0));
  ASSERT_OK(v4.Release({"aws-cni", "c2", "eth0"}, t0 + seconds(1)));
  check(v4, 2, 1);

  Datastore v6(Datastore::Options{.ipv6 = true});
  ASSERT_OK(v6.AddEni({.id = "eni-a"}, t0));
  ASSERT_OK(v6.AddIpv6Prefix("eni-a", *net::Ipv6Cidr::Parse("2600:1f14:1:2:3::/80")));
  ASSERT_OK(v6.Assign({"aws-cni", "c1", "eth0"}, {"ns", "v6", 1}, t0));
  ASSERT_OK(v6.Assign({"aws-cni", "c2", "eth0"}, {"ns", "gone", 1}, t0));
  ASSERT_OK(v6.Release({"aws-cni", "c2", "eth0"}, t0 + seconds(1)));
  check(v6, 1, 1);
}

// The caching encoder never serves a stale allocation: after every step of a random churn
// (addresses reused by other pods, the same pod re-assigned later, metadata changes, CIDRs
// removed) it writes exactly what the snapshot encoder writes.
TEST(Checkpoint, CachingEncoderMatchesThePlainEncoderThroughChurn) {
  WallTime t = FromUnixNanos(1'800'000'000'000'000'000);
  Datastore ds(Datastore::Options{.cooldown = std::chrono::seconds(0)});
  ASSERT_OK(ds.AddEni({.id = "eni-a"}, t));
  ASSERT_OK(ds.AddEni({.id = "eni-b", .device_number = 1}, t));
  for (int i = 0; i < 6; ++i) {
    ASSERT_OK(ds.AddIpv4Cidr(i % 2 ? "eni-a" : "eni-b",
                             *net::Ipv4Cidr::Parse(fmt::format("10.0.{}.{}/32", 9 - i, 7 + i)),
                             false));
  }
  CheckpointEncoder enc;
  {
    // One address changes hands within one instant: only the key tells the two apart.
    Datastore one(Datastore::Options{.cooldown = std::chrono::seconds(0)});
    ASSERT_OK(one.AddEni({.id = "eni-a"}, t));
    ASSERT_OK(one.AddIpv4Cidr("eni-a", *net::Ipv4Cidr::Parse("10.0.0.9/32"), false));
    ASSERT_OK(one.Assign({"aws-cni", "a", "eth0"}, {"ns", "p", 1}, t));
    CheckpointEncoder e1;
    ASSERT_EQ(e1.Encode(one, t), EncodeCheckpoint(SnapshotDatastore(one, t)));
    ASSERT_OK(one.Release({"aws-cni", "a", "eth0"}, t));
    ASSERT_OK(one.Assign({"aws-cni", "b", "eth0"}, {"ns", "p", 1}, t));
    EXPECT_EQ(e1.Encode(one, t), EncodeCheckpoint(SnapshotDatastore(one, t)));
    ASSERT_OK(one.Release({"aws-cni", "b", "eth0"}, t));
    ASSERT_OK(one.Assign({"aws-cni", "b", "eth0"}, {"ns", "q", 1}, t));  // metadata only
    EXPECT_EQ(e1.Encode(one, t), EncodeCheckpoint(SnapshotDatastore(one, t)));
  }
  std::mt19937 rng(7);
  int removed = 0;
  for (int step = 0; step < 400; ++step) {
    // Often no time passes: an address can go to another pod within the same instant.
    t += std::chrono::milliseconds(rng() % 3 == 0 ? 1 : 0);
    std::string pod = fmt::format("c{}", rng() % 8);
    switch (rng() % 4) {
      case 0:
      case 1:
        (void)ds.Assign({"aws-cni", pod, "eth0"}, {"ns", pod + (rng() % 2 ? "x" : ""), 1}, t);
        break;
      case 2:
        (void)ds.Release({"aws-cni", pod, "eth0"}, t);
        break;
      default:
        if (step == 300 && removed == 0) {  // a CIDR goes (and its pod with it)
          (void)ds.RemoveIpv4Cidr("eni-a", *net::Ipv4Cidr::Parse("10.0.8.8/32"), true);
          removed = 1;
        }
    }
    ASSERT_EQ(enc.Encode(ds, t), EncodeCheckpoint(SnapshotDatastore(ds, t))) << "step " << step;
  }
  EXPECT_GT(ds.AssignedCount(), 0U);
}

TEST(Checkpoint, DecodesUpstreamV1) {
  const char* v1 = R"({"version":"vpc-cni-ipam/1","allocations":[
    {"networkName":"aws-cni","containerID":"abc","ifName":"eth0","ipv4":"10.0.1.23",
     "allocationTimestamp":1700000000000000000,
     "metadata":{"k8sPodNamespace":"ns","k8sPodName":"pod","interfacesCount":1}},
    {"networkName":"aws-cni","containerID":"def","ifName":"eth0","ipv6":"2001:db8::5",
     "allocationTimestamp":1700000000000000001,"metadata":{}}]})";
  ASSERT_OK_AND_ASSIGN(Checkpoint cp, DecodeCheckpoint(v1));
  EXPECT_EQ(cp.version, "vpc-cni-ipam/1");
  ASSERT_EQ(cp.allocations.size(), 2u);
  EXPECT_EQ(cp.allocations[0].key, (IpamKey{"aws-cni", "abc", "eth0"}));
  EXPECT_EQ(cp.allocations[0].address, A("10.0.1.23"));
  EXPECT_EQ(ToUnixNanos(cp.allocations[0].allocated_at), 1700000000000000000);
  EXPECT_EQ(cp.allocations[0].metadata, (PodMetadata{"ns", "pod", 1}));
  EXPECT_EQ(cp.allocations[1].address, A("2001:db8::5"));
  EXPECT_TRUE(cp.cooldowns.empty());
  // Re-encoding migrates to v2.
  ASSERT_OK_AND_ASSIGN(Checkpoint v2, DecodeCheckpoint(EncodeCheckpoint(cp)));
  EXPECT_EQ(v2.version, "vpc-cni-ipam/2");
  EXPECT_EQ(v2.allocations, cp.allocations);
  // Upstream writes "allocations":null for an empty store.
  EXPECT_OK(DecodeCheckpoint(R"({"version":"vpc-cni-ipam/1","allocations":null})"));
}

TEST(Checkpoint, RestoreDropsUnknownAddresses) {
  Checkpoint cp;
  cp.allocations.push_back({{"n", "c", "eth0"}, A("10.9.9.9"), {}, {}});
  Datastore ds(Datastore::Options{});
  auto report = RestoreDatastore(cp, ds);
  EXPECT_EQ(report.restored, 0);
  ASSERT_EQ(report.dropped.size(), 1u);
}

void ExpectError(const std::string& text, ErrorCode code, const std::string& needle) {
  auto r = DecodeCheckpoint(text);
  ASSERT_FALSE(r.has_value()) << text;
  EXPECT_EQ(r.error().code, code) << r.error().ToString();
  EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
}

TEST(Checkpoint, CorruptInputGivesClearErrors) {
  const std::string good = EncodeCheckpoint(
      Checkpoint{"vpc-cni-ipam/2",
                 {{{"aws-cni", "c1", "eth0"}, A("10.0.0.1"), FromUnixNanos(5), {"ns", "p", 1}}},
                 {{A("10.0.0.2"), FromUnixNanos(9)}}});
  ASSERT_OK(DecodeCheckpoint(good));
  // Every truncation fails with kDataLoss.
  for (size_t n = 0; n < good.size(); ++n) {
    auto r = DecodeCheckpoint(good.substr(0, n));
    ASSERT_FALSE(r.has_value()) << n;
    EXPECT_EQ(r.error().code, ErrorCode::kDataLoss) << n << ": " << r.error().ToString();
  }
  ExpectError("", ErrorCode::kDataLoss, "empty");
  ExpectError("[]", ErrorCode::kDataLoss, "not an object");
  ExpectError(R"({"allocations":[]})", ErrorCode::kDataLoss, "version");
  ExpectError(R"({"version":"vpc-cni-ipam/9","allocations":[]})", ErrorCode::kInvalidArgument,
              "vpc-cni-ipam/9");
  ExpectError(R"({"version":"vpc-cni-ipam/2","allocations":[],"cooldowns":{}})",
              ErrorCode::kDataLoss, "cooldowns");
  ExpectError(R"({"version":"vpc-cni-ipam/2","allocations":[{"networkName":"n",
    "containerID":"c","ifName":"e","ipv4":"10.0.0.300"}],"cooldowns":[]})",
              ErrorCode::kDataLoss, "allocations[0].ipv4");
  ExpectError(R"({"version":"vpc-cni-ipam/1","allocations":[{"networkName":"n",
    "containerID":"c","ifName":"e","ipv4":"10.0.0.3","allocationTimestamp":"x"}]})",
              ErrorCode::kDataLoss, "allocationTimestamp");
  ExpectError(R"({"version":"vpc-cni-ipam/1","allocations":[{"networkName":"n",
    "ifName":"e","ipv4":"10.0.0.3"}]})",
              ErrorCode::kDataLoss, "containerID");
  ExpectError(R"({"version":"vpc-cni-ipam/1","allocations":[{"networkName":"n",
    "containerID":"c","ifName":"e"}]})",
              ErrorCode::kDataLoss, "exactly one of ipv4 and ipv6");
  ExpectError(R"({"version":"vpc-cni-ipam/2","allocations":[],"cooldowns":[{"ipv4":"10.0.0.1"}]})",
              ErrorCode::kDataLoss, "cooldowns[0].cooldownUntil");
}

}  // namespace
}  // namespace vpccni::ipam
