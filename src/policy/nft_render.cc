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

// Appends "<verb> element" commands for the cells and other-protocol ranges of `rules`.
void AddElements(std::string& out, const std::string& set, const DirectionRules& rules,
                 std::string_view verb = "add") {
  if (!rules.cells.empty()) {
    out += fmt::format("{} element inet {} {}_p {{ ", verb, kNftTable, set);
    for (size_t i = 0; i < rules.cells.size(); ++i) {
      const auto& c = rules.cells[i];
      out += fmt::format("{}{} . {} . {}", i > 0 ? ", " : "", IpRangeText(c.remote),
                         ProtoText(c.protocol), PortText(c.ports));
    }
    out += " }\n";
  }
  if (!rules.other.empty()) {
    out += fmt::format("{} element inet {} {}_o {{ ", verb, kNftTable, set);
    for (size_t i = 0; i < rules.other.size(); ++i) {
      out += fmt::format("{}{}", i > 0 ? ", " : "", IpRangeText(rules.other[i]));
    }
    out += " }\n";
  }
}

void CreateDirection(std::string& out, uint32_t ip, Direction dir, const DirectionRules& rules,
                     const std::string& key) {
  std::string chain = NftChainName(ip, dir);
  const char* remote = dir == Direction::kIngress ? "ip saddr" : "ip daddr";
  const char* verdict = dir == Direction::kIngress ? "accept" : "return";
  out += fmt::format(
      "add set inet {0} {1}_p {{ type ipv4_addr . inet_proto . inet_service; flags interval; }}\n"
      "add set inet {0} {1}_o {{ type ipv4_addr; flags interval; }}\n",
      kNftTable, chain);
  AddElements(out, chain, rules);
  out += fmt::format("add chain inet {0} {1} {{ comment \"{2} {3}\"; }}\n", kNftTable, chain, key,
                     DirectionName(dir));
  out += fmt::format("add rule inet {0} {1} {2} . meta l4proto . th dport @{1}_p counter {3}\n",
                     kNftTable, chain, remote, verdict);
  out += fmt::format(
      "add rule inet {0} {1} meta l4proto != {{ tcp, udp, sctp }} {2} @{1}_o counter {3}\n",
      kNftTable, chain, remote, verdict);
  out += fmt::format("add rule inet {0} {1} counter drop\n", kNftTable, chain);
  out += fmt::format("add element inet {} {} {{ {} : jump {} }}\n", kNftTable, MapName(dir), Ip(ip),
                     chain);
}

void DeleteDirection(std::string& out, uint32_t ip, Direction dir) {
  std::string chain = NftChainName(ip, dir);
  out += fmt::format("delete element inet {} {} {{ {} }}\n", kNftTable, MapName(dir), Ip(ip));
  out += fmt::format("flush chain inet {} {}\n", kNftTable, chain);
  out += fmt::format("delete chain inet {} {}\n", kNftTable, chain);
  out += fmt::format("delete set inet {} {}_p\n", kNftTable, chain);
  out += fmt::format("delete set inet {} {}_o\n", kNftTable, chain);
}

// `a` minus `b`, both sorted.
template <typename T>
std::vector<T> Minus(const std::vector<T>& a, const std::vector<T>& b) {
  std::vector<T> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

void UpdateDirection(std::string& out, uint32_t ip, Direction dir, const DirectionRules& from,
                     const DirectionRules& to, const std::string& key) {
  if (from == to) {
    return;
  }
  if (from.enforced && !to.enforced) {
    DeleteDirection(out, ip, dir);
    return;
  }
  if (!from.enforced && to.enforced) {
    CreateDirection(out, ip, dir, to, key);
    return;
  }
  // Element-level difference: removed elements are deleted and new ones added in the same
  // transaction, so the kernel work is proportional to the change, not to the set size.
  std::string chain = NftChainName(ip, dir);
  DirectionRules removed{true, Minus(from.cells, to.cells), Minus(from.other, to.other)};
  DirectionRules added{true, Minus(to.cells, from.cells), Minus(to.other, from.other)};
  AddElements(out, chain, removed, "delete");
  AddElements(out, chain, added, "add");
}

}  // namespace

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
      if (from.enforced != to.enforced || from.other != to.other) {
        return std::nullopt;
      }
      if (from.cells != to.cells) {
        changes.push_back({NftChainName(c->first, dir) + "_p", Minus(from.cells, to.cells),
                           Minus(to.cells, from.cells)});
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
