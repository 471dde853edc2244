#include "ipamd/policy.h"

#include <gtest/gtest.h>

#include "testing/result_matchers.h"

namespace vpccni::ipamd {
namespace {

k8s::Node MakeNode(std::string name, k8s::Labels labels = {},
                   std::map<std::string, std::string> annotations = {}) {
  k8s::Node n;
  n.meta.name = std::move(name);
  n.meta.labels = std::move(labels);
  n.meta.annotations = std::move(annotations);
  return n;
}

TEST(EniConfigTest, SelectionOrder) {
  const std::string key = "k8s.amazonaws.com/eniConfig";
  EXPECT_EQ(SelectEniConfigName(nullptr, key, key), "default");
  k8s::Node plain = MakeNode("n1");
  EXPECT_EQ(SelectEniConfigName(&plain, key, key), "default");
  k8s::Node by_label = MakeNode("n1", {{key, "from-label"}});
  EXPECT_EQ(SelectEniConfigName(&by_label, key, key), "from-label");
  k8s::Node by_annotation = MakeNode("n1", {{key, "from-label"}}, {{key, "from-annotation"}});
  EXPECT_EQ(SelectEniConfigName(&by_annotation, key, key), "from-annotation");
  k8s::Node external = MakeNode("n1", {{key, "from-label"}, {"vpc.amazonaws.com/externalEniConfig", "ext"}},
                                {{key, "from-annotation"}});
  EXPECT_EQ(SelectEniConfigName(&external, key, key), "ext");
  k8s::Node zone = MakeNode("n1", {{"topology.kubernetes.io/zone", "us-west-2a"}});
  EXPECT_EQ(SelectEniConfigName(&zone, "topology.kubernetes.io/zone", key), "us-west-2a");
}

TEST(EniConfigTest, Resolve) {
  k8s::ObjectSet objs;
  objs.nodes.push_back(MakeNode("node-a", {{"topology.kubernetes.io/zone", "us-west-2a"}}));
  k8s::EniConfig ec;
  ec.meta.name = "us-west-2a";
  ec.subnet = "subnet-pods";
  ec.security_groups = {"sg-1"};
  objs.eni_configs.push_back(ec);
  ASSERT_OK_AND_ASSIGN(auto sel, ResolveEniConfig(objs, "node-a", "topology.kubernetes.io/zone",
                                                  "k8s.amazonaws.com/eniConfig"));
  EXPECT_EQ(sel.name, "us-west-2a");
  EXPECT_EQ(sel.subnet_id, "subnet-pods");
  EXPECT_EQ(sel.security_groups, std::vector<std::string>{"sg-1"});

  auto missing_node = ResolveEniConfig(objs, "node-b", "x", "y");
  ASSERT_FALSE(missing_node.has_value());
  EXPECT_NE(missing_node.error().message.find("AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG"),
            std::string::npos);
  // Node found but its ENIConfig ("default") is missing.
  auto missing_cfg = ResolveEniConfig(objs, "node-a", "k8s.amazonaws.com/eniConfig",
                                      "k8s.amazonaws.com/eniConfig");
  ASSERT_FALSE(missing_cfg.has_value());
  EXPECT_EQ(missing_cfg.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing_cfg.error().message.find("'default'"), std::string::npos);
  EXPECT_ERROR_CODE(ResolveEniConfig(objs, "", "x", "y"), ErrorCode::kInvalidArgument);
}

cloud::Subnet MakeSubnet(std::string id, int64_t free, cloud::TagMap tags = {},
                         std::string az = "us-west-2a") {
  cloud::Subnet s;
  s.id = std::move(id);
  s.vpc_id = "vpc-1";
  s.availability_zone = std::move(az);
  s.state = "available";
  s.available_ip_address_count = free;
  s.tags = std::move(tags);
  return s;
}

TEST(SubnetDiscoveryTest, TagRules) {
  EXPECT_TRUE(IsSubnetValidForEni(MakeSubnet("subnet-p", 10), "subnet-p", ""));
  EXPECT_FALSE(IsSubnetValidForEni(MakeSubnet("subnet-x", 10), "subnet-p", ""));
  EXPECT_FALSE(IsSubnetValidForEni(MakeSubnet("subnet-p", 10, {{"kubernetes.io/role/cni", "0"}}),
                                   "subnet-p", ""));
  EXPECT_TRUE(IsSubnetValidForEni(MakeSubnet("subnet-x", 10, {{"kubernetes.io/role/cni", "1"}}),
                                  "subnet-p", ""));
  auto other_cluster = MakeSubnet("subnet-x", 10, {{"kubernetes.io/role/cni", "1"},
                                                   {"cni.networking.k8s.aws/cluster/other", "1"}});
  EXPECT_FALSE(IsSubnetValidForEni(other_cluster, "subnet-p", "mine"));
  auto both = other_cluster;
  both.tags["cni.networking.k8s.aws/cluster/mine"] = "1";
  EXPECT_TRUE(IsSubnetValidForEni(both, "subnet-p", "mine"));
}

TEST(SubnetDiscoveryTest, RanksByFreeAddresses) {
  std::vector<cloud::Subnet> subnets = {
      MakeSubnet("subnet-p", 50),
      MakeSubnet("subnet-big", 900, {{"kubernetes.io/role/cni", "1"}}),
      MakeSubnet("subnet-mid", 200, {{"kubernetes.io/role/cni", "1"}}),
      MakeSubnet("subnet-untagged", 5000),
      MakeSubnet("subnet-otheraz", 9000, {{"kubernetes.io/role/cni", "1"}}, "us-west-2b"),
  };
  ASSERT_OK_AND_ASSIGN(auto ranked,
                       RankSubnetsForEni(subnets, "subnet-p", "vpc-1", "us-west-2a", "", true));
  EXPECT_EQ(ranked, (std::vector<std::string>{"subnet-big", "subnet-mid", "subnet-p"}));
  ASSERT_OK_AND_ASSIGN(auto off,
                       RankSubnetsForEni(subnets, "subnet-p", "vpc-1", "us-west-2a", "", false));
  EXPECT_EQ(off, std::vector<std::string>{"subnet-p"});
  subnets[0].tags["kubernetes.io/role/cni"] = "0";
  EXPECT_ERROR_CODE(RankSubnetsForEni(subnets, "subnet-p", "vpc-1", "us-west-2a", "", false),
                    ErrorCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(auto excluded_primary,
                       RankSubnetsForEni(subnets, "subnet-p", "vpc-1", "us-west-2a", "", true));
  EXPECT_EQ(excluded_primary, (std::vector<std::string>{"subnet-big", "subnet-mid"}));
}

TEST(EniOwnershipTest, Managed) {
  cloud::NetworkInterface eni;
  eni.id = "eni-1";
  EXPECT_TRUE(IsEniManaged(eni, true, "i-1", false));
  EXPECT_TRUE(IsEniManaged(eni, false, "i-1", true));
  EXPECT_FALSE(IsEniManaged(eni, false, "i-1", false));
  eni.tags[std::string(kTagInstanceId)] = "i-1";
  EXPECT_TRUE(IsEniManaged(eni, false, "i-1", false));
  eni.tags[std::string(kTagNoManage)] = "true";
  EXPECT_FALSE(IsEniManaged(eni, false, "i-1", true));
}

TEST(EniTagsTest, NewEniTagsAndDescription) {
  WallTime t = FromUnixNanos(1'800'000'000'000'000'000);
  auto tags = NewEniTags("i-abc", "prod", {{"team", "net"}, {std::string(kTagInstanceId), "x"}}, t);
  EXPECT_EQ(tags.at(std::string(kTagInstanceId)), "i-abc");
  EXPECT_EQ(tags.at(std::string(kTagClusterName)), "prod");
  EXPECT_EQ(tags.at("eks:eni:owner"), "amazon-vpc-cni");
  EXPECT_EQ(tags.at("team"), "net");
  EXPECT_EQ(tags.at(std::string(kTagCreatedAt)), "2027-01-15T08:00:00Z");
  EXPECT_EQ(EniDescription("i-abc"), "aws-K8S-i-abc");
  auto no_cluster = NewEniTags("i-abc", "", {}, t);
  EXPECT_EQ(no_cluster.count(std::string(kTagClusterName)), 0u);
  EXPECT_EQ(no_cluster.size(), 2u);
}

TEST(Rfc3339Test, RoundTripAndOffsets) {
  WallTime t = FromUnixNanos(1'800'000'000'000'000'000);
  ASSERT_OK_AND_ASSIGN(WallTime back, ParseRfc3339(FormatRfc3339(t)));
  EXPECT_EQ(back, t);
  ASSERT_OK_AND_ASSIGN(WallTime off, ParseRfc3339("2027-01-15T09:00:00+01:00"));
  EXPECT_EQ(off, t);
  ASSERT_OK_AND_ASSIGN(WallTime frac, ParseRfc3339("2027-01-15T08:00:00.123Z"));
  EXPECT_EQ(frac, t);
  EXPECT_ERROR_CODE(ParseRfc3339("yesterday"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(ParseRfc3339("2027-13-15T08:00:00Z"), ErrorCode::kInvalidArgument);
}

TEST(LeakedEniTest, Filters) {
  auto f = LeakedEniFilters("vpc-1", "");
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].name, "tag-key");
  EXPECT_EQ(f[0].values, std::vector<std::string>{"node.k8s.amazonaws.com/instance_id"});
  EXPECT_EQ(f[1].name, "status");
  EXPECT_EQ(f[2].name, "vpc-id");
  auto g = LeakedEniFilters("vpc-1", "prod");
  ASSERT_EQ(g.size(), 4u);
  EXPECT_EQ(g[3].name, "tag:cluster.k8s.amazonaws.com/name");
  EXPECT_EQ(g[3].values, std::vector<std::string>{"prod"});
}

TEST(LeakedEniTest, Classify) {
  WallTime now = FromUnixNanos(1'800'000'000'000'000'000);
  cloud::NetworkInterface eni;
  eni.description = "aws-K8S-i-1";
  eni.status = "available";
  EXPECT_EQ(ClassifyLeakedEni(eni, now), LeakedEniAction::kTagWithCreationTime);
  eni.tags[std::string(kTagCreatedAt)] = FormatRfc3339(now - std::chrono::minutes(4));
  EXPECT_EQ(ClassifyLeakedEni(eni, now), LeakedEniAction::kSkip);
  eni.tags[std::string(kTagCreatedAt)] = FormatRfc3339(now - std::chrono::minutes(6));
  EXPECT_EQ(ClassifyLeakedEni(eni, now), LeakedEniAction::kDelete);
  eni.status = "in-use";
  EXPECT_EQ(ClassifyLeakedEni(eni, now), LeakedEniAction::kSkip);
  eni.status = "available";
  eni.description = "user eni";
  EXPECT_EQ(ClassifyLeakedEni(eni, now), LeakedEniAction::kSkip);
}

}  // namespace
}  // namespace vpccni::ipamd
