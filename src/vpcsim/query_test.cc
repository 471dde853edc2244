#include <gtest/gtest.h>

#include "testing/result_matchers.h"
#include "vpcsim/query_auth.h"
#include "vpcsim/query_params.h"
#include "vpcsim/query_xml.h"

namespace vpccni::vpcsim {
namespace {

template <typename T>
std::string ReasonOf(const Result<T>& r) {
  return r.has_value() ? std::string("<ok>") : r.error().reason;
}

TEST(FormDecodeTest, DecodesEscapesAndPlus) {
  ASSERT_OK_AND_ASSIGN(auto s, FormDecode("10.0.0.16%2F28+x%3a"));
  EXPECT_EQ(s, "10.0.0.16/28 x:");
  EXPECT_EQ(ReasonOf(FormDecode("abc%2")), "MalformedQueryString");
  EXPECT_EQ(ReasonOf(FormDecode("%zz")), "MalformedQueryString");
  EXPECT_EQ(ReasonOf(FormDecode("%")), "MalformedQueryString");
}

TEST(FormEncodeTest, RoundTrips) {
  std::string raw = "tag:cluster/a b~_.-\xff";
  ASSERT_OK_AND_ASSIGN(auto back, FormDecode(FormEncode(raw)));
  EXPECT_EQ(back, raw);
  EXPECT_EQ(FormEncode("a/b:c"), "a%2Fb%3Ac");
}

TEST(QueryParamsTest, ParsesBotocoreBody) {
  ASSERT_OK_AND_ASSIGN(
      auto req,
      ParseEc2Request("",
                      "Action=AssignPrivateIpAddresses&Version=2016-11-15&NetworkInterfaceId="
                      "eni-1&PrivateIpAddress.2=10.0.0.6&PrivateIpAddress.1=10.0.0.5&"
                      "Ipv4Prefix.1=10.0.0.16%2F28&Ipv4Prefix.10=10.0.0.32%2F28&"
                      "AllowReassignment=false"));
  EXPECT_EQ(req.action, "AssignPrivateIpAddresses");
  EXPECT_EQ(req.version, "2016-11-15");
  ASSERT_OK_AND_ASSIGN(auto ips, req.params.GetList("PrivateIpAddress"));
  EXPECT_EQ(ips, (std::vector<std::string>{"10.0.0.5", "10.0.0.6"}));
  ASSERT_OK_AND_ASSIGN(auto prefixes, req.params.GetList("Ipv4Prefix"));
  EXPECT_EQ(prefixes, (std::vector<std::string>{"10.0.0.16/28", "10.0.0.32/28"}));
  ASSERT_OK_AND_ASSIGN(auto allow, req.params.GetBool("AllowReassignment"));
  EXPECT_EQ(allow, std::optional<bool>(false));
  ASSERT_OK_AND_ASSIGN(auto eni, req.params.Require("NetworkInterfaceId"));
  EXPECT_EQ(eni, "eni-1");
}

TEST(QueryParamsTest, MissingActionAndVersion) {
  EXPECT_EQ(ReasonOf(ParseEc2Request("", "Version=2016-11-15")), "MissingParameter");
  EXPECT_EQ(ReasonOf(ParseEc2Request("", "Action=DescribeVpcs")), "MissingParameter");
  // GET query string form.
  ASSERT_OK_AND_ASSIGN(auto req, ParseEc2Request("Action=DescribeVpcs&Version=2016-11-15", ""));
  EXPECT_EQ(req.action, "DescribeVpcs");
}

TEST(QueryParamsTest, StructListsAreNotScalarLists) {
  ASSERT_OK_AND_ASSIGN(auto p, QueryParams::Parse("PrivateIpAddresses.1.PrivateIpAddress=10.0.0.4&"
                                                  "PrivateIpAddresses.1.Primary=true&"
                                                  "PrivateIpAddress=10.0.0.9"));
  ASSERT_OK_AND_ASSIGN(auto scalars, p.GetList("PrivateIpAddress"));
  EXPECT_TRUE(scalars.empty());
  ASSERT_OK_AND_ASSIGN(auto members, p.GetMembers("PrivateIpAddresses"));
  ASSERT_EQ(members.size(), 1u);
  EXPECT_EQ(members[0].Get("PrivateIpAddress"), std::optional<std::string>("10.0.0.4"));
  ASSERT_OK_AND_ASSIGN(auto primary, members[0].GetBool("Primary"));
  EXPECT_EQ(primary, std::optional<bool>(true));
}

TEST(QueryParamsTest, FiltersAndTags) {
  ASSERT_OK_AND_ASSIGN(
      auto p,
      QueryParams::Parse("Filter.1.Name=attachment.instance-id&Filter.1.Value.1=i-1&"
                         "Filter.2.Name=tag%3Acluster&Filter.2.Value.2=c2&"
                         "Filter.2.Value.1=c1&Tag.1.Key=k&Tag.1.Value=v&Tag.2.Key=e&"
                         "TagSpecification.1.ResourceType=network-interface&"
                         "TagSpecification.1.Tag.1.Key=a&TagSpecification.1.Tag.1.Value=b"));
  ASSERT_OK_AND_ASSIGN(auto filters, p.GetFilters());
  ASSERT_EQ(filters.size(), 2u);
  EXPECT_EQ(filters[0], (QueryFilter{"attachment.instance-id", {"i-1"}}));
  EXPECT_EQ(filters[1], (QueryFilter{"tag:cluster", {"c1", "c2"}}));
  ASSERT_OK_AND_ASSIGN(auto tags, p.GetTags());
  EXPECT_EQ(tags, (std::vector<QueryTag>{{"k", "v"}, {"e", ""}}));
  ASSERT_OK_AND_ASSIGN(auto specs, p.GetTagSpecifications());
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].resource_type, "network-interface");
  EXPECT_EQ(specs[0].tags, (std::vector<QueryTag>{{"a", "b"}}));
}

TEST(QueryParamsTest, BadIndicesAndValues) {
  ASSERT_OK_AND_ASSIGN(auto p,
                       QueryParams::Parse("X.0=a&Y.abc=b&N=12x&B=maybe&Filter.1.Value.1=v"));
  EXPECT_EQ(ReasonOf(p.GetList("X")), "InvalidParameterValue");
  EXPECT_EQ(ReasonOf(p.GetList("Y")), "InvalidParameterValue");
  EXPECT_EQ(ReasonOf(p.GetInt("N", 0, 100)), "InvalidParameterValue");
  EXPECT_EQ(ReasonOf(p.GetBool("B")), "InvalidParameterValue");
  EXPECT_EQ(ReasonOf(p.GetFilters()), "MissingParameter");
  EXPECT_EQ(ReasonOf(p.Require("Missing")), "MissingParameter");
  ASSERT_OK_AND_ASSIGN(auto p2, QueryParams::Parse("N=101"));
  EXPECT_EQ(ReasonOf(p2.GetInt("N", 0, 100)), "InvalidParameterValue");
  EXPECT_EQ(ReasonOf(QueryParams::Parse("=x")), "MalformedQueryString");
}

TEST(QueryXmlTest, RendersSuccessAndError) {
  XmlWriter w("AssignPrivateIpAddresses", "rid-1");
  w.Leaf("networkInterfaceId", "eni-1");
  w.Open("assignedPrivateIpAddressesSet");
  w.Open("item");
  w.Leaf("privateIpAddress", "10.0.0.5");
  w.Close();
  w.Close();
  w.StringItems("assignedIpv6Addresses", {});
  w.Leaf("description", "a<b&'c'");
  std::string body = std::move(w).Finish();
  EXPECT_EQ(body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AssignPrivateIpAddressesResponse "
            "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>rid-1</requestId>"
            "<networkInterfaceId>eni-1</networkInterfaceId><assignedPrivateIpAddressesSet><item>"
            "<privateIpAddress>10.0.0.5</privateIpAddress></item></assignedPrivateIpAddressesSet>"
            "<assignedIpv6Addresses/><description>a&lt;b&amp;&apos;c&apos;</description>"
            "</AssignPrivateIpAddressesResponse>");
  EXPECT_EQ(RenderErrorXml("InvalidAction", "x<y", "r"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>"
            "InvalidAction</Code><Message>x&lt;y</Message></Error></Errors><RequestID>r"
            "</RequestID></Response>");
}

TEST(QueryXmlTest, StatusTable) {
  EXPECT_EQ(HttpStatusForEc2Code("RequestLimitExceeded"), 503);
  EXPECT_EQ(HttpStatusForEc2Code("InternalError"), 500);
  EXPECT_EQ(HttpStatusForEc2Code("InvalidNetworkInterfaceID.NotFound"), 400);
  Error e = QueryError("InsufficientCidrBlocks", "no block");
  WireError w = ToWireError(e);
  EXPECT_EQ(w.code, "InsufficientCidrBlocks");
  EXPECT_EQ(w.http_status, 400);
  WireError internal = ToWireError(MakeError(ErrorCode::kInternal, "boom"));
  EXPECT_EQ(internal.code, "InternalError");
  EXPECT_EQ(internal.http_status, 500);
}

TEST(QueryAuthTest, ParsesBotocoreHeader) {
  ASSERT_OK_AND_ASSIGN(auto h,
                       ParseAuthorizationHeader(
                           "AWS4-HMAC-SHA256 Credential=test/20261126/us-west-2/ec2/aws4_request, "
                           "SignedHeaders=content-type;host;x-amz-date, Signature="
                           "5955b31da117809e7ad9365b54e2c63d9db6a3219034111f6f6994b454d9fe7f"));
  EXPECT_EQ(h.access_key, "test");
  EXPECT_EQ(h.date, "20261126");
  EXPECT_EQ(h.region, "us-west-2");
  EXPECT_EQ(h.service, "ec2");
  EXPECT_EQ(h.signed_headers, (std::vector<std::string>{"content-type", "host", "x-amz-date"}));
}

TEST(QueryAuthTest, RejectsMalformed) {
  EXPECT_EQ(ReasonOf(ParseAuthorizationHeader("Bearer x")), "IncompleteSignature");
  EXPECT_EQ(ReasonOf(ParseAuthorizationHeader("AWS4-HMAC-SHA256 Credential=a/b/c")),
            "IncompleteSignature");
  EXPECT_EQ(ReasonOf(ParseAuthorizationHeader(
                "AWS4-HMAC-SHA256 Credential=test/20261126/us-west-2/ec2/aws4_request, "
                "SignedHeaders=host, Signature=zz")),
            "IncompleteSignature");
}

}  // namespace
}  // namespace vpccni::vpcsim
