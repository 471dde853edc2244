#include "vpcsim/query_xml.h"

#include <time.h>

#include <fmt/format.h>

namespace vpccni::vpcsim {

std::string XmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default: {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          break;  // not representable in XML 1.0
        }
        out.push_back(c);
      }
    }
  }
  return out;
}

XmlWriter::XmlWriter(std::string_view action, std::string_view request_id) {
  out_.reserve(512);
  std::string root = fmt::format("{}Response", action);
  out_ += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<";
  out_ += root;
  out_ += " xmlns=\"";
  out_ += kEc2XmlNamespace;
  out_ += "\">";
  stack_.push_back(std::move(root));
  Leaf("requestId", request_id);
}

void XmlWriter::Open(std::string_view name) {
  out_ += '<';
  out_ += name;
  out_ += '>';
  stack_.emplace_back(name);
}

void XmlWriter::Close() {
  if (stack_.size() <= 1) {
    return;
  }
  out_ += "</";
  out_ += stack_.back();
  out_ += '>';
  stack_.pop_back();
}

void XmlWriter::Leaf(std::string_view name, std::string_view value) {
  out_ += '<';
  out_ += name;
  out_ += '>';
  out_ += XmlEscape(value);
  out_ += "</";
  out_ += name;
  out_ += '>';
}

void XmlWriter::Leaf(std::string_view name, int64_t value) {
  Leaf(name, fmt::format("{}", value));
}

void XmlWriter::Leaf(std::string_view name, bool value) {
  Leaf(name, std::string_view(value ? "true" : "false"));
}

void XmlWriter::Empty(std::string_view name) {
  out_ += '<';
  out_ += name;
  out_ += "/>";
}

void XmlWriter::StringItems(std::string_view name, const std::vector<std::string>& values) {
  if (values.empty()) {
    Empty(name);
    return;
  }
  Open(name);
  for (const auto& v : values) {
    Leaf("item", v);
  }
  Close();
}

std::string XmlWriter::Finish() && {
  while (!stack_.empty()) {
    out_ += "</";
    out_ += stack_.back();
    out_ += '>';
    stack_.pop_back();
  }
  return std::move(out_);
}

std::string RenderReturnTrue(std::string_view action, std::string_view request_id) {
  XmlWriter w(action, request_id);
  w.Leaf("return", true);
  return std::move(w).Finish();
}

int HttpStatusForEc2Code(std::string_view code) {
  if (code == "RequestLimitExceeded" || code == "ServiceUnavailable" || code == "Unavailable") {
    return 503;
  }
  if (code == "InternalError" || code == "InternalFailure") {
    return 500;
  }
  if (code == "DryRunOperation") {
    return 412;
  }
  if (code == "AuthFailure") {
    return 401;
  }
  if (code == "SignatureDoesNotMatch" || code == "UnauthorizedOperation" ||
      code == "OptInRequired") {
    return 403;
  }
  return 400;
}

WireError ToWireError(const Error& e) {
  WireError w;
  if (!e.reason.empty()) {
    w.code = e.reason;
  } else {
    switch (e.code) {
      case ErrorCode::kInvalidArgument:
        w.code = "InvalidParameterValue";
        break;
      case ErrorCode::kUnavailable:
        w.code = "ServiceUnavailable";
        break;
      case ErrorCode::kResourceExhausted:
        w.code = "RequestLimitExceeded";
        break;
      case ErrorCode::kUnimplemented:
        w.code = "InvalidAction";
        break;
      default:
        w.code = "InternalError";
    }
  }
  // EC2 spells this one code with "Id" (errors-overview doc, moto-ec2.md §4.3); the model uses
  // the uniform "ID" spelling internally.
  if (w.code == "InvalidNetworkInterfaceID.Malformed") {
    w.code = "InvalidNetworkInterfaceId.Malformed";
  }
  w.message = e.message.empty() ? w.code : e.message;
  w.http_status = HttpStatusForEc2Code(w.code);
  return w;
}

std::string RenderErrorXml(std::string_view code, std::string_view message,
                           std::string_view request_id) {
  std::string out;
  out.reserve(256 + message.size());
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>";
  out += XmlEscape(code);
  out += "</Code><Message>";
  out += XmlEscape(message);
  out += "</Message></Error></Errors><RequestID>";
  out += XmlEscape(request_id);
  out += "</RequestID></Response>";
  return out;
}

std::string FormatEc2Time(WallTime t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  time_t secs = static_cast<time_t>(ms / 1000);

  struct tm tm_utc {};

  gmtime_r(&secs, &tm_utc);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", tm_utc.tm_year + 1900,
                     tm_utc.tm_mon + 1, tm_utc.tm_mday, tm_utc.tm_hour, tm_utc.tm_min,
                     tm_utc.tm_sec, static_cast<int>(ms % 1000));
}

}  // namespace vpccni::vpcsim
