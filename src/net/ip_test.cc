#include "net/ip.h"

#include <gtest/gtest.h>

#include "testing/result_matchers.h"

namespace vpccni::net {
namespace {

TEST(Ipv4Test, ParseAndFormat) {
  ASSERT_OK_AND_ASSIGN(auto a, Ipv4Address::Parse("10.0.1.23"));
  EXPECT_EQ(a.ToUint(), 0x0a000117U);
  EXPECT_EQ(a.ToString(), "10.0.1.23");
  EXPECT_EQ(Ipv4Address::FromBytes(a.ToBytes().data()), a);
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "a.b.c.d",
                          "1.2.3.4 ", "-1.2.3.4"}) {
    EXPECT_FALSE(Ipv4Address::Parse(bad).has_value()) << bad;
  }
}

TEST(Ipv4CidrTest, Arithmetic) {
  ASSERT_OK_AND_ASSIGN(auto c, Ipv4Cidr::Parse("10.0.1.77/24"));
  EXPECT_EQ(c.Network().ToString(), "10.0.1.0");
  EXPECT_EQ(c.Broadcast().ToString(), "10.0.1.255");
  EXPECT_EQ(c.Size(), 256U);
  EXPECT_EQ(c.At(5).ToString(), "10.0.1.5");
  EXPECT_TRUE(c.Contains(*Ipv4Address::Parse("10.0.1.1")));
  EXPECT_FALSE(c.Contains(*Ipv4Address::Parse("10.0.2.1")));
  EXPECT_TRUE(c.Contains(*Ipv4Cidr::Parse("10.0.1.16/28")));
  EXPECT_FALSE(c.Contains(*Ipv4Cidr::Parse("10.0.0.0/16")));
  EXPECT_TRUE(c.Overlaps(*Ipv4Cidr::Parse("10.0.0.0/16")));
  EXPECT_FALSE(Ipv4Cidr::ParseStrict("10.0.1.77/24").has_value());
  EXPECT_OK(Ipv4Cidr::ParseStrict("10.0.1.0/24"));
  EXPECT_FALSE(Ipv4Cidr::Parse("10.0.0.0/33").has_value());
  EXPECT_FALSE(Ipv4Cidr::Parse("10.0.0.0").has_value());
  EXPECT_EQ(Ipv4Cidr::Parse("10.0.0.9", true)->PrefixLen(), 32);
  ASSERT_OK_AND_ASSIGN(auto all, Ipv4Cidr::Parse("0.0.0.0/0"));
  EXPECT_EQ(all.Size(), 1ULL << 32);
  EXPECT_TRUE(all.Contains(*Ipv4Address::Parse("255.255.255.255")));
}

TEST(Ipv6Test, ParseAndCanonicalFormat) {
  struct Case {
    const char* in;
    const char* out;
  };
  for (auto [in, out] : {Case{"2001:db8::1", "2001:db8::1"}, Case{"::", "::"}, Case{"::1", "::1"},
                         Case{"2001:0DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
                         Case{"fe80::a:b:c:d", "fe80::a:b:c:d"},
                         Case{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
                         Case{"::ffff:10.0.0.1", "::ffff:a00:1"}}) {
    ASSERT_OK_AND_ASSIGN(auto a, Ipv6Address::Parse(in));
    EXPECT_EQ(a.ToString(), out) << in;
  }
  for (const char* bad : {"", ":", ":::", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
                          "g::1", "1:", "::1.2.3"}) {
    EXPECT_FALSE(Ipv6Address::Parse(bad).has_value()) << bad;
  }
}

TEST(Ipv6CidrTest, Arithmetic) {
  ASSERT_OK_AND_ASSIGN(auto c, Ipv6Cidr::Parse("2600:1f14:abc:de00:1234::/80"));
  EXPECT_EQ(c.Network().ToString(), "2600:1f14:abc:de00:1234::");
  EXPECT_EQ(c.At(5).ToString(), "2600:1f14:abc:de00:1234::5");
  ASSERT_OK_AND_ASSIGN(auto subnet, Ipv6Cidr::Parse("2600:1f14:abc:de00::/64"));
  EXPECT_TRUE(subnet.Contains(c));
  EXPECT_FALSE(c.Contains(subnet));
  EXPECT_EQ(c.SizeSaturated(), 1ULL << 48);
  EXPECT_EQ(subnet.SizeSaturated(), ~0ULL);
  ASSERT_OK_AND_ASSIGN(auto ip, IpAddress::Parse("2600:1f14:abc:de00:1234::9"));
  EXPECT_TRUE(ip.IsV6());
  EXPECT_TRUE(c.Contains(ip.V6()));
}

TEST(MacTest, ParseAndFormat) {
  ASSERT_OK_AND_ASSIGN(auto m, MacAddress::Parse("0A:1b:2c:3d:4e:5F"));
  EXPECT_EQ(m.ToString(), "0a:1b:2c:3d:4e:5f");
  EXPECT_OK(MacAddress::Parse("0a-1b-2c-3d-4e-5f"));
  EXPECT_FALSE(MacAddress::Parse("0a:1b:2c:3d:4e").has_value());
  EXPECT_FALSE(MacAddress::Parse("0a:1b:2c:3d:4e:zz").has_value());
}

}  // namespace
}  // namespace vpccni::net
