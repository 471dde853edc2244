#include "ipam/datastore.h"

#include <algorithm>
#include <limits>
#include <tuple>

namespace vpccni::ipam {

namespace {

constexpr int kPrefixLen = 28;
constexpr int kIpsPerPrefix = 16;

int DivCeil(int x, int y) {
  return (x + y - 1) / y;
}

}  // namespace

bool Datastore::Cooling(const AddressEntry& e, WallTime now) const {
  return e.key.Empty() && e.released_at.has_value() && now < *e.released_at + options_.cooldown;
}

Datastore::EniEntry* Datastore::FindEni(std::string_view eni_id) {
  auto it = enis_.find(eni_id);
  return it == enis_.end() ? nullptr : &it->second;
}

const Datastore::EniEntry* Datastore::FindEni(std::string_view eni_id) const {
  auto it = enis_.find(eni_id);
  return it == enis_.end() ? nullptr : &it->second;
}

bool Datastore::HasEni(std::string_view eni_id) const {
  return FindEni(eni_id) != nullptr;
}

const EniSpec* Datastore::Eni(std::string_view eni_id) const {
  const auto* e = FindEni(eni_id);
  return e == nullptr ? nullptr : &e->spec;
}

std::vector<EniSpec> Datastore::Enis() const {
  std::vector<EniSpec> out;
  out.reserve(enis_.size());
  for (const auto& [id, e] : enis_) {
    out.push_back(e.spec);
  }
  std::sort(out.begin(), out.end(), [](const EniSpec& a, const EniSpec& b) {
    return std::tie(a.device_number, a.id) < std::tie(b.device_number, b.id);
  });
  return out;
}

std::vector<net::Ipv4Cidr> Datastore::Ipv4Cidrs(std::string_view eni_id, bool prefixes) const {
  std::vector<net::Ipv4Cidr> out;
  if (const auto* e = FindEni(eni_id)) {
    for (const auto& [c, v] : e->v4) {
      if (v.is_prefix == prefixes) {
        out.push_back(c);
      }
    }
  }
  return out;
}

std::vector<net::Ipv6Cidr> Datastore::Ipv6Prefixes(std::string_view eni_id) const {
  std::vector<net::Ipv6Cidr> out;
  if (const auto* e = FindEni(eni_id)) {
    for (const auto& [c, v] : e->v6) {
      out.push_back(c);
    }
  }
  return out;
}

Result<void> Datastore::AddEni(const EniSpec& spec, WallTime now) {
  if (spec.id.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "datastore: empty ENI id");
  }
  if (spec.network_card != options_.network_card) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "datastore: ENI {} is on network card {}, this datastore serves card {}",
                     spec.id, spec.network_card, options_.network_card);
  }
  if (HasEni(spec.id)) {
    return MakeError(ErrorCode::kAlreadyExists, "data store: duplicate ENI {}", spec.id);
  }
  EniEntry e;
  e.spec = spec;
  e.created = now;
  enis_.emplace(spec.id, std::move(e));
  return Ok();
}

Result<void> Datastore::UpdateEni(const EniSpec& spec) {
  EniEntry* e = FindEni(spec.id);
  if (e == nullptr) {
    return MakeError(ErrorCode::kNotFound, "datastore: unknown ENI {}", spec.id);
  }
  e->spec = spec;
  e->spec.network_card = options_.network_card;
  return Ok();
}

std::vector<Assignment> Datastore::DropAssignments(EniEntry& eni, V4Cidr* v4, V6Prefix* v6) {
  std::vector<Assignment> dropped;
  if (v4 != nullptr) {
    for (auto& [off, entry] : v4->addrs) {
      if (!entry.key.Empty()) {
        net::IpAddress addr = v4->cidr.At(off);
        dropped.push_back(MakeAssignment(eni, addr, entry));
        by_key_.erase(entry.key);
      }
    }
  }
  if (v6 != nullptr) {
    for (auto& [off, entry] : v6->addrs) {
      if (!entry.key.Empty()) {
        net::IpAddress addr = v6->cidr.At(off);
        dropped.push_back(MakeAssignment(eni, addr, entry));
        by_key_.erase(entry.key);
      }
    }
  }
  return dropped;
}

Result<std::vector<Assignment>> Datastore::RemoveEni(std::string_view eni_id, bool force) {
  auto it = enis_.find(eni_id);
  if (it == enis_.end()) {
    return MakeError(ErrorCode::kNotFound, "datastore: unknown ENI {}", eni_id);
  }
  EniEntry& e = it->second;
  int assigned = 0;
  for (const auto& [c, v] : e.v4) {
    assigned += v.assigned;
  }
  for (const auto& [c, v] : e.v6) {
    assigned += v.assigned;
  }
  if (assigned > 0 && !force) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "datastore: ENI is used and can not be deleted: {} has {} assigned", eni_id,
                     assigned);
  }
  std::vector<Assignment> dropped;
  for (auto& [c, v] : e.v4) {
    auto d = DropAssignments(e, &v, nullptr);
    dropped.insert(dropped.end(), d.begin(), d.end());
  }
  for (auto& [c, v] : e.v6) {
    auto d = DropAssignments(e, nullptr, &v);
    dropped.insert(dropped.end(), d.begin(), d.end());
  }
  enis_.erase(it);
  return dropped;
}

Result<void> Datastore::AddIpv4Cidr(std::string_view eni_id, const net::Ipv4Cidr& cidr,
                                    bool is_prefix) {
  EniEntry* e = FindEni(eni_id);
  if (e == nullptr) {
    return MakeError(ErrorCode::kNotFound, "datastore: unknown ENI {}", eni_id);
  }
  const int want = is_prefix ? kPrefixLen : 32;
  if (cidr.PrefixLen() != want) {
    return MakeError(ErrorCode::kInvalidArgument, "datastore: {} must be a /{} {}", cidr.ToString(),
                     want, is_prefix ? "prefix" : "secondary address");
  }
  net::Ipv4Cidr masked = cidr.Masked();
  for (const auto& [id, other] : enis_) {
    for (const auto& [c, v] : other.v4) {
      if (c.Overlaps(masked)) {
        return MakeError(ErrorCode::kAlreadyExists, "datastore: IP already in data store: {} ({})",
                         masked.ToString(), id);
      }
    }
  }
  V4Cidr v;
  v.cidr = masked;
  v.is_prefix = is_prefix;
  e->v4.emplace(masked, std::move(v));
  return Ok();
}

Result<std::vector<Assignment>> Datastore::RemoveIpv4Cidr(std::string_view eni_id,
                                                          const net::Ipv4Cidr& cidr, bool force) {
  EniEntry* e = FindEni(eni_id);
  if (e == nullptr) {
    return MakeError(ErrorCode::kNotFound, "datastore: unknown ENI {}", eni_id);
  }
  auto it = e->v4.find(cidr.Masked());
  if (it == e->v4.end()) {
    return MakeError(ErrorCode::kNotFound, "datastore: unknown IP {} on {}", cidr.ToString(),
                     eni_id);
  }
  if (it->second.assigned > 0 && !force) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "datastore: IP is used and can not be deleted: {}", cidr.ToString());
  }
  auto dropped = DropAssignments(*e, &it->second, nullptr);
  e->v4.erase(it);
  return dropped;
}

Result<void> Datastore::AddIpv6Prefix(std::string_view eni_id, const net::Ipv6Cidr& prefix) {
  EniEntry* e = FindEni(eni_id);
  if (e == nullptr) {
    return MakeError(ErrorCode::kNotFound, "datastore: unknown ENI {}", eni_id);
  }
  if (prefix.PrefixLen() < 64 || prefix.PrefixLen() > 128) {
    return MakeError(ErrorCode::kInvalidArgument, "datastore: IPv6 prefix {} must be /64../128",
                     prefix.ToString());
  }
  net::Ipv6Cidr masked = prefix.Masked();
  for (const auto& [id, other] : enis_) {
    for (const auto& [c, v] : other.v6) {
      if (c.Overlaps(masked)) {
        return MakeError(ErrorCode::kAlreadyExists, "datastore: IP already in data store: {} ({})",
                         masked.ToString(), id);
      }
    }
  }
  V6Prefix v;
  v.cidr = masked;
  e->v6.emplace(masked, std::move(v));
  return Ok();
}

Result<std::vector<Assignment>> Datastore::RemoveIpv6Prefix(std::string_view eni_id,
                                                            const net::Ipv6Cidr& prefix,
                                                            bool force) {
  EniEntry* e = FindEni(eni_id);
  if (e == nullptr) {
    return MakeError(ErrorCode::kNotFound, "datastore: unknown ENI {}", eni_id);
  }
  auto it = e->v6.find(prefix.Masked());
  if (it == e->v6.end()) {
    return MakeError(ErrorCode::kNotFound, "datastore: unknown IP {} on {}", prefix.ToString(),
                     eni_id);
  }
  if (it->second.assigned > 0 && !force) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "datastore: IP is used and can not be deleted: {}", prefix.ToString());
  }
  auto dropped = DropAssignments(*e, nullptr, &it->second);
  e->v6.erase(it);
  return dropped;
}

Assignment Datastore::MakeAssignment(const EniEntry& eni, const net::IpAddress& addr,
                                     const AddressEntry& e) const {
  Assignment a;
  a.address = addr;
  a.eni_id = eni.spec.id;
  a.device_number = eni.spec.device_number;
  a.route_table = RouteTableFor(eni.spec.device_number, eni.spec.network_card);
  a.key = e.key;
  a.metadata = e.metadata;
  a.assigned_at = e.assigned_at;
  return a;
}

std::optional<Datastore::Location> Datastore::Locate(const net::IpAddress& address) {
  for (auto& [id, e] : enis_) {
    if (address.IsV4()) {
      const net::Ipv4Address a = address.V4();
      // The /32 or the /28 holding a.
      for (int len : {32, kPrefixLen}) {
        auto it = e.v4.find(net::Ipv4Cidr(a, len).Masked());
        if (it == e.v4.end()) {
          continue;
        }
        Location loc;
        loc.eni = &e;
        loc.v4 = &it->second;
        loc.address = address;
        uint32_t off = a.ToUint() - it->second.cidr.Network().ToUint();
        auto ai = it->second.addrs.find(off);
        loc.entry = ai == it->second.addrs.end() ? nullptr : &ai->second;
        return loc;
      }
    } else {
      for (auto& [c, v] : e.v6) {
        if (!c.Contains(address.V6())) {
          continue;
        }
        Location loc;
        loc.eni = &e;
        loc.v6 = &v;
        loc.address = address;
        auto off = static_cast<uint64_t>(address.V6().ToU128() - c.Network().ToU128());
        auto ai = v.addrs.find(off);
        loc.entry = ai == v.addrs.end() ? nullptr : &ai->second;
        return loc;
      }
    }
  }
  return std::nullopt;
}

Result<Assignment> Datastore::Assign(const IpamKey& key, const PodMetadata& metadata,
                                     WallTime now) {
  if (key.Empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "datastore: empty IPAM key");
  }
  if (auto existing = Find(key)) {
    return *existing;
  }
  if (options_.ipv6) {
    for (auto& [id, e] : enis_) {
      if (e.spec.is_excluded) {
        continue;
      }
      for (auto& [c, v] : e.v6) {
        // Prune released entries whose cool-down is over; they carry no ordering here.
        for (auto it = v.addrs.begin(); it != v.addrs.end();) {
          if (it->second.key.Empty() && !Cooling(it->second, now)) {
            it = v.addrs.erase(it);
          } else {
            ++it;
          }
        }
        const uint64_t size = c.SizeSaturated();
        uint64_t off = 1;
        for (const auto& [used, entry] : v.addrs) {
          if (used > off) {
            break;
          }
          if (used == off) {
            ++off;
          }
        }
        if (off >= size) {
          continue;
        }
        AddressEntry& entry = v.addrs[off];
        entry.key = key;
        entry.metadata = metadata;
        entry.assigned_at = now;
        ++v.assigned;
        net::IpAddress addr = c.At(off);
        by_key_.emplace(key, addr);
        return MakeAssignment(e, addr, entry);
      }
    }
    return MakeError(ErrorCode::kResourceExhausted,
                     "AssignPodIPv6Address: no available IP/Prefix addresses");
  }

  // Best candidate by the documented order.
  using Rank = std::tuple<int, int64_t, int, net::Ipv4Cidr, uint32_t>;
  std::optional<Rank> best;
  EniEntry* best_eni = nullptr;
  V4Cidr* best_cidr = nullptr;
  constexpr int64_t kNever = std::numeric_limits<int64_t>::min();
  // Named references, not structured bindings: the lambda below captures them.
  for (auto& eni_kv : enis_) {
    EniEntry& e = eni_kv.second;
    if (e.spec.is_excluded) {
      continue;
    }
    for (auto& cidr_kv : e.v4) {
      const net::Ipv4Cidr& c = cidr_kv.first;
      V4Cidr& v = cidr_kv.second;
      if (!options_.mixed && v.is_prefix != options_.prefix_delegation) {
        continue;
      }
      const int partly = (v.is_prefix && v.assigned > 0) ? 0 : 1;
      const auto size = static_cast<uint32_t>(c.Size());
      if (v.assigned == static_cast<int>(size)) {
        continue;
      }
      auto consider = [&](uint32_t off, int64_t released) {
        Rank r{partly, released, e.spec.device_number, c, off};
        if (!best || r < *best) {
          best = r;
          best_eni = &e;
          best_cidr = &v;
        }
      };
      // The lowest never-used offset, then released entries out of cool-down.
      uint32_t first_unused = 0;
      for (const auto& [off, entry] : v.addrs) {
        if (off == first_unused) {
          ++first_unused;
        } else if (off > first_unused) {
          break;
        }
      }
      if (first_unused < size) {
        consider(first_unused, kNever);
      }
      for (const auto& [off, entry] : v.addrs) {
        if (entry.key.Empty() && !Cooling(entry, now)) {
          consider(off, entry.released_at ? ToUnixNanos(*entry.released_at) : kNever);
        }
      }
    }
  }
  if (!best) {
    return MakeError(ErrorCode::kResourceExhausted,
                     "AssignPodIPv4Address: no available IP/Prefix addresses");
  }
  const uint32_t off = std::get<4>(*best);
  AddressEntry& entry = best_cidr->addrs[off];
  entry.key = key;
  entry.metadata = metadata;
  entry.assigned_at = now;
  ++best_cidr->assigned;
  net::IpAddress addr = best_cidr->cidr.At(off);
  by_key_.emplace(key, addr);
  return MakeAssignment(*best_eni, addr, entry);
}

Result<Assignment> Datastore::AssignAddress(const IpamKey& key, const PodMetadata& metadata,
                                            const net::IpAddress& address, WallTime assigned_at) {
  if (key.Empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "datastore: empty IPAM key");
  }
  auto loc = Locate(address);
  if (!loc) {
    return MakeError(ErrorCode::kNotFound, "datastore: unknown IP {}", address.ToString());
  }
  if (auto existing = Find(key)) {
    if (existing->address == address) {
      return *existing;
    }
    return MakeError(ErrorCode::kAlreadyExists, "datastore: {} already owns {}", key.ToString(),
                     existing->address.ToString());
  }
  if (loc->entry != nullptr && !loc->entry->key.Empty()) {
    return MakeError(ErrorCode::kAlreadyExists, "datastore: {} is assigned to {}",
                     address.ToString(), loc->entry->key.ToString());
  }
  AddressEntry* entry = loc->entry;
  if (entry == nullptr) {
    if (loc->v4 != nullptr) {
      uint32_t off = address.V4().ToUint() - loc->v4->cidr.Network().ToUint();
      entry = &loc->v4->addrs[off];
    } else {
      auto off = static_cast<uint64_t>(address.V6().ToU128() - loc->v6->cidr.Network().ToU128());
      entry = &loc->v6->addrs[off];
    }
  }
  entry->key = key;
  entry->metadata = metadata;
  entry->assigned_at = assigned_at;
  if (loc->v4 != nullptr) {
    ++loc->v4->assigned;
  } else {
    ++loc->v6->assigned;
  }
  by_key_.emplace(key, address);
  return MakeAssignment(*loc->eni, address, *entry);
}

Result<Assignment> Datastore::ReleaseAt(Location loc, WallTime now) {
  Assignment a = MakeAssignment(*loc.eni, loc.address, *loc.entry);
  by_key_.erase(loc.entry->key);
  loc.entry->key = IpamKey{};
  loc.entry->metadata = PodMetadata{};
  loc.entry->released_at = now;
  if (loc.v4 != nullptr) {
    --loc.v4->assigned;
  } else {
    --loc.v6->assigned;
  }
  return a;
}

Result<Assignment> Datastore::Release(const IpamKey& key, WallTime now) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) {
    return MakeError(ErrorCode::kNotFound, "datastore: unknown pod {}", key.ToString());
  }
  auto loc = Locate(it->second);
  if (!loc || loc->entry == nullptr) {
    return MakeError(ErrorCode::kInternal, "datastore: index names {} for {} but it is gone",
                     it->second.ToString(), key.ToString());
  }
  return ReleaseAt(*loc, now);
}

Result<Assignment> Datastore::ReleaseAddress(const net::IpAddress& address, WallTime now) {
  auto loc = Locate(address);
  if (!loc || loc->entry == nullptr || loc->entry->key.Empty()) {
    return MakeError(ErrorCode::kNotFound, "datastore: {} is not assigned", address.ToString());
  }
  return ReleaseAt(*loc, now);
}

Result<void> Datastore::RestoreCooldown(const net::IpAddress& address, WallTime until) {
  auto loc = Locate(address);
  if (!loc) {
    return MakeError(ErrorCode::kNotFound, "datastore: unknown IP {}", address.ToString());
  }
  if (loc->entry != nullptr && !loc->entry->key.Empty()) {
    return MakeError(ErrorCode::kFailedPrecondition, "datastore: {} is assigned",
                     address.ToString());
  }
  AddressEntry* entry = loc->entry;
  if (entry == nullptr) {
    if (loc->v4 != nullptr) {
      entry = &loc->v4->addrs[address.V4().ToUint() - loc->v4->cidr.Network().ToUint()];
    } else {
      entry = &loc->v6->addrs[static_cast<uint64_t>(address.V6().ToU128() -
                                                    loc->v6->cidr.Network().ToU128())];
    }
  }
  entry->released_at = until - options_.cooldown;
  return Ok();
}

std::optional<Assignment> Datastore::Find(const IpamKey& key) const {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) {
    return std::nullopt;
  }
  return FindByAddress(it->second);
}

std::optional<Assignment> Datastore::FindByAddress(const net::IpAddress& address) const {
  auto loc = const_cast<Datastore*>(this)->Locate(address);  // NOLINT: read-only use
  if (!loc || loc->entry == nullptr || loc->entry->key.Empty()) {
    return std::nullopt;
  }
  return MakeAssignment(*loc->eni, address, *loc->entry);
}

std::vector<Assignment> Datastore::Assignments() const {
  std::vector<Assignment> out;
  out.reserve(by_key_.size());
  for (const auto& [id, e] : enis_) {
    for (const auto& [c, v] : e.v4) {
      if (v.assigned == 0) {
        continue;
      }
      for (const auto& [off, entry] : v.addrs) {
        if (!entry.key.Empty()) {
          out.push_back(MakeAssignment(e, c.At(off), entry));
        }
      }
    }
    for (const auto& [c, v] : e.v6) {
      for (const auto& [off, entry] : v.addrs) {
        if (!entry.key.Empty()) {
          out.push_back(MakeAssignment(e, c.At(off), entry));
        }
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Assignment& a, const Assignment& b) { return a.address < b.address; });
  return out;
}

std::vector<Datastore::AssignmentRef> Datastore::AssignmentRefs() const {
  std::vector<AssignmentRef> out;
  out.reserve(by_key_.size());
  auto add = [&out](const net::IpAddress& address, const AddressEntry& entry) {
    if (!entry.key.Empty()) {
      out.push_back({address, &entry.key, &entry.metadata, entry.assigned_at});
    }
  };
  for (const auto& [id, e] : enis_) {
    for (const auto& [c, v] : e.v4) {
      if (v.assigned == 0) {
        continue;
      }
      for (const auto& [off, entry] : v.addrs) {
        add(c.At(off), entry);
      }
    }
    for (const auto& [c, v] : e.v6) {
      for (const auto& [off, entry] : v.addrs) {
        add(c.At(off), entry);
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const AssignmentRef& a, const AssignmentRef& b) { return a.address < b.address; });
  return out;
}

std::vector<Datastore::Cooldown> Datastore::Cooldowns(WallTime now) const {
  std::vector<Cooldown> out;
  for (const auto& [id, e] : enis_) {
    for (const auto& [c, v] : e.v4) {
      for (const auto& [off, entry] : v.addrs) {
        if (Cooling(entry, now)) {
          out.push_back({c.At(off), *entry.released_at + options_.cooldown});
        }
      }
    }
    for (const auto& [c, v] : e.v6) {
      for (const auto& [off, entry] : v.addrs) {
        if (Cooling(entry, now)) {
          out.push_back({c.At(off), *entry.released_at + options_.cooldown});
        }
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Cooldown& a, const Cooldown& b) { return a.address < b.address; });
  return out;
}

bool Datastore::InCooldown(const net::IpAddress& address, WallTime now) const {
  auto loc = const_cast<Datastore*>(this)->Locate(address);  // NOLINT: read-only use
  return loc && loc->entry != nullptr && Cooling(*loc->entry, now);
}

PoolStats Datastore::Stats(WallTime now) const {
  PoolStats s;
  s.prefix_delegation = options_.prefix_delegation;
  for (const auto& [id, e] : enis_) {
    EniStats es;
    es.spec = e.spec;
    es.created = e.created;
    for (const auto& [c, v] : e.v4) {
      CidrStats cs;
      cs.cidr = c;
      cs.is_prefix = v.is_prefix;
      cs.size = static_cast<int>(c.Size());
      cs.assigned = v.assigned;
      for (const auto& [off, entry] : v.addrs) {
        if (Cooling(entry, now)) {
          ++cs.cooling;
        }
      }
      ++es.cidr_count;
      if (v.is_prefix) {
        ++es.prefixes;
        if (cs.assigned == 0) {
          ++es.free_prefixes;
          if (cs.cooling == 0) {
            ++es.idle_prefixes;
          }
        }
      } else {
        ++es.secondary_ips;
      }
      if (options_.mixed || v.is_prefix == options_.prefix_delegation) {
        es.total += cs.size;
        es.assigned += cs.assigned;
        es.cooling += cs.cooling;
      }
      es.cidrs.push_back(cs);
    }
    if (options_.ipv6) {
      // IPv6 pools are not counted in the IPv4 warm-pool math.
      es.ipv6_prefixes = static_cast<int>(e.v6.size());
      for (const auto& [c, v] : e.v6) {
        es.ipv6_assigned += v.assigned;
      }
      if (!e.spec.is_excluded) {
        s.ipv6_prefixes += es.ipv6_prefixes;
        s.ipv6_assigned += es.ipv6_assigned;
      }
    }
    s.total_prefixes += es.prefixes;
    s.free_prefixes += es.free_prefixes;
    s.idle_prefixes += es.idle_prefixes;
    ++s.eni_count;
    s.has_trunk = s.has_trunk || e.spec.is_trunk;
    if (e.spec.is_excluded) {
      ++s.excluded_eni_count;
    } else {
      s.total += es.total;
      s.assigned += es.assigned;
      s.cooling += es.cooling;
    }
    s.enis.push_back(std::move(es));
  }
  std::sort(s.enis.begin(), s.enis.end(), [](const EniStats& a, const EniStats& b) {
    return std::tie(a.spec.device_number, a.spec.id) < std::tie(b.spec.device_number, b.spec.id);
  });
  return s;
}

std::vector<std::pair<std::string, net::Ipv4Cidr>> Datastore::FreeableIps() const {
  std::vector<std::pair<std::string, net::Ipv4Cidr>> out;
  for (const auto& spec : Enis()) {
    for (const auto& [c, v] : FindEni(spec.id)->v4) {
      if (!v.is_prefix && v.assigned == 0) {
        out.emplace_back(spec.id, c);
      }
    }
  }
  return out;
}

std::vector<std::pair<std::string, net::Ipv4Cidr>> Datastore::FreeablePrefixes() const {
  std::vector<std::pair<std::string, net::Ipv4Cidr>> out;
  for (const auto& spec : Enis()) {
    for (const auto& [c, v] : FindEni(spec.id)->v4) {
      if (v.is_prefix && v.assigned == 0) {
        out.emplace_back(spec.id, c);
      }
    }
  }
  return out;
}

std::optional<std::string> Datastore::FindDeletableEni(const DeletableEniParams& params,
                                                       WallTime now) const {
  return SelectDeletableEni(Stats(now), params, now);
}

std::optional<std::string> SelectDeletableEni(const PoolStats& stats,
                                              const DeletableEniParams& params, WallTime now) {
  const bool pd = stats.prefix_delegation;
  int warm_ip = params.warm_ip_target;
  int min_ip = params.minimum_ip_target;
  if (pd) {
    warm_ip = DivCeil(warm_ip, kIpsPerPrefix) * kIpsPerPrefix;
    min_ip = DivCeil(min_ip, kIpsPerPrefix) * kIpsPerPrefix;
  }
  for (auto it = stats.enis.rbegin(); it != stats.enis.rend(); ++it) {
    const EniStats& e = *it;
    if (e.spec.is_primary || e.spec.is_trunk || e.spec.is_efa) {
      continue;
    }
    if (now - e.created < params.min_eni_age) {
      continue;
    }
    if (e.cooling > 0 || e.assigned > 0) {
      continue;
    }
    // Any cooling address on the ENI, whatever the mode.
    bool cooling = false;
    bool assigned = false;
    for (const auto& c : e.cidrs) {
      cooling = cooling || c.cooling > 0;
      assigned = assigned || c.assigned > 0;
    }
    if (cooling || assigned) {
      continue;
    }
    int others_free = 0;
    int others_total = 0;
    int others_idle_prefixes = 0;
    for (const EniStats& o : stats.enis) {
      if (&o == &e || o.spec.is_excluded) {
        continue;
      }
      others_free += o.total - o.assigned - (params.count_cooling ? 0 : o.cooling);
      others_total += o.total;
      others_idle_prefixes += params.count_cooling ? o.free_prefixes : o.idle_prefixes;
    }
    if (warm_ip != 0 && others_free < warm_ip) {
      continue;
    }
    if (min_ip != 0 && others_total < min_ip) {
      continue;
    }
    if (pd && params.warm_prefix_target != 0 && others_idle_prefixes < params.warm_prefix_target) {
      continue;
    }
    return e.spec.id;
  }
  return std::nullopt;
}

}  // namespace vpccni::ipam
