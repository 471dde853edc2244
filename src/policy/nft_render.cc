#include "policy/nft_render.h"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

namespace vpccni::policy {
namespace {

std::string Ip(uint32_t v) {
  return net::Ipv4Address(v).ToString();
}

std::string IpRangeText(const IpRange& r) {
  return r.lo == r.hi ? Ip(r.lo) : Ip(r.lo) + "-" + Ip(r.hi);
}

std::string PortText(const PortRange& p) {
  return p.lo == p.hi ? std::to_string(p.lo) : fmt::format("{}-{}", p.lo, p.hi);
}

std::string_view ProtoText(L4 p) {
  switch (p) {
    case L4::kTcp:
      return "tcp";
    case L4::kUdp:
      return "udp";
    case L4::kSctp:
      return "sctp";
    case L4::kOther:
      return "ip";
  }
  return "tcp";
}

std::string_view MapName(Direction d) {
  return d == Direction::kIngress ? "ingress_pods" : "egress_pods";
}

// "<verb> element" for cells into `set`.
void AddCells(std::string& out, const std::string& set, const std::vector<AllowCell>& cells,
              std::string_view verb) {
  if (cells.empty()) {
    return;
  }
  out += fmt::format("{} element inet {} {} {{ ", verb, kNftTable, set);
  for (size_t i = 0; i < cells.size(); ++i) {
    const auto& c = cells[i];
    out += fmt::format("{}{} . {} . {}", i > 0 ? ", " : "", IpRangeText(c.remote),
                       ProtoText(c.protocol), PortText(c.ports));
  }
  out += " }\n";
}

// "<verb> element" for other-protocol ranges into the chain's `_o` set.
void AddOther(std::string& out, const std::string& chain, const std::vector<IpRange>& other,
              std::string_view verb) {
  if (other.empty()) {
    return;
  }
  out += fmt::format("{} element inet {} {}_o {{ ", verb, kNftTable, chain);
  for (size_t i = 0; i < other.size(); ++i) {
    out += fmt::format("{}{}", i > 0 ? ", " : "", IpRangeText(other[i]));
  }
  out += " }\n";
}

// The cells of each shard set, in shard order (cells stay sorted).
std::vector<std::vector<AllowCell>> ByShard(const std::vector<AllowCell>& cells, int shards) {
  std::vector<std::vector<AllowCell>> out(static_cast<size_t>(shards));
  for (const AllowCell& c : cells) {
    out[static_cast<size_t>(NftCellShard(c, shards))].push_back(c);
  }
  return out;
}

void CreateDirection(std::string& out, uint32_t ip, Direction dir, const DirectionRules& rules,
                     const std::string& key) {
  std::string chain = NftChainName(ip, dir);
  const char* remote = dir == Direction::kIngress ? "ip saddr" : "ip daddr";
  const char* verdict = dir == Direction::kIngress ? "accept" : "return";
  const int shards = NftShardCount(rules.cells.size());
  auto by_shard = ByShard(rules.cells, shards);
  for (int i = 0; i < shards; ++i) {
    std::string set = NftCellSetName(ip, dir, i, shards);
    out += fmt::format(
        "add set inet {} {} {{ type ipv4_addr . inet_proto . inet_service; flags interval; }}\n",
        kNftTable, set);
    AddCells(out, set, by_shard[static_cast<size_t>(i)], "add");
  }
  out +=
      fmt::format("add set inet {} {}_o {{ type ipv4_addr; flags interval; }}\n", kNftTable, chain);
  AddOther(out, chain, rules.other, "add");
  out += fmt::format("add chain inet {0} {1} {{ comment \"{2} {3}\"; }}\n", kNftTable, chain, key,
                     DirectionName(dir));
  for (int i = 0; i < shards; ++i) {
    out += fmt::format("add rule inet {} {} {} . meta l4proto . th dport @{} counter {}\n",
                       kNftTable, chain, remote, NftCellSetName(ip, dir, i, shards), verdict);
  }
  out += fmt::format(
      "add rule inet {0} {1} meta l4proto != {{ tcp, udp, sctp }} {2} @{1}_o counter {3}\n",
      kNftTable, chain, remote, verdict);
  out += fmt::format("add rule inet {0} {1} counter drop\n", kNftTable, chain);
  out += fmt::format("add element inet {} {} {{ {} : jump {} }}\n", kNftTable, MapName(dir), Ip(ip),
                     chain);
}

void DeleteDirection(std::string& out, uint32_t ip, Direction dir, const DirectionRules& rules) {
  std::string chain = NftChainName(ip, dir);
  out += fmt::format("delete element inet {} {} {{ {} }}\n", kNftTable, MapName(dir), Ip(ip));
  out += fmt::format("flush chain inet {} {}\n", kNftTable, chain);
  out += fmt::format("delete chain inet {} {}\n", kNftTable, chain);
  const int shards = NftShardCount(rules.cells.size());
  for (int i = 0; i < shards; ++i) {
    out += fmt::format("delete set inet {} {}\n", kNftTable, NftCellSetName(ip, dir, i, shards));
  }
  out += fmt::format("delete set inet {} {}_o\n", kNftTable, chain);
}

// `a` minus `b`, both sorted.
template <typename T>
std::vector<T> Minus(const std::vector<T>& a, const std::vector<T>& b) {
  std::vector<T> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// The per-shard cell changes of one direction whose shard count stays.
void CellChanges(std::vector<CellSetChange>& out, uint32_t ip, Direction dir,
                 const DirectionRules& from, const DirectionRules& to) {
  const int shards = NftShardCount(to.cells.size());
  auto removed = ByShard(Minus(from.cells, to.cells), shards);
  auto added = ByShard(Minus(to.cells, from.cells), shards);
  for (int i = 0; i < shards; ++i) {
    auto& r = removed[static_cast<size_t>(i)];
    auto& a = added[static_cast<size_t>(i)];
    if (!r.empty() || !a.empty()) {
      out.push_back({NftCellSetName(ip, dir, i, shards), std::move(r), std::move(a)});
    }
  }
}

void UpdateDirection(std::string& out, uint32_t ip, Direction dir, const DirectionRules& from,
                     const DirectionRules& to, const std::string& key) {
  if (from == to) {
    return;
  }
  if (from.enforced) {
    if (!to.enforced || NftShardCount(from.cells.size()) != NftShardCount(to.cells.size())) {
      DeleteDirection(out, ip, dir, from);
    }
    if (!to.enforced) {
      return;
    }
  }
  if (!from.enforced || NftShardCount(from.cells.size()) != NftShardCount(to.cells.size())) {
    CreateDirection(out, ip, dir, to, key);
    return;
  }
  // Element-level difference: removed elements are deleted and new ones added in the same
  // transaction, so the kernel work is proportional to the change, not to the set size.
  std::vector<CellSetChange> changes;
  CellChanges(changes, ip, dir, from, to);
  for (const auto& c : changes) {
    AddCells(out, c.set, c.removed, "delete");
  }
  for (const auto& c : changes) {
    AddCells(out, c.set, c.added, "add");
  }
  std::string chain = NftChainName(ip, dir);
  AddOther(out, chain, Minus(from.other, to.other), "delete");
  AddOther(out, chain, Minus(to.other, from.other), "add");
}

}  // namespace

int NftShardCount(size_t cells) {
  int shards = 1;
  while (shards < kNftMaxShards && cells > static_cast<size_t>(shards) * kNftCellsPerShard) {
    shards *= 2;
  }
  return shards;
}

int NftCellShard(const AllowCell& cell, int shards) {
  if (shards <= 1) {
    return 0;
  }
  // splitmix64 over the cell: deterministic, and spreads neighbouring addresses and ports.
  uint64_t x = (uint64_t{cell.remote.lo} << 32) ^ cell.remote.hi;
  x ^= (uint64_t{cell.ports.lo} << 48) ^ (uint64_t{cell.ports.hi} << 32) ^
       static_cast<uint64_t>(cell.protocol);
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return static_cast<int>(x % static_cast<uint64_t>(shards));
}

std::string NftCellSetName(uint32_t ip, Direction dir, int shard, int shards) {
  std::string chain = NftChainName(ip, dir);
  return shards <= 1 ? chain + "_p" : fmt::format("{}_p{}", chain, shard);
}

std::string NftChainName(uint32_t ip, Direction dir) {
  return fmt::format("{}_{:08x}", dir == Direction::kIngress ? 'i' : 'e', ip);
}

std::string RenderNftDelete() {
  return fmt::format("add table inet {0}\ndelete table inet {0}\n", kNftTable);
}

std::string RenderNftFull(const NodeProgram& desired) {
  std::string out = RenderNftDelete();
  out += fmt::format(
      "add table inet {0}\n"
      "add map inet {0} ingress_pods {{ type ipv4_addr : verdict; }}\n"
      "add map inet {0} egress_pods {{ type ipv4_addr : verdict; }}\n"
      "add chain inet {0} forward {{ type filter hook forward priority filter - 5; policy accept; "
      "}}\n"
      "add rule inet {0} forward ct state established,related counter accept\n"
      "add rule inet {0} forward ip saddr vmap @egress_pods\n"
      "add rule inet {0} forward ip daddr vmap @ingress_pods\n",
      kNftTable);
  for (const auto& [ip, prog] : desired) {
    if (prog.ingress.enforced) {
      CreateDirection(out, ip, Direction::kIngress, prog.ingress, prog.key);
    }
    if (prog.egress.enforced) {
      CreateDirection(out, ip, Direction::kEgress, prog.egress, prog.key);
    }
  }
  return out;
}

std::optional<std::vector<CellSetChange>> CellOnlyDiff(const NodeProgram& current,
                                                       const NodeProgram& desired) {
  if (current.size() != desired.size()) {
    return std::nullopt;
  }
  std::vector<CellSetChange> changes;
  for (auto c = current.begin(), d = desired.begin(); c != current.end(); ++c, ++d) {
    if (c->first != d->first || c->second.key != d->second.key) {
      return std::nullopt;
    }
    for (Direction dir : {Direction::kIngress, Direction::kEgress}) {
      const DirectionRules& from =
          dir == Direction::kIngress ? c->second.ingress : c->second.egress;
      const DirectionRules& to = dir == Direction::kIngress ? d->second.ingress : d->second.egress;
      if (from.enforced != to.enforced || from.other != to.other ||
          NftShardCount(from.cells.size()) != NftShardCount(to.cells.size())) {
        return std::nullopt;
      }
      if (from.cells != to.cells) {
        CellChanges(changes, c->first, dir, from, to);
      }
    }
  }
  return changes;
}

std::string RenderNftDiff(const NodeProgram& current, const NodeProgram& desired) {
  std::string out;
  static const PodProgram kNone;
  for (const auto& [ip, prog] : current) {
    if (desired.find(ip) == desired.end()) {
      UpdateDirection(out, ip, Direction::kIngress, prog.ingress, kNone.ingress, prog.key);
      UpdateDirection(out, ip, Direction::kEgress, prog.egress, kNone.egress, prog.key);
    }
  }
  for (const auto& [ip, prog] : desired) {
    auto it = current.find(ip);
    const PodProgram& from = it == current.end() ? kNone : it->second;
    UpdateDirection(out, ip, Direction::kIngress, from.ingress, prog.ingress, prog.key);
    UpdateDirection(out, ip, Direction::kEgress, from.egress, prog.egress, prog.key);
  }
  return out;
}

}  // namespace vpccni::policy
