#include "metrics/registry.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace vpccni::metrics {

std::string_view MetricTypeName(MetricType t) {
  switch (t) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kSummary:
      return "summary";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

std::string FormatValue(double v) {
  if (std::isnan(v)) {
    return "NaN";
  }
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return fmt::format("{}", static_cast<int64_t>(v));
  }
  return fmt::format("{}", v);
}

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

bool IsNameChar(char c, bool first, bool allow_colon) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
    return true;
  }
  if (c == ':') {
    return allow_colon;
  }
  return !first && c >= '0' && c <= '9';
}

bool IsValidName(std::string_view s, bool allow_colon) {
  if (s.empty()) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    if (!IsNameChar(s[i], i == 0, allow_colon)) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool IsValidMetricName(std::string_view s) { return IsValidName(s, true); }
bool IsValidLabelName(std::string_view s) {
  return IsValidName(s, false) && !(s.size() >= 2 && s[0] == '_' && s[1] == '_');
}

void Family::Render(std::string& out) const {
  out += fmt::format("# HELP {} {}\n", name_, EscapeHelp(help_));
  out += fmt::format("# TYPE {} {}\n", name_, MetricTypeName(type()));
  std::lock_guard<std::mutex> lock(mu_);
  RenderSamples(out);
}

std::string Family::LabelString(const LabelValues& values, std::string_view extra_name,
                                std::string_view extra_value) const {
  if (label_names_.empty() && extra_name.empty()) {
    return "";
  }
  std::string s = "{";
  bool first = true;
  for (size_t i = 0; i < label_names_.size(); ++i) {
    if (!first) {
      s += ',';
    }
    first = false;
    s += fmt::format("{}=\"{}\"", label_names_[i],
                     EscapeLabelValue(i < values.size() ? values[i] : ""));
  }
  if (!extra_name.empty()) {
    if (!first) {
      s += ',';
    }
    s += fmt::format("{}=\"{}\"", extra_name, EscapeLabelValue(extra_value));
  }
  s += '}';
  return s;
}

LabelValues Family::Normalize(const LabelValues& values) const {
  LabelValues v = values;
  v.resize(label_names_.size());
  return v;
}

void CounterFamily::Inc(const LabelValues& labels, double amount) {
  if (!(amount >= 0)) {
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  values_[Normalize(labels)] += amount;
}

void CounterFamily::Touch(const LabelValues& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  values_.try_emplace(Normalize(labels), 0.0);
}

double CounterFamily::Get(const LabelValues& labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = values_.find(Normalize(labels));
  return it == values_.end() ? 0.0 : it->second;
}

void CounterFamily::RenderSamples(std::string& out) const {
  for (const auto& [labels, v] : values_) {
    out += fmt::format("{}{} {}\n", name(), LabelString(labels), FormatValue(v));
  }
}

void GaugeFamily::Set(const LabelValues& labels, double v) {
  std::lock_guard<std::mutex> lock(mu_);
  values_[Normalize(labels)] = v;
}

void GaugeFamily::Add(const LabelValues& labels, double delta) {
  std::lock_guard<std::mutex> lock(mu_);
  values_[Normalize(labels)] += delta;
}

double GaugeFamily::Get(const LabelValues& labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = values_.find(Normalize(labels));
  return it == values_.end() ? 0.0 : it->second;
}

void GaugeFamily::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  values_.clear();
}

void GaugeFamily::Replace(const std::map<LabelValues, double>& values) {
  std::map<LabelValues, double> normalized;
  for (const auto& [k, v] : values) {
    normalized[Normalize(k)] = v;
  }
  std::lock_guard<std::mutex> lock(mu_);
  values_ = std::move(normalized);
}

void GaugeFamily::RenderSamples(std::string& out) const {
  for (const auto& [labels, v] : values_) {
    out += fmt::format("{}{} {}\n", name(), LabelString(labels), FormatValue(v));
  }
}

void SummaryFamily::Observe(const LabelValues& labels, double v) {
  std::lock_guard<std::mutex> lock(mu_);
  Series& s = values_[Normalize(labels)];
  s.sum += v;
  ++s.count;
}

uint64_t SummaryFamily::Count(const LabelValues& labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = values_.find(Normalize(labels));
  return it == values_.end() ? 0 : it->second.count;
}

double SummaryFamily::Sum(const LabelValues& labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = values_.find(Normalize(labels));
  return it == values_.end() ? 0.0 : it->second.sum;
}

void SummaryFamily::RenderSamples(std::string& out) const {
  for (const auto& [labels, s] : values_) {
    std::string ls = LabelString(labels);
    out += fmt::format("{}_sum{} {}\n", name(), ls, FormatValue(s.sum));
    out += fmt::format("{}_count{} {}\n", name(), ls, s.count);
  }
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names, std::vector<double> bounds)
    : Family(std::move(name), std::move(help), std::move(label_names)), bounds_(std::move(bounds)) {
  std::sort(bounds_.begin(), bounds_.end());
  bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
  if (!bounds_.empty() && std::isinf(bounds_.back())) {
    bounds_.pop_back();
  }
}

void HistogramFamily::Observe(const LabelValues& labels, double v) {
  std::lock_guard<std::mutex> lock(mu_);
  Series& s = values_[Normalize(labels)];
  if (s.buckets.size() != bounds_.size()) {
    s.buckets.assign(bounds_.size(), 0);
  }
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  if (it != bounds_.end()) {
    ++s.buckets[static_cast<size_t>(it - bounds_.begin())];
  }
  s.sum += v;
  ++s.count;
}

uint64_t HistogramFamily::Count(const LabelValues& labels) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = values_.find(Normalize(labels));
  return it == values_.end() ? 0 : it->second.count;
}

void HistogramFamily::RenderSamples(std::string& out) const {
  for (const auto& [labels, s] : values_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += i < s.buckets.size() ? s.buckets[i] : 0;
      out += fmt::format("{}_bucket{} {}\n", name(),
                         LabelString(labels, "le", FormatValue(bounds_[i])), cumulative);
    }
    out += fmt::format("{}_bucket{} {}\n", name(), LabelString(labels, "le", "+Inf"), s.count);
    std::string ls = LabelString(labels);
    out += fmt::format("{}_sum{} {}\n", name(), ls, FormatValue(s.sum));
    out += fmt::format("{}_count{} {}\n", name(), ls, s.count);
  }
}

Result<void> Registry::Check(const std::string& name,
                             const std::vector<std::string>& labels) const {
  if (!IsValidMetricName(name)) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid metric name '{}'", name);
  }
  for (const auto& l : labels) {
    if (!IsValidLabelName(l) || l == "le" || l == "quantile") {
      return MakeError(ErrorCode::kInvalidArgument, "metric {}: invalid label name '{}'", name, l);
    }
  }
  if (families_.count(name) != 0) {
    return MakeError(ErrorCode::kAlreadyExists, "metric {} already registered", name);
  }
  return Ok();
}

template <typename F, typename... Args>
Result<F*> Registry::Add(std::string name, std::string help, std::vector<std::string> labels,
                         Args&&... args) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(Check(name, labels));
  auto family = std::make_unique<F>(name, std::move(help), std::move(labels),
                                    std::forward<Args>(args)...);
  F* raw = family.get();
  families_.emplace(std::move(name), std::move(family));
  return raw;
}

Result<CounterFamily*> Registry::AddCounter(std::string name, std::string help,
                                            std::vector<std::string> labels) {
  return Add<CounterFamily>(std::move(name), std::move(help), std::move(labels));
}

Result<GaugeFamily*> Registry::AddGauge(std::string name, std::string help,
                                        std::vector<std::string> labels) {
  return Add<GaugeFamily>(std::move(name), std::move(help), std::move(labels));
}

Result<SummaryFamily*> Registry::AddSummary(std::string name, std::string help,
                                            std::vector<std::string> labels) {
  return Add<SummaryFamily>(std::move(name), std::move(help), std::move(labels));
}

Result<HistogramFamily*> Registry::AddHistogram(std::string name, std::string help,
                                                std::vector<std::string> labels,
                                                std::vector<double> bounds) {
  return Add<HistogramFamily>(std::move(name), std::move(help), std::move(labels),
                              std::move(bounds));
}

std::string Registry::Render() const {
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, family] : families_) {
    family->Render(out);
  }
  return out;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> b;
  double v = start;
  for (int i = 0; i < count; ++i) {
    b.push_back(v);
    v *= factor;
  }
  return b;
}

}  // namespace vpccni::metrics
