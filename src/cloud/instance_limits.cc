#include "cloud/instance_limits.h"

#include <algorithm>

#include "base/strings.h"

namespace vpccni::cloud {

// Defined in the generated instance_limits_data.cc.
extern const char* const kInstanceLimitsCsv;
extern const char* const kIpv6LimitsCsv;

namespace {

Result<int> IntCell(const std::vector<std::string>& cells, size_t col, size_t line,
                    std::string_view name) {
  auto v = strings::ParseInt(cells[col]);
  if (!v || *v < 0 || *v > 1'000'000) {
    return MakeError(ErrorCode::kInvalidArgument, "instance limits line {}: bad {} '{}'", line,
                     name, cells[col]);
  }
  return static_cast<int>(*v);
}

Result<std::vector<NetworkCardLimit>> ParseCards(std::string_view s, size_t line) {
  std::vector<NetworkCardLimit> out;
  for (const auto& part : strings::Split(s, ';', true)) {
    auto kv = strings::Split(part, ':');
    auto idx = kv.size() == 2 ? strings::ParseInt(kv[0]) : Result<int64_t>(Error{});
    auto max = kv.size() == 2 ? strings::ParseInt(kv[1]) : Result<int64_t>(Error{});
    if (!idx || !max || *idx < 0 || *max < 0) {
      return MakeError(ErrorCode::kInvalidArgument, "instance limits line {}: bad network card '{}'",
                       line, part);
    }
    out.push_back({static_cast<int>(*idx), static_cast<int>(*max)});
  }
  return out;
}

}  // namespace

int InstanceLimits::TotalEnis() const {
  int total = 0;
  for (const auto& c : network_cards) {
    total += c.max_enis;
  }
  return network_cards.empty() ? eni_limit : total;
}

Result<InstanceLimitsTable> InstanceLimitsTable::ParseCsv(std::string_view limits_csv,
                                                          std::string_view ipv6_csv) {
  std::unordered_map<std::string, int> ipv6;
  auto v6_lines = strings::Split(ipv6_csv, '\n', true);
  for (size_t i = 1; i < v6_lines.size(); ++i) {
    // instance_type,max_enis,ipv4_per_eni,ipv6_per_eni,...
    auto cells = strings::Split(strings::Trim(v6_lines[i]), ',');
    if (cells.size() < 4) {
      return MakeError(ErrorCode::kInvalidArgument, "ipv6 limits line {}: too few columns", i + 1);
    }
    ASSIGN_OR_RETURN(int v, IntCell(cells, 3, i + 1, "ipv6_per_eni"));
    ipv6[cells[0]] = v;
  }

  InstanceLimitsTable table;
  auto lines = strings::Split(limits_csv, '\n', true);
  if (lines.empty() || lines[0].rfind("instance_type,", 0) != 0) {
    return MakeError(ErrorCode::kInvalidArgument, "instance limits: missing header");
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    // instance_type,eni_limit,ipv4_per_eni,default_network_card_index,network_cards,hypervisor,
    // bare_metal,branch_interfaces,default_vcpus
    auto cells = strings::Split(strings::Trim(lines[i]), ',');
    if (cells.size() != 9 || cells[0].empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "instance limits line {}: want 9 columns",
                       i + 1);
    }
    InstanceLimits row;
    row.instance_type = cells[0];
    ASSIGN_OR_RETURN(row.eni_limit, IntCell(cells, 1, i + 1, "eni_limit"));
    ASSIGN_OR_RETURN(row.ipv4_per_eni, IntCell(cells, 2, i + 1, "ipv4_per_eni"));
    ASSIGN_OR_RETURN(row.default_network_card_index,
                     IntCell(cells, 3, i + 1, "default_network_card_index"));
    ASSIGN_OR_RETURN(row.network_cards, ParseCards(cells[4], i + 1));
    row.hypervisor = cells[5];
    auto bm = strings::ParseBool(cells[6]);
    if (!bm) {
      return MakeError(ErrorCode::kInvalidArgument, "instance limits line {}: bad bare_metal '{}'",
                       i + 1, cells[6]);
    }
    row.bare_metal = *bm;
    if (!cells[7].empty()) {
      ASSIGN_OR_RETURN(int b, IntCell(cells, 7, i + 1, "branch_interfaces"));
      row.branch_interfaces = b;
    }
    if (!cells[8].empty()) {  // Empty for a few bare-metal types: vCPUs unknown (0).
      ASSIGN_OR_RETURN(row.vcpus, IntCell(cells, 8, i + 1, "default_vcpus"));
    }
    auto it = ipv6.find(row.instance_type);
    row.ipv6_per_eni = it != ipv6.end() ? it->second : row.ipv4_per_eni;
    table.Upsert(std::move(row));
  }
  return table;
}

const InstanceLimitsTable& InstanceLimitsTable::BuiltIn() {
  static const InstanceLimitsTable table = [] {
    auto t = ParseCsv(kInstanceLimitsCsv, kIpv6LimitsCsv);
    // The embedded data is checked by instance_limits_test; an empty table here would mean a
    // broken build, and every lookup would then fail with kNotFound.
    return t ? std::move(*t) : InstanceLimitsTable();
  }();
  return table;
}

const InstanceLimits* InstanceLimitsTable::Find(std::string_view instance_type) const {
  auto it = index_.find(std::string(instance_type));
  return it == index_.end() ? nullptr : &rows_[it->second];
}

Result<InstanceLimits> InstanceLimitsTable::Lookup(std::string_view instance_type) const {
  if (const auto* row = Find(instance_type)) {
    return *row;
  }
  return MakeError(ErrorCode::kNotFound, "unknown instance type '{}'", instance_type);
}

void InstanceLimitsTable::Upsert(InstanceLimits row) {
  auto it = index_.find(row.instance_type);
  if (it != index_.end()) {
    rows_[it->second] = std::move(row);
    return;
  }
  auto pos = std::lower_bound(
      rows_.begin(), rows_.end(), row.instance_type,
      [](const InstanceLimits& r, const std::string& t) { return r.instance_type < t; });
  rows_.insert(pos, std::move(row));
  index_.clear();
  for (size_t i = 0; i < rows_.size(); ++i) {
    index_[rows_[i].instance_type] = i;
  }
}

}  // namespace vpccni::cloud
