// File: query_xml.h
//
// Pure rendering of EC2 Query XML responses: success bodies
// `<ActionResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>…</requestId>…`
// and the standard error body
// `<Response><Errors><Error><Code>…</Code><Message>…</Message></Error></Errors><RequestID>…`,
// plus the HTTP status that goes with each EC2 error code.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

namespace vpccni::vpcsim {

inline constexpr std::string_view kEc2XmlNamespace = "http://ec2.amazonaws.com/doc/2016-11-15/";
inline constexpr std::string_view kEc2ApiVersion = "2016-11-15";

// Escapes &, <, >, " and ' and drops bytes that XML 1.0 forbids (control characters).
std::string XmlEscape(std::string_view s);

// Streaming writer for one success response. Not thread-safe; one per response.
//   XmlWriter w("DescribeVpcs", request_id);
//   w.Open("vpcSet"); w.Open("item"); w.Leaf("vpcId", id); w.Close(); w.Close();
//   std::string body = std::move(w).Finish();
class XmlWriter {
 public:
  // Starts `<{action}Response xmlns=...><requestId>{request_id}</requestId>`.
  XmlWriter(std::string_view action, std::string_view request_id);

  void Open(std::string_view name);
  // Closes the innermost open element (no-op when only the root is open).
  void Close();
  void Leaf(std::string_view name, std::string_view value);

  void Leaf(std::string_view name, const char* value) { Leaf(name, std::string_view(value)); }

  void Leaf(std::string_view name, const std::string& value) {
    Leaf(name, std::string_view(value));
  }

  void Leaf(std::string_view name, int64_t value);

  void Leaf(std::string_view name, int value) { Leaf(name, static_cast<int64_t>(value)); }

  void Leaf(std::string_view name, bool value);
  // `<name/>`.
  void Empty(std::string_view name);
  // `<name><item>v1</item>…</name>` (or `<name/>` when empty).
  void StringItems(std::string_view name, const std::vector<std::string>& values);

  // Closes every open element and the root; returns the document.
  std::string Finish() &&;

 private:
  std::string out_;
  std::vector<std::string> stack_;
};

// The full response body of an action without an output shape: requestId + <return>true</return>.
std::string RenderReturnTrue(std::string_view action, std::string_view request_id);

// An EC2 error as sent on the wire.
struct WireError {
  int http_status = 400;
  std::string code;
  std::string message;
};

// Maps an Error to the EC2 error: `reason` is the code when set; otherwise a code derived from
// the canonical ErrorCode (kInvalidArgument → InvalidParameterValue, kUnavailable →
// ServiceUnavailable, kResourceExhausted → RequestLimitExceeded, anything else → InternalError).
WireError ToWireError(const Error& e);

// HTTP status of an EC2 error code: 503 RequestLimitExceeded/ServiceUnavailable/Unavailable,
// 500 InternalError/InternalFailure, 412 DryRunOperation, 401 AuthFailure, 403
// SignatureDoesNotMatch/UnauthorizedOperation/OptInRequired, 400 for everything else.
int HttpStatusForEc2Code(std::string_view code);

// `<?xml…?><Response><Errors><Error><Code>…</Code><Message>…</Message></Error></Errors>
// <RequestID>…</RequestID></Response>`.
std::string RenderErrorXml(std::string_view code, std::string_view message,
                           std::string_view request_id);

// ISO 8601 UTC with milliseconds, as EC2 renders timestamps: "2026-11-26T05:54:09.000Z".
std::string FormatEc2Time(WallTime t);

}  // namespace vpccni::vpcsim
