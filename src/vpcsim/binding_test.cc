#include <unistd.h>

#include <gtest/gtest.h>

#include "netlink/netns.h"
#include "netlink/rtnl_ops.h"
#include "testing/result_matchers.h"
#include "vpcsim/binding_netns.h"
#include "vpcsim/server_tiny_http.h"

namespace vpccni::vpcsim {
namespace {

ImdsInterface Ifc(const char* mac, int device, const char* ip) {
  ImdsInterface i;
  i.mac = *net::MacAddress::Parse(mac);
  i.device_number = device;
  i.interface_id = std::string("eni-") + std::to_string(device);
  i.subnet_ipv4_cidr_block = *net::Ipv4Cidr::Parse("10.9.0.0/24");
  i.local_ipv4s = {*net::Ipv4Address::Parse(ip)};
  return i;
}

TEST(NetnsBinderTest, LinksFollowAttachedEnis) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root (network namespaces)";
  }
  const std::string name = "vpcemu-test-" + std::to_string(::getpid());
  NetnsBinder binder;
  int port = 0;
  TinyHttpServer server([](const TinyHttpRequest&) { return TinyHttpResponse{}; });
  ASSERT_OK(binder.RunInNetns(name, [&] {
    auto p = server.Bind("169.254.169.254", 0);
    port = p.has_value() ? *p : -1;
  }));
  EXPECT_GT(port, 0);
  server.Stop();

  ImdsView view;
  view.interfaces = {Ifc("02:00:00:00:aa:01", 0, "10.9.0.4"),
                     Ifc("02:00:00:00:aa:02", 1, "10.9.0.5")};
  ASSERT_OK(binder.Sync(name, view));
  ASSERT_OK(binder.Sync(name, view));  // idempotent
  ASSERT_OK_AND_ASSIGN(netlink::Netns ns, netlink::Netns::OpenByName(name));
  ASSERT_OK_AND_ASSIGN(netlink::RtnlOps ops, netlink::RtnlOps::OpenInNetns(ns));
  ASSERT_OK_AND_ASSIGN(netlink::Link eth0, ops.FindLinkByMac(view.interfaces[0].mac));
  EXPECT_EQ(eth0.name, "eth0");
  ASSERT_OK_AND_ASSIGN(auto addrs, ops.ListAddresses(netlink::kFamilyV4, eth0.index));
  ASSERT_EQ(addrs.size(), 1u);
  EXPECT_EQ(addrs[0].prefix.ToString(), "10.9.0.4/24");
  EXPECT_OK(ops.FindLinkByMac(view.interfaces[1].mac));

  view.interfaces.pop_back();  // detached
  ASSERT_OK(binder.Sync(name, view));
  EXPECT_ERROR_CODE(ops.FindLinkByMac(*net::MacAddress::Parse("02:00:00:00:aa:02")),
                    ErrorCode::kNotFound);
  binder.Unbind(name);
  EXPECT_FALSE(netlink::Netns::NamedExists(name));
}

}  // namespace
}  // namespace vpccni::vpcsim
