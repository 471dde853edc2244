#include "rpc/protocol.h"

#include <gtest/gtest.h>

#include "rpc/ipam_service.h"
#include "testing/result_matchers.h"

namespace vpccni::rpc {
namespace {

AddNetworkRequest SampleAdd() {
  AddNetworkRequest q;
  q.client_version = "0.1.0";
  q.k8s_pod_name = "coredns-57ff979f67-qqbdh";
  q.k8s_pod_namespace = "kube-system";
  q.k8s_pod_infra_container_id = "c0ffee";
  q.k8s_pod_uid = "uid-1";
  q.container_id = "c0ffee";
  q.if_name = "eth0";
  q.network_name = "aws-cni";
  q.netns = "/var/run/netns/cni-1";
  return q;
}

TEST(ProtocolTest, RequestsRoundTrip) {
  DelNetworkRequest del;
  del.reason = std::string(kReasonSetupNsFailed);
  del.container_id = "c1";
  del.if_name = "eth0";
  del.network_name = "aws-cni";
  GcRequest gc;
  gc.network_name = "aws-cni";
  gc.valid_attachments = {{"a", "eth0", ""}, {"b", "eth1", ""}};
  for (const Request& r : {Request(SampleAdd()), Request(del), Request(gc),
                           Request(StatusRequest{"0.1.0"})}) {
    std::string text = EncodeRequest(r);
    ASSERT_OK_AND_ASSIGN(Request back, DecodeRequest(text));
    EXPECT_EQ(back, r) << text;
  }
}

TEST(ProtocolTest, RepliesRoundTrip) {
  AddNetworkReply add;
  add.status.success = true;
  add.ip_allocations = {{"10.0.1.5", "", 1, 2}};
  add.vpc_v4_cidrs = {"10.0.0.0/16"};
  add.network_policy_mode = "standard";
  DelNetworkReply del;
  del.status = FailureStatus(MakeError(ErrorCode::kNotFound, "datastore: unknown pod"));
  del.status.error_reason = std::string(kErrUnknownPod);
  GcReply gc;
  gc.status.success = true;
  gc.released = {{"b", "eth0", "aws-cni"}};
  gc.released_ips = {{"10.0.0.9", "", 0, 254}};
  StatusReply st;
  st.status.success = true;
  st.ready = true;
  st.can_assign = true;
  st.total_ips = 9;
  st.assigned_ips = 2;
  st.available_ips = 7;
  for (const Reply& r : {Reply(add), Reply(del), Reply(gc), Reply(st),
                         Reply(ErrorReply{ErrorCode::kPermissionDenied, "no"})}) {
    std::string text = EncodeReply(r);
    ASSERT_OK_AND_ASSIGN(Reply back, DecodeReply(text));
    EXPECT_EQ(back, r) << text;
  }
}

TEST(ProtocolTest, WireNamesFollowUpstream) {
  std::string text = EncodeRequest(SampleAdd());
  for (const char* key : {"\"Version\":1", "\"Method\":\"AddNetwork\"", "\"K8S_POD_NAME\"",
                          "\"K8S_POD_NAMESPACE\"", "\"K8S_POD_INFRA_CONTAINER_ID\"",
                          "\"ContainerID\"", "\"IfName\"", "\"NetworkName\"", "\"Netns\"",
                          "\"ClientVersion\""}) {
    EXPECT_NE(text.find(key), std::string::npos) << key << " in " << text;
  }
}

TEST(ProtocolTest, RejectsBadInput) {
  EXPECT_ERROR_CODE(DecodeRequest("not json"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(DecodeRequest("[]"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(DecodeRequest(R"({"Method":"AddNetwork","Request":{}})"),
                    ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(DecodeRequest(R"({"Version":2,"Method":"AddNetwork","Request":{}})"),
                    ErrorCode::kFailedPrecondition);
  EXPECT_ERROR_CODE(DecodeRequest(R"({"Version":0,"Method":"AddNetwork","Request":{}})"),
                    ErrorCode::kFailedPrecondition);
  EXPECT_ERROR_CODE(DecodeRequest(R"({"Version":1,"Method":"Frobnicate","Request":{}})"),
                    ErrorCode::kUnimplemented);
  EXPECT_ERROR_CODE(DecodeRequest(R"({"Version":1,"Method":"AddNetwork","Request":[]})"),
                    ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(
      DecodeRequest(R"({"Version":1,"Method":"AddNetwork","Request":{"ContainerID":5}})"),
      ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(
      DecodeReply(R"({"Version":1,"Method":"AddNetwork","Reply":{"IPAllocations":[{"DeviceNumber":99999999999}]}})"),
      ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(
      DecodeReply(R"({"Version":1,"Method":"AddNetwork","Reply":{"VPCv4CIDRs":[1]}})"),
      ErrorCode::kInvalidArgument);
}

TEST(ProtocolTest, UnknownKeysIgnored) {
  ASSERT_OK_AND_ASSIGN(
      Request r,
      DecodeRequest(
          R"({"Version":1,"Method":"Status","Request":{"ClientVersion":"x","Future":[1,2]},"X":1})"));
  EXPECT_EQ(std::get<StatusRequest>(r).client_version, "x");
}

TEST(ProtocolTest, Frames) {
  std::string f = EncodeFrame("hello");
  ASSERT_EQ(f.size(), 9u);
  EXPECT_EQ(f.substr(0, 4), std::string("\0\0\0\x05", 4));
  size_t consumed = 0;
  ASSERT_OK_AND_ASSIGN(std::string_view p, DecodeFrame(f + "tail", 100, &consumed));
  EXPECT_EQ(p, "hello");
  EXPECT_EQ(consumed, 9u);
  EXPECT_ERROR_CODE(DecodeFrame(f.substr(0, 6), 100, &consumed), ErrorCode::kUnavailable);
  EXPECT_ERROR_CODE(DecodeFrame(f, 4, &consumed), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(DecodeFrame(std::string("\0\0\0\0", 4), 4, &consumed),
                    ErrorCode::kInvalidArgument);
}

TEST(ProtocolTest, ErrorStatusRoundTrip) {
  Error e = MakeError(ErrorCode::kResourceExhausted, "no free address");
  e.reason = std::string(kErrNoAvailableIp);
  ReplyStatus s = FailureStatus(e);
  EXPECT_FALSE(s.success);
  EXPECT_EQ(s.error_code, "resource_exhausted");
  Error back = StatusToError(s);
  EXPECT_EQ(back.code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(back.reason, kErrNoAvailableIp);
}

class EchoService : public IpamService {
 public:
  Result<AddNetworkReply> AddNetwork(const AddNetworkRequest& req) override {
    if (req.container_id.empty()) {
      Error e = MakeError(ErrorCode::kInvalidArgument, "missing ContainerID");
      return e;
    }
    AddNetworkReply r;
    r.status.success = true;
    r.ip_allocations = {{"10.0.0.7", "", 0, 254}};
    return r;
  }
  Result<DelNetworkReply> DelNetwork(const DelNetworkRequest&) override {
    throw std::runtime_error("boom");
  }
  Result<GcReply> Gc(const GcRequest&) override { return GcReply{}; }
  Result<StatusReply> Status(const StatusRequest&) override { return StatusReply{}; }
};

TEST(ProtocolTest, HandlePayloadMapsErrors) {
  EchoService svc;
  ASSERT_OK_AND_ASSIGN(Reply ok, DecodeReply(HandlePayload(svc, EncodeRequest(SampleAdd()))));
  EXPECT_TRUE(std::get<AddNetworkReply>(ok).status.success);

  ASSERT_OK_AND_ASSIGN(Reply failed,
                       DecodeReply(HandlePayload(svc, EncodeRequest(AddNetworkRequest{}))));
  const auto& st = std::get<AddNetworkReply>(failed).status;
  EXPECT_FALSE(st.success);
  EXPECT_EQ(st.error_code, "invalid_argument");
  EXPECT_EQ(st.error_message, "missing ContainerID");

  ASSERT_OK_AND_ASSIGN(Reply thrown,
                       DecodeReply(HandlePayload(svc, EncodeRequest(DelNetworkRequest{}))));
  EXPECT_EQ(std::get<ErrorReply>(thrown).code, ErrorCode::kInternal);

  ASSERT_OK_AND_ASSIGN(Reply garbage, DecodeReply(HandlePayload(svc, "{")));
  EXPECT_EQ(std::get<ErrorReply>(garbage).code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vpccni::rpc
