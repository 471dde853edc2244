#include "node/names.h"

#include <string>

#include <gtest/gtest.h>

namespace vpccni::node {
namespace {

TEST(Sha1, FipsVectors) {
  EXPECT_EQ(Sha1Hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(Sha1Hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(Sha1Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(Sha1Hex(std::string(1000000, 'a')), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  // Lengths around the 55/56/64-byte padding boundaries.
  EXPECT_EQ(Sha1Hex(std::string(55, 'x')), "cef734ba81a024479e09eb5a75b6ddae62e6abf1");
  EXPECT_EQ(Sha1Hex(std::string(56, 'x')), "901305367c259952f4e7af8323f480d59f81335b");
  EXPECT_EQ(Sha1Hex(std::string(64, 'x')), "bb2fa3ee7afb9f54c6dfb5d021f14b1ffe40c163");
}

TEST(HostVethName, UpstreamVectors) {
  EXPECT_EQ(HostVethName("eni", "kube-system", "coredns-57ff979f67-qqbdh"), "enib5faff8a083");
  EXPECT_EQ(HostVethName("vlan", "kube-system", "coredns-57ff979f67-qqbdh"), "vlanb5faff8a083");
  EXPECT_EQ(HostVethName("eni", "kube-system", "coredns-57ff979f67-8ns9b"), "eni9571956a6cc");
  EXPECT_EQ(HostVethName("eni", "default", "sample-pod"), "enicc21c2d7785");
}

TEST(HostVethName, ExtraInterfacesHashPodNameWithIndex) {
  EXPECT_EQ(HostVethName("eni", "default", "sample-pod", 1),
            "eni" + Sha1Hex("default.sample-pod.1").substr(0, 11));
  EXPECT_NE(HostVethName("eni", "default", "sample-pod", 1),
            HostVethName("eni", "default", "sample-pod", 0));
  EXPECT_LE(HostVethName("vlan", "a", "b").size(), 15U);
}

TEST(ContainerIfName, IndexZeroKeepsCniIfname) {
  EXPECT_EQ(ContainerIfName("eth0", 0), "eth0");
  EXPECT_EQ(ContainerIfName("net1", 0), "net1");
  EXPECT_EQ(ContainerIfName("eth0", 2), "mNicIf2");
}

TEST(RouteTableId, UpstreamVectors) {
  EXPECT_EQ(RouteTableId(0, 0), 254U);
  EXPECT_EQ(RouteTableId(1, 0), 2U);
  EXPECT_EQ(RouteTableId(1, 1), 10101U);
  EXPECT_EQ(RouteTableId(3, 2), 10203U);
  EXPECT_EQ(RouteTableId(0, 1), 10100U);
}

}  // namespace
}  // namespace vpccni::node
