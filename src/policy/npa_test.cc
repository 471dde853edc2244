#include "policy/npa.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/result_matchers.h"
#include "testing/temp_dir.h"

namespace vpccni::policy {
namespace {

TEST(NpaCodecTest, RoundTripAndRejections) {
  NpaRequest req{std::string(kNpaEnforce), "a", "x", "10.0.0.5", "eni1"};
  ASSERT_OK_AND_ASSIGN(auto back, DecodeNpaRequest(EncodeNpaRequest(req)));
  EXPECT_EQ(back.pod_name, "a");
  EXPECT_EQ(back.pod_namespace, "x");
  EXPECT_EQ(back.pod_ip, "10.0.0.5");
  EXPECT_FALSE(DecodeNpaRequest("nope").has_value());
  EXPECT_FALSE(DecodeNpaRequest(R"({"Version":1,"Method":"Other","Request":{}})").has_value());
  EXPECT_FALSE(DecodeNpaRequest(R"({"Version":1,"Method":"EnforceNpToPod","Request":)"
                                R"({"K8S_POD_NAME":"a","K8S_POD_NAMESPACE":"x","PodIP":"x"}})")
                   .has_value());
  ASSERT_OK_AND_ASSIGN(auto rep, DecodeNpaReply(EncodeNpaReply(kNpaEnforce, {true, "s", ""})));
  EXPECT_TRUE(rep.success);
  EXPECT_EQ(rep.state, "s");
}

TEST(NpaServerTest, ServesRequestsOverUnixSocket) {
  testing::TempDir dir;
  std::string path = dir.File("run/npa.sock");
  ASSERT_OK_AND_ASSIGN(auto server, NpaServer::Start(path, [](const NpaRequest& r) {
                         return NpaReply{true, "seen-" + r.pod_name, ""};
                       }));
  ASSERT_OK_AND_ASSIGN(auto reply,
                       CallNpa(path, {std::string(kNpaEnforce), "a", "x", "10.0.0.5", ""},
                               std::chrono::milliseconds(2000)));
  EXPECT_TRUE(reply.success);
  EXPECT_EQ(reply.state, "seen-a");
  ASSERT_OK_AND_ASSIGN(reply, CallNpa(path, {std::string(kNpaEnforce), "b", "x", "bad", ""},
                                      std::chrono::milliseconds(2000)));
  EXPECT_FALSE(reply.success);
  EXPECT_THAT(reply.error_message, ::testing::HasSubstr("PodIP"));
  server->Shutdown();
  EXPECT_FALSE(CallNpa(path, {std::string(kNpaEnforce), "a", "x", "10.0.0.5", ""},
                       std::chrono::milliseconds(500))
                   .has_value());
}

}  // namespace
}  // namespace vpccni::policy
