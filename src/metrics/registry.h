// File: registry.h
//
// A small thread-safe metrics registry (counters, gauges, summaries, histograms, each a family of
// labelled series) with Prometheus text exposition format 0.0.4. Pure: no I/O, no clock.
//
// Families are created once (usually at start-up) and live as long as the Registry; the pointers
// returned by Add*() stay valid for the Registry's lifetime. Every method is thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vpccni::metrics {

enum class MetricType { kCounter, kGauge, kSummary, kHistogram };

std::string_view MetricTypeName(MetricType t);

// Label values of one series, in the order of the family's label names.
using LabelValues = std::vector<std::string>;

// Renders a sample value the way Prometheus text format expects ("1", "0.25", "+Inf", "NaN").
std::string FormatValue(double v);
// Escapes a label value (backslash, double quote, newline).
std::string EscapeLabelValue(std::string_view v);
// Escapes HELP text (backslash, newline).
std::string EscapeHelp(std::string_view v);
// True if s is a valid metric or label name ([a-zA-Z_:][a-zA-Z0-9_:]*; labels without ':').
bool IsValidMetricName(std::string_view s);
bool IsValidLabelName(std::string_view s);

// Common part of every family: name, help, label names and the text rendering.
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}
  virtual ~Family() = default;
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  const std::string& name() const { return name_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  virtual MetricType type() const = 0;
  // Appends "# HELP", "# TYPE" and every sample line, series sorted by label values.
  void Render(std::string& out) const;

 protected:
  // Appends the sample lines of all series; called with mu_ held.
  virtual void RenderSamples(std::string& out) const = 0;
  // `{a="x",b="y"}` for the given values plus an optional extra label (le / quantile).
  std::string LabelString(const LabelValues& values, std::string_view extra_name = {},
                          std::string_view extra_value = {}) const;
  // Pads or truncates label values to the number of label names (programming-error tolerant).
  LabelValues Normalize(const LabelValues& values) const;

  mutable std::mutex mu_;

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
};

// Monotonic counter family. Inc() with a negative amount is ignored.
class CounterFamily : public Family {
 public:
  using Family::Family;
  MetricType type() const override { return MetricType::kCounter; }
  void Inc(const LabelValues& labels = {}, double amount = 1.0);
  // Creates the series at 0 if absent (so it shows up before the first increment).
  void Touch(const LabelValues& labels = {});
  double Get(const LabelValues& labels = {}) const;

 protected:
  void RenderSamples(std::string& out) const override;

 private:
  std::map<LabelValues, double> values_;
};

// Gauge family: Set/Add/Get; Clear() drops every series (for gauges rebuilt from a snapshot, like
// per-ENI assignments).
class GaugeFamily : public Family {
 public:
  using Family::Family;
  MetricType type() const override { return MetricType::kGauge; }
  void Set(const LabelValues& labels, double v);
  void Set(double v) { Set({}, v); }
  void Add(const LabelValues& labels, double delta);
  double Get(const LabelValues& labels = {}) const;
  void Clear();
  // Replaces all series at once.
  void Replace(const std::map<LabelValues, double>& values);

 protected:
  void RenderSamples(std::string& out) const override;

 private:
  std::map<LabelValues, double> values_;
};

// Summary without quantile objectives (what client_golang renders for a SummaryOpts without
// Objectives): <name>_sum and <name>_count per series.
class SummaryFamily : public Family {
 public:
  using Family::Family;
  MetricType type() const override { return MetricType::kSummary; }
  void Observe(const LabelValues& labels, double v);
  uint64_t Count(const LabelValues& labels) const;
  double Sum(const LabelValues& labels) const;

 protected:
  void RenderSamples(std::string& out) const override;

 private:
  struct Series {
    double sum = 0;
    uint64_t count = 0;
  };
  std::map<LabelValues, Series> values_;
};

// Histogram with fixed upper bounds (sorted ascending; +Inf is implicit).
class HistogramFamily : public Family {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> bounds);
  MetricType type() const override { return MetricType::kHistogram; }
  void Observe(const LabelValues& labels, double v);
  uint64_t Count(const LabelValues& labels) const;

 protected:
  void RenderSamples(std::string& out) const override;

 private:
  struct Series {
    std::vector<uint64_t> buckets;  // non-cumulative, one per bound
    double sum = 0;
    uint64_t count = 0;
  };
  std::vector<double> bounds_;
  std::map<LabelValues, Series> values_;
};

// Owns families by name. Add*() returns an error if the name or a label name is invalid or the
// name is already registered.
class Registry {
 public:
  Result<CounterFamily*> AddCounter(std::string name, std::string help,
                                    std::vector<std::string> labels = {});
  Result<GaugeFamily*> AddGauge(std::string name, std::string help,
                                std::vector<std::string> labels = {});
  Result<SummaryFamily*> AddSummary(std::string name, std::string help,
                                    std::vector<std::string> labels = {});
  Result<HistogramFamily*> AddHistogram(std::string name, std::string help,
                                        std::vector<std::string> labels,
                                        std::vector<double> bounds);

  // Prometheus text format 0.0.4 of every family, sorted by family name.
  std::string Render() const;
  // Content-Type for Render()'s output.
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  Result<void> Check(const std::string& name, const std::vector<std::string>& labels) const;
  template <typename F, typename... Args>
  Result<F*> Add(std::string name, std::string help, std::vector<std::string> labels,
                 Args&&... args);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family>> families_;
};

// Exponential bucket bounds: start, start*factor, ... (count values).
std::vector<double> ExponentialBuckets(double start, double factor, int count);

}  // namespace vpccni::metrics
