// File: model_json.cc
//
// Snapshot (ToJson / FromJson) and invariant checks. Parsing uses exceptions internally
// (nlohmann accessors and a local ParseError) and converts them to Result at FromJson; none
// escape this file.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "vpcsim/model.h"
#include "vpcsim/model_internal.h"

namespace vpccni::vpcsim {

namespace {

using json = nlohmann::json;

constexpr int kSnapshotVersion = 1;

struct ParseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void Fail(const std::string& what) {
  throw ParseError(what);
}

const json& Field(const json& j, const char* key) {
  if (!j.is_object()) {
    Fail(fmt::format("expected an object holding '{}'", key));
  }
  auto it = j.find(key);
  if (it == j.end()) {
    Fail(fmt::format("missing field '{}'", key));
  }
  return *it;
}

std::string Str(const json& j, const char* key) {
  const json& v = Field(j, key);
  if (!v.is_string())
    Fail(fmt::format("field '{}' must be a string", key));
  return v.get<std::string>();
}

int64_t Int(const json& j, const char* key) {
  const json& v = Field(j, key);
  if (!v.is_number_integer())
    Fail(fmt::format("field '{}' must be an integer", key));
  if (v.is_number_unsigned() &&
      v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    Fail(fmt::format("field '{}' is out of range", key));
  }
  return v.get<int64_t>();
}

int Int32(const json& j, const char* key) {
  int64_t v = Int(j, key);
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
    Fail(fmt::format("field '{}' is out of range", key));
  }
  return static_cast<int>(v);
}

uint64_t Uint(const json& j, const char* key) {
  const json& v = Field(j, key);
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0)) {
    Fail(fmt::format("field '{}' must be a non-negative integer", key));
  }
  return v.get<uint64_t>();
}

double Num(const json& j, const char* key) {
  const json& v = Field(j, key);
  if (!v.is_number())
    Fail(fmt::format("field '{}' must be a number", key));
  double d = v.get<double>();
  if (!std::isfinite(d))
    Fail(fmt::format("field '{}' must be finite", key));
  return d;
}

bool Bool(const json& j, const char* key) {
  const json& v = Field(j, key);
  if (!v.is_boolean())
    Fail(fmt::format("field '{}' must be a boolean", key));
  return v.get<bool>();
}

const json& Arr(const json& j, const char* key) {
  const json& v = Field(j, key);
  if (!v.is_array())
    Fail(fmt::format("field '{}' must be an array", key));
  return v;
}

const json& Obj(const json& j, const char* key) {
  const json& v = Field(j, key);
  if (!v.is_object())
    Fail(fmt::format("field '{}' must be an object", key));
  return v;
}

std::string AsStr(const json& v, const char* what) {
  if (!v.is_string())
    Fail(fmt::format("{} must be a string", what));
  return v.get<std::string>();
}

template <typename T>
T Must(Result<T> r, const std::string& what) {
  if (!r.has_value())
    Fail(fmt::format("{}: {}", what, r.error().message));
  return std::move(*r);
}

net::Ipv4Address Ip4(const json& v) {
  return Must(net::Ipv4Address::Parse(AsStr(v, "address")), "ipv4");
}

net::Ipv6Address Ip6(const json& v) {
  return Must(net::Ipv6Address::Parse(AsStr(v, "address")), "ipv6");
}

net::Ipv4Cidr Cidr4(const json& v) {
  return Must(net::Ipv4Cidr::ParseStrict(AsStr(v, "cidr")), "ipv4 cidr");
}

net::Ipv6Cidr Cidr6(const json& v) {
  return Must(net::Ipv6Cidr::ParseStrict(AsStr(v, "cidr")), "ipv6 cidr");
}

net::MacAddress Mac(const json& v) {
  return Must(net::MacAddress::Parse(AsStr(v, "mac")), "mac");
}

int64_t Ns(Duration d) {
  return d.count();
}

// Bounds keep time arithmetic (now + delay) far from int64 overflow.
constexpr int64_t kMaxTimeNs = 7'000'000'000'000'000'000;             // year 2191
constexpr int64_t kMaxDurationNs = 30LL * 24 * 3600 * 1'000'000'000;  // 30 days

Duration NsDur(int64_t n) {
  if (n < 0 || n > kMaxDurationNs)
    Fail(fmt::format("duration {} ns out of range", n));
  return Duration(n);
}

int64_t TimeNs(WallTime t) {
  return ToUnixNanos(t);
}

WallTime NsTime(int64_t n) {
  if (n < 0 || n > kMaxTimeNs)
    Fail(fmt::format("time {} ns out of range", n));
  return FromUnixNanos(n);
}

json TagsJ(const TagMap& t) {
  return json(t);
}

TagMap TagsF(const json& j) {
  const json& o = Obj(j, "tags");
  TagMap out;
  for (auto it = o.begin(); it != o.end(); ++it) {
    out[it.key()] = AsStr(it.value(), "tag value");
  }
  return out;
}

template <typename T, typename F>
json ListJ(const std::vector<T>& v, F f) {
  json a = json::array();
  for (const auto& x : v)
    a.push_back(f(x));
  return a;
}

json StrList(const std::vector<std::string>& v) {
  return json(v);
}

std::vector<std::string> StrListF(const json& j, const char* key) {
  std::vector<std::string> out;
  for (const auto& x : Arr(j, key))
    out.push_back(AsStr(x, key));
  return out;
}

// ---- resources ----

json VpcJ(const Vpc& v) {
  json j;
  j["vpc_id"] = v.vpc_id;
  j["owner_id"] = v.owner_id;
  j["cidr_block"] = v.cidr_block.ToString();
  j["cidr_block_associations"] = ListJ(v.cidr_block_associations, [](const auto& a) {
    return json{
        {"association_id", a.association_id}, {"cidr", a.cidr.ToString()}, {"state", a.state}};
  });
  j["ipv6_cidr_block_associations"] = ListJ(v.ipv6_cidr_block_associations, [](const auto& a) {
    return json{{"association_id", a.association_id},
                {"cidr", a.cidr.ToString()},
                {"network_border_group", a.network_border_group},
                {"state", a.state}};
  });
  j["is_default"] = v.is_default;
  j["state"] = v.state;
  j["instance_tenancy"] = v.instance_tenancy;
  j["tags"] = TagsJ(v.tags);
  return j;
}

Vpc VpcF(const json& j) {
  Vpc v;
  v.vpc_id = Str(j, "vpc_id");
  v.owner_id = Str(j, "owner_id");
  v.cidr_block = Cidr4(Field(j, "cidr_block"));
  for (const auto& a : Arr(j, "cidr_block_associations")) {
    v.cidr_block_associations.push_back(
        VpcCidrAssociation{Str(a, "association_id"), Cidr4(Field(a, "cidr")), Str(a, "state")});
  }
  for (const auto& a : Arr(j, "ipv6_cidr_block_associations")) {
    v.ipv6_cidr_block_associations.push_back(
        VpcIpv6CidrAssociation{Str(a, "association_id"), Cidr6(Field(a, "cidr")),
                               Str(a, "network_border_group"), Str(a, "state")});
  }
  v.is_default = Bool(j, "is_default");
  v.state = Str(j, "state");
  v.instance_tenancy = Str(j, "instance_tenancy");
  v.tags = TagsF(j);
  return v;
}

json ReservationJ(const SubnetCidrReservation& r) {
  json j;
  j["subnet_cidr_reservation_id"] = r.subnet_cidr_reservation_id;
  j["subnet_id"] = r.subnet_id;
  j["cidr"] = r.CidrString();
  j["reservation_type"] = r.reservation_type;
  j["description"] = r.description;
  j["owner_id"] = r.owner_id;
  j["tags"] = TagsJ(r.tags);
  return j;
}

SubnetCidrReservation ReservationF(const json& j) {
  SubnetCidrReservation r;
  r.subnet_cidr_reservation_id = Str(j, "subnet_cidr_reservation_id");
  r.subnet_id = Str(j, "subnet_id");
  std::string c = Str(j, "cidr");
  if (c.find(':') == std::string::npos) {
    r.ipv4_cidr = Cidr4(json(c));
  } else {
    r.ipv6_cidr = Cidr6(json(c));
  }
  r.reservation_type = Str(j, "reservation_type");
  if (r.reservation_type != "prefix" && r.reservation_type != "explicit") {
    Fail("reservation_type must be prefix or explicit");
  }
  r.description = Str(j, "description");
  r.owner_id = Str(j, "owner_id");
  r.tags = TagsF(j);
  return r;
}

json SubnetJ(const SubnetState& ss) {
  const Subnet& s = ss.subnet;
  json j;
  j["subnet_id"] = s.subnet_id;
  j["subnet_arn"] = s.subnet_arn;
  j["owner_id"] = s.owner_id;
  j["vpc_id"] = s.vpc_id;
  j["availability_zone"] = s.availability_zone;
  j["availability_zone_id"] = s.availability_zone_id;
  j["cidr_block"] = s.cidr_block.ToString();
  j["ipv6_cidr_block"] = s.ipv6_cidr_block ? json(s.ipv6_cidr_block->ToString()) : json(nullptr);
  j["ipv6_association_id"] = s.ipv6_association_id;
  j["default_for_az"] = s.default_for_az;
  j["map_public_ip_on_launch"] = s.map_public_ip_on_launch;
  j["assign_ipv6_address_on_creation"] = s.assign_ipv6_address_on_creation;
  j["state"] = s.state;
  j["tags"] = TagsJ(s.tags);
  json rs = json::array();
  for (const auto& [id, r] : ss.reservations)
    rs.push_back(ReservationJ(r));
  j["reservations"] = rs;
  return j;
}

SubnetState SubnetF(const json& j) {
  SubnetState ss;
  Subnet& s = ss.subnet;
  s.subnet_id = Str(j, "subnet_id");
  s.subnet_arn = Str(j, "subnet_arn");
  s.owner_id = Str(j, "owner_id");
  s.vpc_id = Str(j, "vpc_id");
  s.availability_zone = Str(j, "availability_zone");
  s.availability_zone_id = Str(j, "availability_zone_id");
  s.cidr_block = Cidr4(Field(j, "cidr_block"));
  if (!Field(j, "ipv6_cidr_block").is_null()) {
    s.ipv6_cidr_block = Cidr6(Field(j, "ipv6_cidr_block"));
  }
  s.ipv6_association_id = Str(j, "ipv6_association_id");
  s.default_for_az = Bool(j, "default_for_az");
  s.map_public_ip_on_launch = Bool(j, "map_public_ip_on_launch");
  s.assign_ipv6_address_on_creation = Bool(j, "assign_ipv6_address_on_creation");
  s.state = Str(j, "state");
  s.tags = TagsF(j);
  for (const auto& r : Arr(j, "reservations")) {
    SubnetCidrReservation res = ReservationF(r);
    std::string id = res.subnet_cidr_reservation_id;
    if (!ss.reservations.emplace(id, std::move(res)).second) {
      Fail("duplicate reservation " + id);
    }
  }
  return ss;
}

json GroupsJ(const std::vector<GroupIdentifier>& g) {
  return ListJ(g, [](const GroupIdentifier& x) {
    return json{{"group_id", x.group_id}, {"group_name", x.group_name}};
  });
}

std::vector<GroupIdentifier> GroupsF(const json& j, const char* key) {
  std::vector<GroupIdentifier> out;
  for (const auto& x : Arr(j, key)) {
    out.push_back(GroupIdentifier{Str(x, "group_id"), Str(x, "group_name")});
  }
  return out;
}

json SgJ(const SecurityGroup& g) {
  return json{{"group_id", g.group_id},       {"group_name", g.group_name},
              {"description", g.description}, {"vpc_id", g.vpc_id},
              {"owner_id", g.owner_id},       {"tags", TagsJ(g.tags)}};
}

SecurityGroup SgF(const json& j) {
  SecurityGroup g;
  g.group_id = Str(j, "group_id");
  g.group_name = Str(j, "group_name");
  g.description = Str(j, "description");
  g.vpc_id = Str(j, "vpc_id");
  g.owner_id = Str(j, "owner_id");
  g.tags = TagsF(j);
  return g;
}

json EniJ(const NetworkInterface& e) {
  json j;
  j["network_interface_id"] = e.network_interface_id;
  j["subnet_id"] = e.subnet_id;
  j["vpc_id"] = e.vpc_id;
  j["availability_zone"] = e.availability_zone;
  j["availability_zone_id"] = e.availability_zone_id;
  j["description"] = e.description;
  j["interface_type"] = e.interface_type;
  j["mac_address"] = e.mac_address.ToString();
  j["owner_id"] = e.owner_id;
  j["requester_id"] = e.requester_id;
  j["requester_managed"] = e.requester_managed;
  j["source_dest_check"] = e.source_dest_check;
  j["private_ip_addresses"] = ListJ(e.private_ip_addresses, [](const PrivateIpAddress& p) {
    return json{{"address", p.address.ToString()}, {"primary", p.primary}};
  });
  j["ipv4_prefixes"] = ListJ(e.ipv4_prefixes, [](const net::Ipv4Cidr& c) { return c.ToString(); });
  j["ipv6_addresses"] =
      ListJ(e.ipv6_addresses, [](const net::Ipv6Address& a) { return a.ToString(); });
  j["ipv6_prefixes"] = ListJ(e.ipv6_prefixes, [](const net::Ipv6Cidr& c) { return c.ToString(); });
  j["groups"] = GroupsJ(e.groups);
  if (e.attachment) {
    const auto& a = *e.attachment;
    j["attachment"] = json{{"attachment_id", a.attachment_id},
                           {"instance_id", a.instance_id},
                           {"instance_owner_id", a.instance_owner_id},
                           {"device_index", a.device_index},
                           {"network_card_index", a.network_card_index},
                           {"status", a.status},
                           {"attach_time", TimeNs(a.attach_time)},
                           {"delete_on_termination", a.delete_on_termination},
                           {"transition_at", TimeNs(a.transition_at)}};
  } else {
    j["attachment"] = nullptr;
  }
  j["tags"] = TagsJ(e.tags);
  j["trunk_association_id"] = e.trunk_association_id;
  j["create_time"] = TimeNs(e.create_time);
  return j;
}

NetworkInterface EniF(const json& j) {
  NetworkInterface e;
  e.network_interface_id = Str(j, "network_interface_id");
  e.subnet_id = Str(j, "subnet_id");
  e.vpc_id = Str(j, "vpc_id");
  e.availability_zone = Str(j, "availability_zone");
  e.availability_zone_id = Str(j, "availability_zone_id");
  e.description = Str(j, "description");
  e.interface_type = Str(j, "interface_type");
  e.mac_address = Mac(Field(j, "mac_address"));
  e.owner_id = Str(j, "owner_id");
  e.requester_id = Str(j, "requester_id");
  e.requester_managed = Bool(j, "requester_managed");
  e.source_dest_check = Bool(j, "source_dest_check");
  for (const auto& p : Arr(j, "private_ip_addresses")) {
    e.private_ip_addresses.push_back(
        PrivateIpAddress{Ip4(Field(p, "address")), Bool(p, "primary")});
  }
  for (const auto& c : Arr(j, "ipv4_prefixes"))
    e.ipv4_prefixes.push_back(Cidr4(c));
  for (const auto& a : Arr(j, "ipv6_addresses"))
    e.ipv6_addresses.push_back(Ip6(a));
  for (const auto& c : Arr(j, "ipv6_prefixes"))
    e.ipv6_prefixes.push_back(Cidr6(c));
  e.groups = GroupsF(j, "groups");
  const json& a = Field(j, "attachment");
  if (!a.is_null()) {
    NetworkInterfaceAttachment at;
    at.attachment_id = Str(a, "attachment_id");
    at.instance_id = Str(a, "instance_id");
    at.instance_owner_id = Str(a, "instance_owner_id");
    at.device_index = Int32(a, "device_index");
    at.network_card_index = Int32(a, "network_card_index");
    at.status = Str(a, "status");
    if (at.status != "attaching" && at.status != "attached" && at.status != "detaching") {
      Fail("attachment status must be attaching, attached or detaching");
    }
    at.attach_time = NsTime(Int(a, "attach_time"));
    at.delete_on_termination = Bool(a, "delete_on_termination");
    at.transition_at = NsTime(Int(a, "transition_at"));
    e.attachment = at;
  }
  e.tags = TagsF(j);
  e.trunk_association_id = Str(j, "trunk_association_id");
  e.create_time = NsTime(Int(j, "create_time"));
  if (e.private_ip_addresses.empty()) {
    Fail("network interface " + e.network_interface_id + " has no primary address");
  }
  e.private_ip_address = e.private_ip_addresses.front().address;
  e.status = EniStatus(e);
  return e;
}

json InstanceJ(const Instance& i) {
  json j;
  j["instance_id"] = i.instance_id;
  j["reservation_id"] = i.reservation_id;
  j["owner_id"] = i.owner_id;
  j["image_id"] = i.image_id;
  j["instance_type"] = i.instance_type;
  j["subnet_id"] = i.subnet_id;
  j["vpc_id"] = i.vpc_id;
  j["availability_zone"] = i.availability_zone;
  j["availability_zone_id"] = i.availability_zone_id;
  j["private_ip_address"] = i.private_ip_address.ToString();
  j["ipv6_address"] = i.ipv6_address ? json(i.ipv6_address->ToString()) : json(nullptr);
  j["private_dns_name"] = i.private_dns_name;
  j["state"] = json{{"code", i.state.code}, {"name", i.state.name}};
  j["launch_time"] = TimeNs(i.launch_time);
  j["running_at"] = TimeNs(i.running_at);
  j["primary_network_interface_id"] = i.primary_network_interface_id;
  j["security_groups"] = GroupsJ(i.security_groups);
  j["key_name"] = i.key_name;
  j["user_data"] = i.user_data;
  j["tags"] = TagsJ(i.tags);
  return j;
}

Instance InstanceF(const json& j) {
  Instance i;
  i.instance_id = Str(j, "instance_id");
  i.reservation_id = Str(j, "reservation_id");
  i.owner_id = Str(j, "owner_id");
  i.image_id = Str(j, "image_id");
  i.instance_type = Str(j, "instance_type");
  i.subnet_id = Str(j, "subnet_id");
  i.vpc_id = Str(j, "vpc_id");
  i.availability_zone = Str(j, "availability_zone");
  i.availability_zone_id = Str(j, "availability_zone_id");
  i.private_ip_address = Ip4(Field(j, "private_ip_address"));
  if (!Field(j, "ipv6_address").is_null())
    i.ipv6_address = Ip6(Field(j, "ipv6_address"));
  i.private_dns_name = Str(j, "private_dns_name");
  const json& st = Obj(j, "state");
  i.state = InstanceState{Int32(st, "code"), Str(st, "name")};
  static const std::set<std::string> kStates = {"pending", "running", "shutting-down",
                                                "terminated"};
  if (kStates.count(i.state.name) == 0)
    Fail("bad instance state " + i.state.name);
  i.launch_time = NsTime(Int(j, "launch_time"));
  i.running_at = NsTime(Int(j, "running_at"));
  i.primary_network_interface_id = Str(j, "primary_network_interface_id");
  i.security_groups = GroupsF(j, "security_groups");
  i.key_name = Str(j, "key_name");
  i.user_data = Str(j, "user_data");
  i.tags = TagsF(j);
  return i;
}

json TypeJ(const cloud::InstanceLimits& t) {
  json cards = json::array();
  for (const auto& c : t.network_cards)
    cards.push_back(json{{"index", c.index}, {"max_enis", c.max_enis}});
  return json{
      {"instance_type", t.instance_type},
      {"eni_limit", t.eni_limit},
      {"ipv4_per_eni", t.ipv4_per_eni},
      {"ipv6_per_eni", t.ipv6_per_eni},
      {"default_network_card_index", t.default_network_card_index},
      {"network_cards", cards},
      {"hypervisor", t.hypervisor},
      {"bare_metal", t.bare_metal},
      {"branch_interfaces", t.branch_interfaces ? json(*t.branch_interfaces) : json(nullptr)},
      {"vcpus", t.vcpus}};
}

cloud::InstanceLimits TypeF(const json& j) {
  cloud::InstanceLimits t;
  t.instance_type = Str(j, "instance_type");
  t.eni_limit = Int32(j, "eni_limit");
  t.ipv4_per_eni = Int32(j, "ipv4_per_eni");
  t.ipv6_per_eni = Int32(j, "ipv6_per_eni");
  t.default_network_card_index = Int32(j, "default_network_card_index");
  for (const auto& c : Arr(j, "network_cards")) {
    t.network_cards.push_back(cloud::NetworkCardLimit{Int32(c, "index"), Int32(c, "max_enis")});
  }
  t.hypervisor = Str(j, "hypervisor");
  t.bare_metal = Bool(j, "bare_metal");
  if (!Field(j, "branch_interfaces").is_null())
    t.branch_interfaces = Int32(j, "branch_interfaces");
  t.vcpus = Int32(j, "vcpus");
  if (t.instance_type.empty() || t.eni_limit < 1 || t.ipv4_per_eni < 1 || t.ipv6_per_eni < 0 ||
      t.eni_limit > 1024 || t.ipv4_per_eni > 4096 || t.ipv6_per_eni > 4096) {
    Fail("instance type row " + t.instance_type + " has out-of-range limits");
  }
  for (const auto& c : t.network_cards) {
    if (c.max_enis < 0 || c.max_enis > 1024)
      Fail("network card limit out of range");
  }
  return t;
}

json TrunkJ(const TrunkInterfaceAssociation& a) {
  return json{{"association_id", a.association_id},
              {"branch_interface_id", a.branch_interface_id},
              {"trunk_interface_id", a.trunk_interface_id},
              {"interface_protocol", a.interface_protocol},
              {"vlan_id", a.vlan_id},
              {"tags", TagsJ(a.tags)}};
}

TrunkInterfaceAssociation TrunkF(const json& j) {
  TrunkInterfaceAssociation a;
  a.association_id = Str(j, "association_id");
  a.branch_interface_id = Str(j, "branch_interface_id");
  a.trunk_interface_id = Str(j, "trunk_interface_id");
  a.interface_protocol = Str(j, "interface_protocol");
  a.vlan_id = Int32(j, "vlan_id");
  a.tags = TagsF(j);
  return a;
}

const char* CategoryName(ThrottleCategory c) {
  switch (c) {
    case ThrottleCategory::kMutating:
      return "mutating";
    case ThrottleCategory::kNonMutating:
      return "non_mutating";
    case ThrottleCategory::kUnfilteredNonMutating:
      return "unfiltered_non_mutating";
    case ThrottleCategory::kResourceIntensive:
      return "resource_intensive";
  }
  return "mutating";
}

ThrottleCategory CategoryF(const std::string& s) {
  for (auto c : {ThrottleCategory::kMutating, ThrottleCategory::kNonMutating,
                 ThrottleCategory::kUnfilteredNonMutating, ThrottleCategory::kResourceIntensive}) {
    if (s == CategoryName(c))
      return c;
  }
  Fail("unknown throttle category " + s);
}

BucketSpec SpecF(const json& j) {
  BucketSpec b{Num(j, "capacity"), Num(j, "refill_per_second")};
  if (b.capacity < 0 || b.refill_per_second < 0)
    Fail("bucket spec must not be negative");
  return b;
}

template <typename K, typename V>
void InsertUnique(std::map<K, V>& m, const K& k, V v, const char* what) {
  if (!m.emplace(k, std::move(v)).second)
    Fail(fmt::format("duplicate {} {}", what, k));
}

}  // namespace

json ImdsViewToJson(const ImdsView& v) {
  json j;
  j["as_of"] = TimeNs(v.as_of);
  j["instance_id"] = v.instance_id;
  j["instance_type"] = v.instance_type;
  j["image_id"] = v.image_id;
  j["reservation_id"] = v.reservation_id;
  j["account_id"] = v.account_id;
  j["region"] = v.region;
  j["availability_zone"] = v.availability_zone;
  j["availability_zone_id"] = v.availability_zone_id;
  j["state"] = v.state;
  j["local_ipv4"] = v.local_ipv4.ToString();
  j["ipv6"] = v.ipv6 ? json(v.ipv6->ToString()) : json(nullptr);
  j["local_hostname"] = v.local_hostname;
  j["mac"] = v.mac.ToString();
  j["launch_time"] = TimeNs(v.launch_time);
  j["security_group_names"] = StrList(v.security_group_names);
  j["interfaces"] = ListJ(v.interfaces, [](const ImdsInterface& i) {
    json x;
    x["mac"] = i.mac.ToString();
    x["interface_id"] = i.interface_id;
    x["device_number"] = i.device_number;
    x["network_card"] = i.network_card;
    x["owner_id"] = i.owner_id;
    x["subnet_id"] = i.subnet_id;
    x["subnet_ipv4_cidr_block"] = i.subnet_ipv4_cidr_block.ToString();
    x["subnet_ipv6_cidr_blocks"] =
        ListJ(i.subnet_ipv6_cidr_blocks, [](const net::Ipv6Cidr& c) { return c.ToString(); });
    x["vpc_id"] = i.vpc_id;
    x["vpc_ipv4_cidr_blocks"] =
        ListJ(i.vpc_ipv4_cidr_blocks, [](const net::Ipv4Cidr& c) { return c.ToString(); });
    x["vpc_ipv6_cidr_blocks"] =
        ListJ(i.vpc_ipv6_cidr_blocks, [](const net::Ipv6Cidr& c) { return c.ToString(); });
    x["local_ipv4s"] = ListJ(i.local_ipv4s, [](const net::Ipv4Address& a) { return a.ToString(); });
    x["ipv4_prefixes"] =
        ListJ(i.ipv4_prefixes, [](const net::Ipv4Cidr& c) { return c.ToString(); });
    x["ipv6s"] = ListJ(i.ipv6s, [](const net::Ipv6Address& a) { return a.ToString(); });
    x["ipv6_prefixes"] =
        ListJ(i.ipv6_prefixes, [](const net::Ipv6Cidr& c) { return c.ToString(); });
    x["security_group_ids"] = StrList(i.security_group_ids);
    x["security_group_names"] = StrList(i.security_group_names);
    x["interface_type"] = i.interface_type;
    return x;
  });
  return j;
}

namespace {

ImdsView ImdsViewF(const json& j) {
  ImdsView v;
  v.as_of = NsTime(Int(j, "as_of"));
  v.instance_id = Str(j, "instance_id");
  v.instance_type = Str(j, "instance_type");
  v.image_id = Str(j, "image_id");
  v.reservation_id = Str(j, "reservation_id");
  v.account_id = Str(j, "account_id");
  v.region = Str(j, "region");
  v.availability_zone = Str(j, "availability_zone");
  v.availability_zone_id = Str(j, "availability_zone_id");
  v.state = Str(j, "state");
  v.local_ipv4 = Ip4(Field(j, "local_ipv4"));
  if (!Field(j, "ipv6").is_null())
    v.ipv6 = Ip6(Field(j, "ipv6"));
  v.local_hostname = Str(j, "local_hostname");
  v.mac = Mac(Field(j, "mac"));
  v.launch_time = NsTime(Int(j, "launch_time"));
  v.security_group_names = StrListF(j, "security_group_names");
  for (const auto& x : Arr(j, "interfaces")) {
    ImdsInterface i;
    i.mac = Mac(Field(x, "mac"));
    i.interface_id = Str(x, "interface_id");
    i.device_number = Int32(x, "device_number");
    i.network_card = Int32(x, "network_card");
    i.owner_id = Str(x, "owner_id");
    i.subnet_id = Str(x, "subnet_id");
    i.subnet_ipv4_cidr_block = Cidr4(Field(x, "subnet_ipv4_cidr_block"));
    for (const auto& c : Arr(x, "subnet_ipv6_cidr_blocks"))
      i.subnet_ipv6_cidr_blocks.push_back(Cidr6(c));
    i.vpc_id = Str(x, "vpc_id");
    for (const auto& c : Arr(x, "vpc_ipv4_cidr_blocks"))
      i.vpc_ipv4_cidr_blocks.push_back(Cidr4(c));
    for (const auto& c : Arr(x, "vpc_ipv6_cidr_blocks"))
      i.vpc_ipv6_cidr_blocks.push_back(Cidr6(c));
    for (const auto& a : Arr(x, "local_ipv4s"))
      i.local_ipv4s.push_back(Ip4(a));
    for (const auto& c : Arr(x, "ipv4_prefixes"))
      i.ipv4_prefixes.push_back(Cidr4(c));
    for (const auto& a : Arr(x, "ipv6s"))
      i.ipv6s.push_back(Ip6(a));
    for (const auto& c : Arr(x, "ipv6_prefixes"))
      i.ipv6_prefixes.push_back(Cidr6(c));
    i.security_group_ids = StrListF(x, "security_group_ids");
    i.security_group_names = StrListF(x, "security_group_names");
    i.interface_type = Str(x, "interface_type");
    v.interfaces.push_back(std::move(i));
  }
  return v;
}

}  // namespace

Result<ImdsView> ImdsViewFromJson(const json& j) {
  try {
    return ImdsViewF(j);
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, "imds view: {}", e.what());
  }
}

nlohmann::json VpcModel::ToJson() const {
  const State& s = *state_;
  json j;
  j["version"] = kSnapshotVersion;
  j["options"] = json{{"region", options_.region},
                      {"account_id", options_.account_id},
                      {"seed", options_.seed},
                      {"create_default_vpc", options_.create_default_vpc},
                      {"attach_delay_ns", Ns(options_.attach_delay)},
                      {"detach_delay_ns", Ns(options_.detach_delay)},
                      {"instance_start_delay_ns", Ns(options_.instance_start_delay)},
                      {"imds_history_ns", Ns(options_.imds_history)},
                      {"throttling_enabled", options_.throttling_enabled}};
  j["ids"] = json{{"counter", s.id_counter}, {"last_now", TimeNs(s.last_now)}};
  json r;
  r["vpcs"] = json::array();
  for (const auto& [id, v] : s.vpcs)
    r["vpcs"].push_back(VpcJ(v));
  r["subnets"] = json::array();
  for (const auto& [id, ss] : s.subnets)
    r["subnets"].push_back(SubnetJ(ss));
  r["security_groups"] = json::array();
  for (const auto& [id, g] : s.groups)
    r["security_groups"].push_back(SgJ(g));
  r["instances"] = json::array();
  for (const auto& [id, i] : s.instances)
    r["instances"].push_back(InstanceJ(i));
  r["network_interfaces"] = json::array();
  for (const auto& [id, e] : s.enis)
    r["network_interfaces"].push_back(EniJ(e));
  r["trunk_associations"] = json::array();
  for (const auto& [id, a] : s.trunk_assocs)
    r["trunk_associations"].push_back(TrunkJ(a));
  r["client_tokens"] = json(s.client_tokens);
  r["instance_types"] = ListJ(s.extra_types, TypeJ);
  j["resources"] = r;
  json imds = json::object();
  for (const auto& [id, hist] : s.imds_history) {
    imds[id] = ListJ(hist, ImdsViewToJson);
  }
  j["imds"] = imds;
  json c;
  c["rng_counter"] = s.rng_counter;
  c["category_buckets"] = json::object();
  for (const auto& [cat, spec] : s.category_buckets) {
    c["category_buckets"][CategoryName(cat)] =
        json{{"capacity", spec.capacity}, {"refill_per_second", spec.refill_per_second}};
  }
  c["action_buckets"] = json::object();
  for (const auto& [a, spec] : s.action_buckets) {
    c["action_buckets"][a] =
        json{{"capacity", spec.capacity}, {"refill_per_second", spec.refill_per_second}};
  }
  c["buckets"] = json::object();
  for (const auto& [k, b] : s.buckets) {
    c["buckets"][k] =
        json{{"tokens", b.tokens}, {"last", TimeNs(b.last)}, {"capacity", b.capacity}};
  }
  c["faults"] = ListJ(faults_, [](const FaultRule& f) {
    return json{{"action", f.action},         {"error_code", f.error_code},
                {"message", f.message},       {"remaining", f.remaining},
                {"error_rate", f.error_rate}, {"extra_latency_ns", f.extra_latency.count()}};
  });
  c["counters"] = json::object();
  for (const auto& [a, st] : counters_) {
    c["counters"][a] = json{{"calls", st.calls},
                            {"errors", st.errors},
                            {"throttled", st.throttled},
                            {"injected", st.injected}};
  }
  j["control"] = c;
  return j;
}

Result<VpcModel> VpcModel::FromJson(const nlohmann::json& j) {
  try {
    if (!j.is_object()) {
      return MakeError(ErrorCode::kInvalidArgument, "snapshot: expected a JSON object");
    }
    int64_t version = Int(j, "version");
    if (version != kSnapshotVersion) {
      return MakeError(ErrorCode::kDataLoss, "snapshot: unsupported version {} (want {})", version,
                       kSnapshotVersion);
    }
    const json& o = Obj(j, "options");
    Options opt;
    opt.region = Str(o, "region");
    opt.account_id = Str(o, "account_id");
    opt.seed = Uint(o, "seed");
    opt.create_default_vpc = Bool(o, "create_default_vpc");
    opt.attach_delay = NsDur(Int(o, "attach_delay_ns"));
    opt.detach_delay = NsDur(Int(o, "detach_delay_ns"));
    opt.instance_start_delay = NsDur(Int(o, "instance_start_delay_ns"));
    opt.imds_history = NsDur(Int(o, "imds_history_ns"));
    opt.throttling_enabled = Bool(o, "throttling_enabled");
    if (opt.region.empty() || opt.attach_delay < Duration{0} || opt.detach_delay < Duration{0} ||
        opt.instance_start_delay < Duration{0} || opt.imds_history < Duration{0}) {
      return MakeError(ErrorCode::kInvalidArgument, "snapshot: bad options");
    }
    Options build = opt;
    build.create_default_vpc = false;
    VpcModel m(build);
    m.options_ = opt;
    State& s = *m.state_;
    const json& ids = Obj(j, "ids");
    s.id_counter = Uint(ids, "counter");
    s.last_now = NsTime(Int(ids, "last_now"));
    const json& r = Obj(j, "resources");
    for (const auto& t : Arr(r, "instance_types")) {
      m.UpsertInstanceType(TypeF(t));
    }
    for (const auto& x : Arr(r, "vpcs")) {
      Vpc v = VpcF(x);
      std::string id = v.vpc_id;
      InsertUnique(s.vpcs, id, std::move(v), "vpc");
    }
    for (const auto& x : Arr(r, "subnets")) {
      SubnetState ss = SubnetF(x);
      std::string id = ss.subnet.subnet_id;
      InsertUnique(s.subnets, id, std::move(ss), "subnet");
    }
    for (const auto& x : Arr(r, "security_groups")) {
      SecurityGroup g = SgF(x);
      std::string id = g.group_id;
      InsertUnique(s.groups, id, std::move(g), "security group");
    }
    for (const auto& x : Arr(r, "instances")) {
      Instance i = InstanceF(x);
      std::string id = i.instance_id;
      InsertUnique(s.instances, id, std::move(i), "instance");
    }
    for (const auto& x : Arr(r, "network_interfaces")) {
      NetworkInterface e = EniF(x);
      std::string id = e.network_interface_id;
      InsertUnique(s.enis, id, std::move(e), "network interface");
    }
    for (const auto& x : Arr(r, "trunk_associations")) {
      TrunkInterfaceAssociation a = TrunkF(x);
      std::string id = a.association_id;
      InsertUnique(s.trunk_assocs, id, std::move(a), "trunk association");
    }
    const json& tokens = Obj(r, "client_tokens");
    for (auto it = tokens.begin(); it != tokens.end(); ++it) {
      s.client_tokens[it.key()] = AsStr(it.value(), "client token");
    }
    const json& imds = Obj(j, "imds");
    for (auto it = imds.begin(); it != imds.end(); ++it) {
      if (!it.value().is_array())
        Fail("imds history must be an array");
      auto& hist = s.imds_history[it.key()];
      for (const auto& v : it.value())
        hist.push_back(ImdsViewF(v));
    }
    const json& c = Obj(j, "control");
    s.rng_counter = Uint(c, "rng_counter");
    const json& cb = Obj(c, "category_buckets");
    for (auto it = cb.begin(); it != cb.end(); ++it) {
      s.category_buckets[CategoryF(it.key())] = SpecF(it.value());
    }
    const json& ab = Obj(c, "action_buckets");
    for (auto it = ab.begin(); it != ab.end(); ++it) {
      s.action_buckets[it.key()] = SpecF(it.value());
    }
    const json& bk = Obj(c, "buckets");
    for (auto it = bk.begin(); it != bk.end(); ++it) {
      TokenBucket b{Num(it.value(), "tokens"), NsTime(Int(it.value(), "last")),
                    Num(it.value(), "capacity")};
      s.buckets[it.key()] = b;
    }
    for (const auto& f : Arr(c, "faults")) {
      FaultRule rule;
      rule.action = Str(f, "action");
      rule.error_code = Str(f, "error_code");
      rule.message = Str(f, "message");
      rule.remaining = Int32(f, "remaining");
      rule.error_rate = Num(f, "error_rate");
      rule.extra_latency = NsDur(Int(f, "extra_latency_ns"));
      auto added = m.AddFault(rule);
      if (!added.has_value())
        Fail(added.error().message);
    }
    const json& counters = Obj(c, "counters");
    for (auto it = counters.begin(); it != counters.end(); ++it) {
      const json& st = it.value();
      m.counters_[it.key()] =
          CallStats{Int(st, "calls"), Int(st, "errors"), Int(st, "throttled"), Int(st, "injected")};
    }
    RebuildIndexes(s);
    auto ok = m.CheckInvariants();
    if (!ok.has_value()) {
      return MakeError(ErrorCode::kInvalidArgument, "snapshot: inconsistent state: {}",
                       ok.error().message);
    }
    return m;
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument, "snapshot: {}", e.what());
  }
}

Result<VpcModel> VpcModel::FromJsonText(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return MakeError(ErrorCode::kInvalidArgument, "snapshot: not valid JSON");
  }
  return FromJson(j);
}

// ---------------------------------------------------------------------------------------------
// Invariants
// ---------------------------------------------------------------------------------------------

Result<void> VpcModel::CheckInvariants() const {
  const State& s = *state_;
  auto bad = [](std::string msg) {
    return MakeErrorValue(ErrorCode::kInternal, std::move(msg));
  };
  auto id_ok = [](const std::string& id, std::string_view prefix) {
    return CheckIdShape(id, prefix, "x").has_value();
  };
  for (const auto& [id, v] : s.vpcs) {
    if (id != v.vpc_id || !id_ok(id, "vpc"))
      return bad("vpc key mismatch " + id);
    if (v.cidr_block_associations.empty() || v.cidr_block_associations[0].cidr != v.cidr_block) {
      return bad("vpc " + id + ": primary CIDR is not the first association");
    }
  }
  for (const auto& [id, g] : s.groups) {
    if (id != g.group_id || !id_ok(id, "sg"))
      return bad("security group key mismatch " + id);
    if (s.vpcs.count(g.vpc_id) == 0)
      return bad("security group " + id + " in unknown vpc");
  }
  std::set<std::string> attachment_ids;
  std::set<net::MacAddress> macs;
  std::map<std::string, net::Ipv4RangeSet> used4;
  std::map<std::string, std::set<net::Ipv6Address>> used6;
  std::map<std::string, std::set<net::Ipv6Cidr>> pre6;
  for (const auto& [sid, ss] : s.subnets) {
    const Subnet& sn = ss.subnet;
    if (sid != sn.subnet_id || !id_ok(sid, "subnet"))
      return bad("subnet key mismatch " + sid);
    auto vit = s.vpcs.find(sn.vpc_id);
    if (vit == s.vpcs.end())
      return bad("subnet " + sid + " in unknown vpc");
    bool inside = false;
    for (const auto& a : vit->second.cidr_block_associations)
      inside = inside || a.cidr.Contains(sn.cidr_block);
    if (!inside)
      return bad("subnet " + sid + " outside its VPC");
    if (sn.cidr_block.PrefixLen() < 16 || sn.cidr_block.PrefixLen() > 28) {
      return bad("subnet " + sid + " size out of range");
    }
    for (const auto& [oid, o] : s.subnets) {
      if (oid != sid && o.subnet.vpc_id == sn.vpc_id &&
          o.subnet.cidr_block.Overlaps(sn.cidr_block)) {
        return bad("subnets " + sid + " and " + oid + " overlap");
      }
    }
    for (const auto& [rid, r] : ss.reservations) {
      if (r.subnet_id != sid || r.subnet_cidr_reservation_id != rid || !id_ok(rid, "subnet-cr")) {
        return bad("reservation " + rid + " mismatch");
      }
      if (r.ipv4_cidr.has_value() == r.ipv6_cidr.has_value())
        return bad("reservation " + rid + " family");
      if (r.ipv4_cidr && !sn.cidr_block.Contains(*r.ipv4_cidr))
        return bad("reservation " + rid + " outside");
      if (r.ipv6_cidr && (!sn.ipv6_cidr_block || !sn.ipv6_cidr_block->Contains(*r.ipv6_cidr))) {
        return bad("reservation " + rid + " outside");
      }
      for (const auto& [oid, o] : ss.reservations) {
        if (oid != rid && ((r.ipv4_cidr && o.ipv4_cidr && r.ipv4_cidr->Overlaps(*o.ipv4_cidr)) ||
                           (r.ipv6_cidr && o.ipv6_cidr && r.ipv6_cidr->Overlaps(*o.ipv6_cidr)))) {
          return bad("reservations " + rid + " and " + oid + " overlap");
        }
      }
    }
    used4[sid];
  }
  for (const auto& [id, i] : s.instances) {
    if (id != i.instance_id || !id_ok(id, "i"))
      return bad("instance key mismatch " + id);
    if (i.state.name != "terminated" && s.subnets.count(i.subnet_id) == 0) {
      return bad("instance " + id + " in unknown subnet");
    }
    if (FindType(s, i.instance_type) == nullptr)
      return bad("instance " + id + " of unknown type");
    if (i.state.name != "terminated") {
      auto e = s.enis.find(i.primary_network_interface_id);
      if (e == s.enis.end() || !e->second.attachment || e->second.attachment->instance_id != id) {
        return bad("instance " + id + " has no attached primary ENI");
      }
    }
  }
  std::map<std::pair<std::string, int>, std::set<int>> devices;  // (instance, card) -> devices
  for (const auto& [id, e] : s.enis) {
    if (id != e.network_interface_id || !id_ok(id, "eni"))
      return bad("eni key mismatch " + id);
    auto sit = s.subnets.find(e.subnet_id);
    if (sit == s.subnets.end())
      return bad("eni " + id + " in unknown subnet");
    const Subnet& sn = sit->second.subnet;
    if (e.vpc_id != sn.vpc_id || e.availability_zone != sn.availability_zone) {
      return bad("eni " + id + " vpc/zone differ from its subnet");
    }
    if (!macs.insert(e.mac_address).second)
      return bad("duplicate MAC on " + id);
    if (e.private_ip_addresses.empty() || !e.private_ip_addresses[0].primary ||
        e.private_ip_address != e.private_ip_addresses[0].address) {
      return bad("eni " + id + ": primary address must come first");
    }
    if (e.status != EniStatus(e))
      return bad("eni " + id + ": stale status");
    net::Ipv4RangeSet& u = used4[e.subnet_id];
    for (size_t k = 0; k < e.private_ip_addresses.size(); ++k) {
      const auto& ip = e.private_ip_addresses[k];
      if (k > 0 && ip.primary)
        return bad("eni " + id + ": two primaries");
      if (!sn.cidr_block.Contains(ip.address) || IsAwsReserved(sn.cidr_block, ip.address)) {
        return bad(fmt::format("eni {}: address {} outside or reserved", id, ip.address));
      }
      if (u.Add(ip.address) != 1)
        return bad(fmt::format("address {} used twice", ip.address));
    }
    for (const auto& p : e.ipv4_prefixes) {
      if (p.PrefixLen() != 28 || !sn.cidr_block.Contains(p))
        return bad("eni " + id + ": bad prefix");
      for (uint32_t off : {0u, 1u, 2u, 3u}) {
        if (p.Contains(sn.cidr_block.Network().Plus(off)))
          return bad("prefix covers reserved");
      }
      if (p.Contains(sn.cidr_block.Broadcast()))
        return bad("prefix covers broadcast");
      if (u.Add(p) != 16)
        return bad(fmt::format("prefix {} overlaps used addresses", p));
    }
    for (const auto& a : e.ipv6_addresses) {
      if (!sn.ipv6_cidr_block || !sn.ipv6_cidr_block->Contains(a))
        return bad("ipv6 outside subnet");
      if (!used6[e.subnet_id].insert(a).second)
        return bad(fmt::format("ipv6 {} used twice", a));
    }
    for (const auto& p : e.ipv6_prefixes) {
      if (!sn.ipv6_cidr_block || !sn.ipv6_cidr_block->Contains(p) || p.PrefixLen() != 80) {
        return bad("ipv6 prefix outside subnet");
      }
      if (!pre6[e.subnet_id].insert(p).second)
        return bad(fmt::format("ipv6 prefix {} twice", p));
    }
    int limit4 = Ipv4LimitFor(s, e);
    if (SlotCount(e) > limit4)
      return bad(fmt::format("eni {} holds {} > {} slots", id, SlotCount(e), limit4));
    if (Ipv6Count(e) > Ipv6LimitFor(s, e))
      return bad("eni " + id + " over its IPv6 limit");
    if (e.attachment) {
      const auto& a = *e.attachment;
      if (!attachment_ids.insert(a.attachment_id).second || !id_ok(a.attachment_id, "eni-attach")) {
        return bad("duplicate or malformed attachment " + a.attachment_id);
      }
      auto iit = s.instances.find(a.instance_id);
      if (iit == s.instances.end())
        return bad("eni " + id + " attached to unknown instance");
      if (iit->second.state.name == "terminated")
        return bad("eni " + id + " attached to terminated");
      if (iit->second.availability_zone != e.availability_zone)
        return bad("attachment across zones");
      if (!devices[{a.instance_id, a.network_card_index}].insert(a.device_index).second) {
        return bad(fmt::format("device index {} used twice on {}", a.device_index, a.instance_id));
      }
      auto idx = s.attachment_to_eni.find(a.attachment_id);
      if (idx == s.attachment_to_eni.end() || idx->second != id)
        return bad("attachment index stale");
    }
    if (!e.trunk_association_id.empty()) {
      auto t = s.trunk_assocs.find(e.trunk_association_id);
      if (t == s.trunk_assocs.end() || t->second.branch_interface_id != id) {
        return bad("eni " + id + " names a missing trunk association");
      }
    }
  }
  if (s.attachment_to_eni.size() != attachment_ids.size())
    return bad("attachment index has extras");
  if (s.macs != macs)
    return bad("MAC index stale");
  for (const auto& [key, devs] : devices) {
    const Instance& inst = s.instances.at(key.first);
    const cloud::InstanceLimits* t = FindType(s, inst.instance_type);
    auto cards = CardsOf(*t);
    auto c = std::find_if(cards.begin(), cards.end(),
                          [&](const cloud::NetworkCardLimit& x) { return x.index == key.second; });
    if (c == cards.end())
      return bad("attachment on a card the type lacks");
    if (static_cast<int>(devs.size()) > c->max_enis) {
      return bad(fmt::format("{} has {} ENIs on card {} (limit {})", key.first, devs.size(),
                             key.second, c->max_enis));
    }
  }
  for (const auto& [sid, ss] : s.subnets) {
    if (!(ss.used == used4[sid]))
      return bad("subnet " + sid + ": used-address index stale");
    if (ss.used6 != used6[sid] || ss.prefixes6 != pre6[sid])
      return bad("subnet " + sid + ": IPv6 index stale");
    for (const auto& a : ss.used6) {
      for (const auto& p : ss.prefixes6) {
        if (p.Contains(a))
          return bad(fmt::format("ipv6 {} inside allocated prefix {}", a, p));
      }
    }
    // Available count: recompute as the union of reserved, used and reservation addresses.
    net::Ipv4RangeSet all = ss.used;
    const net::Ipv4Cidr& c = ss.subnet.cidr_block;
    all.Add(c.Network(), c.Network().Plus(3));
    all.Add(c.Broadcast());
    for (const auto& [rid, r] : ss.reservations) {
      if (r.ipv4_cidr)
        all.Add(*r.ipv4_cidr);
    }
    int64_t avail = static_cast<int64_t>(c.Size()) - static_cast<int64_t>(all.CountIn(c));
    auto sn = GetSubnet(sid);
    if (sn->available_ip_address_count != avail || avail < 0) {
      return bad(fmt::format("subnet {}: AvailableIpAddressCount {} != {}", sid,
                             sn->available_ip_address_count, avail));
    }
    for (const auto& eid : ss.eni_ids) {
      if (s.enis.count(eid) == 0 || s.enis.at(eid).subnet_id != sid)
        return bad("eni index stale");
    }
  }
  std::map<std::string, std::set<int>> vlans;
  for (const auto& [aid, a] : s.trunk_assocs) {
    if (aid != a.association_id || !id_ok(aid, "trunk-assoc"))
      return bad("trunk association key");
    auto b = s.enis.find(a.branch_interface_id);
    auto t = s.enis.find(a.trunk_interface_id);
    if (b == s.enis.end() || t == s.enis.end())
      return bad("trunk association " + aid + " dangling");
    if (b->second.trunk_association_id != aid)
      return bad("branch does not point back to " + aid);
    if (t->second.interface_type != "trunk")
      return bad("trunk association on a non-trunk ENI");
    if (a.vlan_id < 1 || a.vlan_id > 4094 ||
        !vlans[a.trunk_interface_id].insert(a.vlan_id).second) {
      return bad("trunk association " + aid + ": bad or duplicate VLAN");
    }
  }
  for (const auto& [tok, eid] : s.client_tokens) {
    if (s.enis.count(eid) == 0)
      return bad("client token names a missing ENI");
  }
  for (const auto& [iid, hist] : s.imds_history) {
    if (s.instances.count(iid) == 0)
      return bad("IMDS history for unknown instance " + iid);
    for (size_t k = 1; k < hist.size(); ++k) {
      if (hist[k].as_of < hist[k - 1].as_of)
        return bad("IMDS history out of order");
    }
  }
  return Ok();
}

}  // namespace vpccni::vpcsim
