#include "rpc/protocol.h"

#include <array>
#include <cstring>

#include <nlohmann/json.hpp>

namespace vpccni::rpc {
namespace {

using nlohmann::json;

// Field readers: a missing key keeps the default; a key of the wrong type is an error.
class Reader {
 public:
  explicit Reader(const json& obj, std::string_view what) : obj_(obj), what_(what) {}

  void Str(const char* key, std::string* out) {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) {
      return;
    }
    if (!it->is_string()) {
      Fail(key, "a string");
      return;
    }
    *out = it->get<std::string>();
  }
  void Bool(const char* key, bool* out) {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) {
      return;
    }
    if (!it->is_boolean()) {
      Fail(key, "a boolean");
      return;
    }
    *out = it->get<bool>();
  }
  template <typename Int>
  void Integer(const char* key, Int* out) {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) {
      return;
    }
    if (!it->is_number_integer()) {
      Fail(key, "an integer");
      return;
    }
    if (it->is_number_unsigned()) {
      auto v = it->get<uint64_t>();
      if (v > static_cast<uint64_t>(std::numeric_limits<Int>::max())) {
        Fail(key, "an integer in range");
        return;
      }
      *out = static_cast<Int>(v);
      return;
    }
    auto v = it->get<int64_t>();
    if (v < static_cast<int64_t>(std::numeric_limits<Int>::min()) ||
        v > static_cast<int64_t>(std::numeric_limits<Int>::max())) {
      Fail(key, "an integer in range");
      return;
    }
    *out = static_cast<Int>(v);
  }
  void StrList(const char* key, std::vector<std::string>* out) {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) {
      return;
    }
    if (!it->is_array()) {
      Fail(key, "an array of strings");
      return;
    }
    for (const auto& e : *it) {
      if (!e.is_string()) {
        Fail(key, "an array of strings");
        return;
      }
      out->push_back(e.get<std::string>());
    }
  }
  // Calls fn(const json&) for each object element of an array.
  template <typename Fn>
  void ObjList(const char* key, Fn fn) {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) {
      return;
    }
    if (!it->is_array()) {
      Fail(key, "an array of objects");
      return;
    }
    for (const auto& e : *it) {
      if (!e.is_object()) {
        Fail(key, "an array of objects");
        return;
      }
      fn(e);
    }
  }
  void Fail(std::string_view key, std::string_view expected) {
    if (error_.empty()) {
      error_ = fmt::format("{}: field {} must be {}", what_, key, expected);
    }
  }
  void Adopt(const std::string& nested_error) {
    if (error_.empty() && !nested_error.empty()) {
      error_ = nested_error;
    }
  }
  const std::string& error() const { return error_; }

 private:
  const json& obj_;
  std::string_view what_;
  std::string error_;
};

json StatusToJson(const ReplyStatus& s) {
  json j = json::object();
  j["Success"] = s.success;
  if (!s.error_code.empty()) {
    j["ErrorCode"] = s.error_code;
  }
  if (!s.error_message.empty()) {
    j["ErrorMessage"] = s.error_message;
  }
  if (!s.error_reason.empty()) {
    j["ErrorReason"] = s.error_reason;
  }
  return j;
}

void ReadStatus(Reader& r, ReplyStatus* s) {
  r.Bool("Success", &s->success);
  r.Str("ErrorCode", &s->error_code);
  r.Str("ErrorMessage", &s->error_message);
  r.Str("ErrorReason", &s->error_reason);
}

json AllocToJson(const IpAllocation& a) {
  return json{{"IPv4Addr", a.ipv4_addr},
              {"IPv6Addr", a.ipv6_addr},
              {"DeviceNumber", a.device_number},
              {"RouteTableId", a.route_table_id}};
}

void ReadAllocs(Reader& r, const char* key, std::vector<IpAllocation>* out) {
  r.ObjList(key, [&](const json& e) {
    Reader er(e, key);
    IpAllocation a;
    er.Str("IPv4Addr", &a.ipv4_addr);
    er.Str("IPv6Addr", &a.ipv6_addr);
    er.Integer("DeviceNumber", &a.device_number);
    er.Integer("RouteTableId", &a.route_table_id);
    r.Adopt(er.error());
    out->push_back(std::move(a));
  });
}

json AllocsToJson(const std::vector<IpAllocation>& v) {
  json arr = json::array();
  for (const auto& a : v) {
    arr.push_back(AllocToJson(a));
  }
  return arr;
}

json AttachmentsToJson(const std::vector<Attachment>& v) {
  json arr = json::array();
  for (const auto& a : v) {
    json e{{"ContainerID", a.container_id}, {"IfName", a.if_name}};
    if (!a.network_name.empty()) {
      e["NetworkName"] = a.network_name;
    }
    arr.push_back(std::move(e));
  }
  return arr;
}

void ReadAttachments(Reader& r, const char* key, std::vector<Attachment>* out) {
  r.ObjList(key, [&](const json& e) {
    Reader er(e, key);
    Attachment a;
    er.Str("ContainerID", &a.container_id);
    er.Str("IfName", &a.if_name);
    er.Str("NetworkName", &a.network_name);
    r.Adopt(er.error());
    out->push_back(std::move(a));
  });
}

json ToJson(const AddNetworkRequest& q) {
  json j{{"ClientVersion", q.client_version},
         {"K8S_POD_NAME", q.k8s_pod_name},
         {"K8S_POD_NAMESPACE", q.k8s_pod_namespace},
         {"K8S_POD_INFRA_CONTAINER_ID", q.k8s_pod_infra_container_id},
         {"K8S_POD_UID", q.k8s_pod_uid},
         {"ContainerID", q.container_id},
         {"IfName", q.if_name},
         {"NetworkName", q.network_name},
         {"Netns", q.netns}};
  if (q.requires_multi_nic_attachment) {
    j["RequiresMultiNICAttachment"] = true;
  }
  return j;
}
std::string FromJson(const json& j, AddNetworkRequest* q) {
  Reader r(j, "AddNetwork request");
  r.Str("ClientVersion", &q->client_version);
  r.Str("K8S_POD_NAME", &q->k8s_pod_name);
  r.Str("K8S_POD_NAMESPACE", &q->k8s_pod_namespace);
  r.Str("K8S_POD_INFRA_CONTAINER_ID", &q->k8s_pod_infra_container_id);
  r.Str("K8S_POD_UID", &q->k8s_pod_uid);
  r.Str("ContainerID", &q->container_id);
  r.Str("IfName", &q->if_name);
  r.Str("NetworkName", &q->network_name);
  r.Str("Netns", &q->netns);
  r.Bool("RequiresMultiNICAttachment", &q->requires_multi_nic_attachment);
  return r.error();
}

json ToJson(const DelNetworkRequest& q) {
  return json{{"ClientVersion", q.client_version},
              {"K8S_POD_NAME", q.k8s_pod_name},
              {"K8S_POD_NAMESPACE", q.k8s_pod_namespace},
              {"K8S_POD_INFRA_CONTAINER_ID", q.k8s_pod_infra_container_id},
              {"K8S_POD_UID", q.k8s_pod_uid},
              {"Reason", q.reason},
              {"ContainerID", q.container_id},
              {"IfName", q.if_name},
              {"NetworkName", q.network_name},
              {"Netns", q.netns}};
}
std::string FromJson(const json& j, DelNetworkRequest* q) {
  Reader r(j, "DelNetwork request");
  r.Str("ClientVersion", &q->client_version);
  r.Str("K8S_POD_NAME", &q->k8s_pod_name);
  r.Str("K8S_POD_NAMESPACE", &q->k8s_pod_namespace);
  r.Str("K8S_POD_INFRA_CONTAINER_ID", &q->k8s_pod_infra_container_id);
  r.Str("K8S_POD_UID", &q->k8s_pod_uid);
  r.Str("Reason", &q->reason);
  r.Str("ContainerID", &q->container_id);
  r.Str("IfName", &q->if_name);
  r.Str("NetworkName", &q->network_name);
  r.Str("Netns", &q->netns);
  return r.error();
}

json ToJson(const GcRequest& q) {
  return json{{"ClientVersion", q.client_version},
              {"NetworkName", q.network_name},
              {"ValidAttachments", AttachmentsToJson(q.valid_attachments)}};
}
std::string FromJson(const json& j, GcRequest* q) {
  Reader r(j, "Gc request");
  r.Str("ClientVersion", &q->client_version);
  r.Str("NetworkName", &q->network_name);
  ReadAttachments(r, "ValidAttachments", &q->valid_attachments);
  return r.error();
}

json ToJson(const StatusRequest& q) { return json{{"ClientVersion", q.client_version}}; }
std::string FromJson(const json& j, StatusRequest* q) {
  Reader r(j, "Status request");
  r.Str("ClientVersion", &q->client_version);
  return r.error();
}

json ToJson(const AddNetworkReply& p) {
  json j = StatusToJson(p.status);
  j["IPAllocations"] = AllocsToJson(p.ip_allocations);
  j["UseExternalSNAT"] = p.use_external_snat;
  j["VPCv4CIDRs"] = p.vpc_v4_cidrs;
  j["VPCv6CIDRs"] = p.vpc_v6_cidrs;
  j["PodVlanId"] = p.pod_vlan_id;
  j["PodENIMAC"] = p.pod_eni_mac;
  j["PodENISubnetGW"] = p.pod_eni_subnet_gw;
  j["ParentIfIndex"] = p.parent_if_index;
  j["NetworkPolicyMode"] = p.network_policy_mode;
  return j;
}
std::string FromJson(const json& j, AddNetworkReply* p) {
  Reader r(j, "AddNetwork reply");
  ReadStatus(r, &p->status);
  ReadAllocs(r, "IPAllocations", &p->ip_allocations);
  r.Bool("UseExternalSNAT", &p->use_external_snat);
  r.StrList("VPCv4CIDRs", &p->vpc_v4_cidrs);
  r.StrList("VPCv6CIDRs", &p->vpc_v6_cidrs);
  r.Integer("PodVlanId", &p->pod_vlan_id);
  r.Str("PodENIMAC", &p->pod_eni_mac);
  r.Str("PodENISubnetGW", &p->pod_eni_subnet_gw);
  r.Integer("ParentIfIndex", &p->parent_if_index);
  r.Str("NetworkPolicyMode", &p->network_policy_mode);
  return r.error();
}

json ToJson(const DelNetworkReply& p) {
  json j = StatusToJson(p.status);
  j["IPAllocations"] = AllocsToJson(p.ip_allocations);
  j["PodVlanId"] = p.pod_vlan_id;
  j["NetworkPolicyMode"] = p.network_policy_mode;
  return j;
}
std::string FromJson(const json& j, DelNetworkReply* p) {
  Reader r(j, "DelNetwork reply");
  ReadStatus(r, &p->status);
  ReadAllocs(r, "IPAllocations", &p->ip_allocations);
  r.Integer("PodVlanId", &p->pod_vlan_id);
  r.Str("NetworkPolicyMode", &p->network_policy_mode);
  return r.error();
}

json ToJson(const GcReply& p) {
  json j = StatusToJson(p.status);
  j["Released"] = AttachmentsToJson(p.released);
  j["ReleasedIPs"] = AllocsToJson(p.released_ips);
  return j;
}
std::string FromJson(const json& j, GcReply* p) {
  Reader r(j, "Gc reply");
  ReadStatus(r, &p->status);
  ReadAttachments(r, "Released", &p->released);
  ReadAllocs(r, "ReleasedIPs", &p->released_ips);
  return r.error();
}

json ToJson(const StatusReply& p) {
  json j = StatusToJson(p.status);
  j["Ready"] = p.ready;
  j["CanAssign"] = p.can_assign;
  j["TotalIPs"] = p.total_ips;
  j["AssignedIPs"] = p.assigned_ips;
  j["AvailableIPs"] = p.available_ips;
  j["Message"] = p.message;
  return j;
}
std::string FromJson(const json& j, StatusReply* p) {
  Reader r(j, "Status reply");
  ReadStatus(r, &p->status);
  r.Bool("Ready", &p->ready);
  r.Bool("CanAssign", &p->can_assign);
  r.Integer("TotalIPs", &p->total_ips);
  r.Integer("AssignedIPs", &p->assigned_ips);
  r.Integer("AvailableIPs", &p->available_ips);
  r.Str("Message", &p->message);
  return r.error();
}

json ToJson(const ErrorReply& p) {
  return json{{"Code", std::string(ErrorCodeName(p.code))}, {"Message", p.message}};
}
std::string FromJson(const json& j, ErrorReply* p) {
  Reader r(j, "Error reply");
  std::string code;
  r.Str("Code", &code);
  r.Str("Message", &p->message);
  auto c = ParseErrorCode(code);
  p->code = c.has_value() ? *c : ErrorCode::kInternal;
  return r.error();
}

// Parses the envelope; returns the payload object key's value and the method name.
struct Envelope {
  int version = 0;
  std::string method;
  json body;
};

Result<Envelope> ParseEnvelope(std::string_view text, const char* body_key) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return MakeError(ErrorCode::kInvalidArgument, "rpc: message is not valid JSON");
  }
  if (!j.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "rpc: message must be a JSON object");
  }
  Envelope env;
  auto v = j.find("Version");
  if (v == j.end() || !v->is_number_integer()) {
    return MakeError(ErrorCode::kInvalidArgument, "rpc: missing or non-integer Version");
  }
  int64_t version = v->is_number_unsigned()
                        ? static_cast<int64_t>(std::min<uint64_t>(v->get<uint64_t>(), 1u << 30))
                        : v->get<int64_t>();
  if (version < kMinProtocolVersion || version > kProtocolVersion) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "rpc: unsupported protocol version {} (supported {}..{})", version,
                     kMinProtocolVersion, kProtocolVersion);
  }
  env.version = static_cast<int>(version);
  auto m = j.find("Method");
  if (m == j.end() || !m->is_string()) {
    return MakeError(ErrorCode::kInvalidArgument, "rpc: missing or non-string Method");
  }
  env.method = m->get<std::string>();
  const char* key = env.method == "Error" ? "Error" : body_key;
  auto b = j.find(key);
  if (b == j.end() || !b->is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "rpc: missing or non-object {}", key);
  }
  env.body = std::move(*b);
  return env;
}

template <typename T>
Result<T> DecodeBody(const json& body) {
  T t;
  std::string err = FromJson(body, &t);
  if (!err.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "rpc: {}", err);
  }
  return t;
}

std::string Wrap(Method m, const char* key, json body, int version) {
  json j{{"Version", version}, {"Method", std::string(MethodName(m))}};
  j[key] = std::move(body);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string_view MethodName(Method m) {
  switch (m) {
    case Method::kAddNetwork:
      return "AddNetwork";
    case Method::kDelNetwork:
      return "DelNetwork";
    case Method::kGc:
      return "Gc";
    case Method::kStatus:
      return "Status";
    case Method::kError:
      return "Error";
  }
  return "Error";
}

Method MethodOf(const Request& r) {
  return static_cast<Method>(r.index());  // variant order matches Method
}
Method MethodOf(const Reply& r) { return static_cast<Method>(r.index()); }

Result<ErrorCode> ParseErrorCode(std::string_view name) {
  for (int c = static_cast<int>(ErrorCode::kOk); c <= static_cast<int>(ErrorCode::kDataLoss);
       ++c) {
    if (ErrorCodeName(static_cast<ErrorCode>(c)) == name) {
      return static_cast<ErrorCode>(c);
    }
  }
  return MakeError(ErrorCode::kInvalidArgument, "unknown error code \"{}\"", name);
}

ReplyStatus FailureStatus(const Error& e) {
  ReplyStatus s;
  s.success = false;
  s.error_code = std::string(ErrorCodeName(e.code));
  s.error_message = e.ToString();
  s.error_reason = e.reason;
  return s;
}

Error StatusToError(const ReplyStatus& s) {
  auto code = ParseErrorCode(s.error_code);
  Error e = MakeErrorValue(code.has_value() && *code != ErrorCode::kOk ? *code
                                                                       : ErrorCode::kInternal,
                           s.error_message.empty() ? "ipamd reported a failure" : s.error_message);
  e.reason = s.error_reason;
  return e;
}

std::string EncodeRequest(const Request& r, int version) {
  return std::visit(
      [&](const auto& q) { return Wrap(MethodOf(r), "Request", ToJson(q), version); }, r);
}

Result<Request> DecodeRequest(std::string_view text) {
  ASSIGN_OR_RETURN(Envelope env, ParseEnvelope(text, "Request"));
  if (env.method == "AddNetwork") {
    ASSIGN_OR_RETURN(auto q, DecodeBody<AddNetworkRequest>(env.body));
    return Request(std::move(q));
  }
  if (env.method == "DelNetwork") {
    ASSIGN_OR_RETURN(auto q, DecodeBody<DelNetworkRequest>(env.body));
    return Request(std::move(q));
  }
  if (env.method == "Gc") {
    ASSIGN_OR_RETURN(auto q, DecodeBody<GcRequest>(env.body));
    return Request(std::move(q));
  }
  if (env.method == "Status") {
    ASSIGN_OR_RETURN(auto q, DecodeBody<StatusRequest>(env.body));
    return Request(std::move(q));
  }
  return MakeError(ErrorCode::kUnimplemented, "rpc: unknown method \"{}\"", env.method);
}

std::string EncodeReply(const Reply& r, int version) {
  return std::visit(
      [&](const auto& p) {
        Method m = MethodOf(r);
        return Wrap(m, m == Method::kError ? "Error" : "Reply", ToJson(p), version);
      },
      r);
}

Result<Reply> DecodeReply(std::string_view text) {
  ASSIGN_OR_RETURN(Envelope env, ParseEnvelope(text, "Reply"));
  if (env.method == "AddNetwork") {
    ASSIGN_OR_RETURN(auto p, DecodeBody<AddNetworkReply>(env.body));
    return Reply(std::move(p));
  }
  if (env.method == "DelNetwork") {
    ASSIGN_OR_RETURN(auto p, DecodeBody<DelNetworkReply>(env.body));
    return Reply(std::move(p));
  }
  if (env.method == "Gc") {
    ASSIGN_OR_RETURN(auto p, DecodeBody<GcReply>(env.body));
    return Reply(std::move(p));
  }
  if (env.method == "Status") {
    ASSIGN_OR_RETURN(auto p, DecodeBody<StatusReply>(env.body));
    return Reply(std::move(p));
  }
  if (env.method == "Error") {
    ASSIGN_OR_RETURN(auto p, DecodeBody<ErrorReply>(env.body));
    return Reply(std::move(p));
  }
  return MakeError(ErrorCode::kUnimplemented, "rpc: unknown method \"{}\"", env.method);
}

std::string EncodeFrame(std::string_view payload) {
  std::string out;
  out.resize(kFrameHeaderBytes + payload.size());
  auto n = static_cast<uint32_t>(payload.size());
  out[0] = static_cast<char>((n >> 24) & 0xff);
  out[1] = static_cast<char>((n >> 16) & 0xff);
  out[2] = static_cast<char>((n >> 8) & 0xff);
  out[3] = static_cast<char>(n & 0xff);
  std::memcpy(out.data() + kFrameHeaderBytes, payload.data(), payload.size());
  return out;
}

Result<uint32_t> DecodeFrameHeader(const uint8_t header[kFrameHeaderBytes], uint32_t max_bytes) {
  uint32_t n = (uint32_t{header[0]} << 24) | (uint32_t{header[1]} << 16) |
               (uint32_t{header[2]} << 8) | uint32_t{header[3]};
  if (n == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "rpc: empty frame");
  }
  if (n > max_bytes) {
    return MakeError(ErrorCode::kInvalidArgument, "rpc: frame of {} bytes exceeds the limit of {}",
                     n, max_bytes);
  }
  return n;
}

Result<std::string_view> DecodeFrame(std::string_view buf, uint32_t max_bytes, size_t* consumed) {
  if (buf.size() < kFrameHeaderBytes) {
    return MakeError(ErrorCode::kUnavailable, "rpc: incomplete frame header");
  }
  ASSIGN_OR_RETURN(uint32_t n,
                   DecodeFrameHeader(reinterpret_cast<const uint8_t*>(buf.data()), max_bytes));
  if (buf.size() - kFrameHeaderBytes < n) {
    return MakeError(ErrorCode::kUnavailable, "rpc: incomplete frame ({} of {} bytes)",
                     buf.size() - kFrameHeaderBytes, n);
  }
  *consumed = kFrameHeaderBytes + n;
  return buf.substr(kFrameHeaderBytes, n);
}

}  // namespace vpccni::rpc
