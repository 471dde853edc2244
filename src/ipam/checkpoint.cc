#include "ipam/checkpoint.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <iterator>
#include <limits>

#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace vpccni::ipam {

namespace {

using nlohmann::json;

Error Loss(std::string message) {
  return MakeErrorValue(ErrorCode::kDataLoss, std::move(message));
}

Result<std::string> StringMember(const json& obj, const char* name, const std::string& where,
                                 bool required) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) {
    if (required) {
      return Loss(fmt::format("checkpoint: {}.{}: missing", where, name));
    }
    return std::string();
  }
  if (!it->is_string()) {
    return Loss(fmt::format("checkpoint: {}.{}: not a string", where, name));
  }
  return it->get<std::string>();
}

Result<int64_t> IntMember(const json& obj, const char* name, const std::string& where,
                          bool required) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) {
    if (required) {
      return Loss(fmt::format("checkpoint: {}.{}: missing", where, name));
    }
    return int64_t{0};
  }
  if (it->is_number_unsigned()) {
    auto v = it->get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Loss(fmt::format("checkpoint: {}.{}: out of range", where, name));
    }
    return static_cast<int64_t>(v);
  }
  if (!it->is_number_integer()) {
    return Loss(fmt::format("checkpoint: {}.{}: not an integer", where, name));
  }
  return it->get<int64_t>();
}

// The "ipv4" or "ipv6" member of an entry (exactly one).
Result<net::IpAddress> AddressMember(const json& obj, const std::string& where) {
  ASSIGN_OR_RETURN(std::string v4, StringMember(obj, "ipv4", where, false));
  ASSIGN_OR_RETURN(std::string v6, StringMember(obj, "ipv6", where, false));
  if (v4.empty() == v6.empty()) {
    return Loss(fmt::format("checkpoint: {}: needs exactly one of ipv4 and ipv6", where));
  }
  if (!v4.empty()) {
    auto a = net::Ipv4Address::Parse(v4);
    if (!a) {
      return Loss(fmt::format("checkpoint: {}.ipv4: '{}' is not an IPv4 address", where, v4));
    }
    return net::IpAddress(*a);
  }
  auto a = net::Ipv6Address::Parse(v6);
  if (!a) {
    return Loss(fmt::format("checkpoint: {}.ipv6: '{}' is not an IPv6 address", where, v6));
  }
  return net::IpAddress(*a);
}

Result<CheckpointAllocation> DecodeAllocation(const json& e, const std::string& where) {
  if (!e.is_object()) {
    return Loss(fmt::format("checkpoint: {}: not an object", where));
  }
  CheckpointAllocation a;
  ASSIGN_OR_RETURN(a.key.network_name, StringMember(e, "networkName", where, true));
  ASSIGN_OR_RETURN(a.key.container_id, StringMember(e, "containerID", where, true));
  ASSIGN_OR_RETURN(a.key.if_name, StringMember(e, "ifName", where, true));
  if (a.key.container_id.empty()) {
    return Loss(fmt::format("checkpoint: {}.containerID: empty", where));
  }
  ASSIGN_OR_RETURN(a.address, AddressMember(e, where));
  ASSIGN_OR_RETURN(int64_t ts, IntMember(e, "allocationTimestamp", where, false));
  a.allocated_at = FromUnixNanos(ts);
  auto md = e.find("metadata");
  if (md != e.end() && !md->is_null()) {
    const std::string mwhere = where + ".metadata";
    if (!md->is_object()) {
      return Loss(fmt::format("checkpoint: {}: not an object", mwhere));
    }
    ASSIGN_OR_RETURN(a.metadata.k8s_namespace, StringMember(*md, "k8sPodNamespace", mwhere, false));
    ASSIGN_OR_RETURN(a.metadata.k8s_name, StringMember(*md, "k8sPodName", mwhere, false));
    ASSIGN_OR_RETURN(int64_t count, IntMember(*md, "interfacesCount", mwhere, false));
    if (count < 0 || count > 1024) {
      return Loss(fmt::format("checkpoint: {}.interfacesCount: {} out of range", mwhere, count));
    }
    a.metadata.interfaces_count = static_cast<int>(count);
  }
  return a;
}

}  // namespace

namespace {

// An append-only buffer whose appends inline to a bounds check and a memcpy: the encoder makes
// some fifteen of them per pod, and std::string::append's out-of-line call dominated its cost.
class Writer {
 public:
  explicit Writer(size_t capacity) { buf_.resize(capacity); }

  [[gnu::always_inline]] Writer& operator+=(std::string_view v) {
    if (used_ + v.size() > buf_.size()) {
      buf_.resize(std::max(buf_.size() * 2, used_ + v.size()));
    }
    std::memcpy(buf_.data() + used_, v.data(), v.size());
    used_ += v.size();
    return *this;
  }

  [[gnu::always_inline]] Writer& operator+=(char c) { return *this += std::string_view(&c, 1); }

  std::string Take() && {
    buf_.resize(used_);
    return std::move(buf_);
  }

 private:
  std::string buf_;
  size_t used_ = 0;
};

// Appends a JSON string literal; copies runs that need no escaping in one go.
void AppendJsonString(Writer& out, std::string_view v) {
  out += '"';
  auto plain = [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c >= 0x20 && c != '"' && c != '\\';
  };
  if (std::all_of(v.begin(), v.end(), plain)) {
    out += v;
  } else {
    out += strings::JsonEscape(v);
  }
  out += '"';
}

void AppendInt(Writer& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out += std::string_view(buf, static_cast<size_t>(end - buf));
}

// "ipv4":"a.b.c.d" or "ipv6":"..." (IPv4 without a formatting library: this runs per pod).
void AppendAddress(Writer& out, const net::IpAddress& a) {
  if (!a.IsV4()) {
    out += R"("ipv6":")";
    out += a.V6().ToString();
    out += '"';
    return;
  }
  out += R"("ipv4":")";
  uint32_t v = a.V4().ToUint();
  for (int shift = 24; shift >= 0; shift -= 8) {
    AppendInt(out, (v >> shift) & 0xff);
    if (shift > 0) {
      out += '.';
    }
  }
  out += '"';
}

// One allocation as the encoder sees it, wherever it lives.
struct AllocationView {
  net::IpAddress address;
  const IpamKey* key;
  const PodMetadata* metadata;
  WallTime at;
};

// One allocation object: {"networkName":...,"metadata":{...}}.
void AppendAllocation(Writer& out, const AllocationView& a) {
  out += R"({"networkName":)";
  AppendJsonString(out, a.key->network_name);
  out += R"(,"containerID":)";
  AppendJsonString(out, a.key->container_id);
  out += R"(,"ifName":)";
  AppendJsonString(out, a.key->if_name);
  out += ',';
  AppendAddress(out, a.address);
  out += R"(,"allocationTimestamp":)";
  AppendInt(out, ToUnixNanos(a.at));
  out += R"(,"metadata":{)";
  const char* sep = "";
  if (!a.metadata->k8s_namespace.empty()) {
    out += R"("k8sPodNamespace":)";
    AppendJsonString(out, a.metadata->k8s_namespace);
    sep = ",";
  }
  if (!a.metadata->k8s_name.empty()) {
    out += sep;
    out += R"("k8sPodName":)";
    AppendJsonString(out, a.metadata->k8s_name);
    sep = ",";
  }
  if (a.metadata->interfaces_count != 0) {
    out += sep;
    out += R"("interfacesCount":)";
    AppendInt(out, a.metadata->interfaces_count);
  }
  out += "}}";
}

// The document around `count` allocations that append_allocation(out, i) writes in address
// order; cools must be ordered by address.
template <typename AppendAllocationFn>
std::string EncodeDocument(size_t count, AppendAllocationFn append_allocation,
                           const std::vector<CheckpointCooldown>& cools) {
  Writer out(64 + count * 224 + cools.size() * 64);
  out += R"({"version":")";
  out += kCheckpointVersion;
  out += R"(","allocations":[)";
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) {
      out += ',';
    }
    append_allocation(out, i);
  }
  out += R"(],"cooldowns":[)";
  bool first = true;
  for (const CheckpointCooldown& c : cools) {
    out += first ? "{" : ",{";
    first = false;
    AppendAddress(out, c.address);
    out += R"(,"cooldownUntil":)";
    AppendInt(out, ToUnixNanos(c.until));
    out += '}';
  }
  out += "]}";
  return std::move(out).Take();
}

std::string EncodeSorted(const std::vector<AllocationView>& allocs,
                         const std::vector<CheckpointCooldown>& cools) {
  return EncodeDocument(
      allocs.size(), [&](Writer& out, size_t i) { AppendAllocation(out, allocs[i]); }, cools);
}

std::vector<CheckpointCooldown> RunningCooldowns(const Datastore& datastore, WallTime now) {
  std::vector<CheckpointCooldown> cools;
  for (const auto& c : datastore.Cooldowns(now)) {
    cools.push_back({c.address, c.until});
  }
  return cools;
}

constexpr auto kByAddress = [](const auto& a, const auto& b) {
  return a.address < b.address;
};

}  // namespace

// Written by hand (not through nlohmann::json objects): ipamd encodes on every assign and
// release, and building a DOM costs several times more than the write itself.
std::string EncodeCheckpoint(const Checkpoint& checkpoint) {
  std::vector<AllocationView> allocs;
  allocs.reserve(checkpoint.allocations.size());
  for (const auto& a : checkpoint.allocations) {
    allocs.push_back({a.address, &a.key, &a.metadata, a.allocated_at});
  }
  std::sort(allocs.begin(), allocs.end(), kByAddress);
  std::vector<CheckpointCooldown> cools = checkpoint.cooldowns;
  std::sort(cools.begin(), cools.end(), kByAddress);
  return EncodeSorted(allocs, cools);
}

std::string CheckpointEncoder::Encode(const Datastore& datastore, WallTime now) {
  // Both are ordered by address: one merge walk that drops, keeps or (re)encodes in place.
  auto it = cache_.begin();
  for (const auto& r : datastore.AssignmentRefs()) {
    while (it != cache_.end() && it->first < r.address) {
      it = cache_.erase(it);
    }
    if (it == cache_.end() || r.address < it->first) {
      it = cache_.emplace_hint(it, r.address, Cached{});
    } else if (it->second.at == r.assigned_at && it->second.key == *r.key &&
               it->second.metadata == *r.metadata) {
      ++it;
      continue;
    }
    Writer w(256);
    AppendAllocation(w, {r.address, r.key, r.metadata, r.assigned_at});
    it->second = {*r.key, *r.metadata, r.assigned_at, std::move(w).Take()};
    ++it;
  }
  cache_.erase(it, cache_.end());
  auto next = cache_.begin();
  return EncodeDocument(
      cache_.size(), [&next](Writer& out, size_t) { out += (next++)->second.json; },
      RunningCooldowns(datastore, now));
}

Result<Checkpoint> DecodeCheckpoint(std::string_view text) {
  if (text.empty()) {
    return Loss("checkpoint: empty input (truncated file?)");
  }
  json doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded()) {
    return Loss("checkpoint: not a complete JSON document (truncated or corrupt)");
  }
  if (!doc.is_object()) {
    return Loss("checkpoint: top level is not an object");
  }
  Checkpoint cp;
  ASSIGN_OR_RETURN(cp.version, StringMember(doc, "version", "<root>", true));
  const bool v2 = cp.version == kCheckpointVersion;
  if (!v2 && cp.version != kUpstreamCheckpointVersion) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "checkpoint: unsupported version '{}' (want '{}' or '{}')", cp.version,
                     kCheckpointVersion, kUpstreamCheckpointVersion);
  }
  auto allocs = doc.find("allocations");
  if (allocs != doc.end() && !allocs->is_null()) {
    if (!allocs->is_array()) {
      return Loss("checkpoint: allocations: not an array");
    }
    cp.allocations.reserve(allocs->size());
    for (size_t i = 0; i < allocs->size(); ++i) {
      ASSIGN_OR_RETURN(auto a, DecodeAllocation((*allocs)[i], fmt::format("allocations[{}]", i)));
      cp.allocations.push_back(std::move(a));
    }
  } else if (v2) {
    return Loss("checkpoint: allocations: missing");
  }
  if (v2) {
    auto cools = doc.find("cooldowns");
    if (cools == doc.end() || !cools->is_array()) {
      return Loss("checkpoint: cooldowns: missing or not an array");
    }
    for (size_t i = 0; i < cools->size(); ++i) {
      const json& e = (*cools)[i];
      const std::string where = fmt::format("cooldowns[{}]", i);
      if (!e.is_object()) {
        return Loss(fmt::format("checkpoint: {}: not an object", where));
      }
      CheckpointCooldown c;
      ASSIGN_OR_RETURN(c.address, AddressMember(e, where));
      ASSIGN_OR_RETURN(int64_t until, IntMember(e, "cooldownUntil", where, true));
      c.until = FromUnixNanos(until);
      cp.cooldowns.push_back(c);
    }
  }
  return cp;
}

Checkpoint SnapshotDatastore(const Datastore& datastore, WallTime now) {
  Checkpoint cp;
  for (const auto& a : datastore.Assignments()) {
    cp.allocations.push_back({a.key, a.address, a.assigned_at, a.metadata});
  }
  for (const auto& c : datastore.Cooldowns(now)) {
    cp.cooldowns.push_back({c.address, c.until});
  }
  return cp;
}

RestoreReport RestoreDatastore(const Checkpoint& checkpoint, Datastore& datastore) {
  RestoreReport report;
  for (const auto& a : checkpoint.allocations) {
    auto r = datastore.AssignAddress(a.key, a.metadata, a.address, a.allocated_at);
    if (r) {
      ++report.restored;
    } else {
      report.dropped.push_back(a);
    }
  }
  for (const auto& c : checkpoint.cooldowns) {
    if (datastore.RestoreCooldown(c.address, c.until)) {
      ++report.cooldowns_restored;
    }
  }
  return report;
}

}  // namespace vpccni::ipam
