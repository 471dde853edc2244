#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "metrics/awscni.h"
#include "metrics/registry.h"
#include "testing/result_matchers.h"

namespace vpccni::metrics {
namespace {

// Compares `actual` with testdata/<name>; VPCCNI_UPDATE_GOLDEN=1 rewrites the file.
void ExpectGolden(const std::string& name, const std::string& actual) {
  std::string path = std::string(VPCCNI_SOURCE_DIR) + "/src/metrics/testdata/" + name;
  if (std::getenv("VPCCNI_UPDATE_GOLDEN") != nullptr) {  // NOLINT(concurrency-mt-unsafe)
    std::ofstream(path) << actual;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << "missing golden " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), actual);
}

TEST(FormatTest, Values) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(42), "42");
  EXPECT_EQ(FormatValue(-3), "-3");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(FormatValue(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(FormatValue(0.0 / 0.0), "NaN");
}

TEST(FormatTest, Escaping) {
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(EscapeHelp("line1\nback\\slash \"q\""), "line1\\nback\\\\slash \"q\"");
}

TEST(RegistryTest, RejectsBadNamesAndDuplicates) {
  Registry r;
  EXPECT_ERROR_CODE(r.AddCounter("1bad", "h"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(r.AddCounter("ok", "h", {"bad-label"}), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(r.AddCounter("ok", "h", {"le"}), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(r.AddCounter("ok", "h", {"__reserved"}), ErrorCode::kInvalidArgument);
  EXPECT_OK(r.AddCounter("ok", "h"));
  EXPECT_ERROR_CODE(r.AddGauge("ok", "h"), ErrorCode::kAlreadyExists);
}

TEST(RegistryTest, RendersAllTypesSortedAndEscaped) {
  Registry r;
  ASSERT_OK_AND_ASSIGN(auto* c, r.AddCounter("zz_requests_total", "Requests.\nSecond line", {"fn"}));
  ASSERT_OK_AND_ASSIGN(auto* g, r.AddGauge("aa_gauge", "A gauge"));
  ASSERT_OK_AND_ASSIGN(auto* s, r.AddSummary("mm_latency_ms", "Latency", {"api", "error"}));
  ASSERT_OK_AND_ASSIGN(auto* h, r.AddHistogram("hh_seconds", "Hist", {"success"}, {1, 0.5, 5}));
  c->Inc({"b"});
  c->Inc({"a\"quote"}, 2);
  c->Inc({"b"}, -5);  // ignored
  g->Set(7.5);
  s->Observe({"DescribeNetworkInterfaces", "false"}, 12);
  s->Observe({"DescribeNetworkInterfaces", "false"}, 3.5);
  h->Observe({"true"}, 0.2);
  h->Observe({"true"}, 0.7);
  h->Observe({"true"}, 100);
  EXPECT_EQ(c->Get({"b"}), 1);
  EXPECT_EQ(s->Count({"DescribeNetworkInterfaces", "false"}), 2u);
  EXPECT_EQ(h->Count({"true"}), 3u);
  ExpectGolden("registry.prom", r.Render());
}

TEST(RegistryTest, GaugeReplaceAndClear) {
  Registry r;
  ASSERT_OK_AND_ASSIGN(auto* g, r.AddGauge("per_eni", "h", {"eni"}));
  g->Set({"eni-1"}, 3);
  g->Replace({{{"eni-2"}, 1}});
  EXPECT_EQ(g->Get({"eni-1"}), 0);
  EXPECT_EQ(g->Get({"eni-2"}), 1);
  EXPECT_EQ(r.Render(), "# HELP per_eni h\n# TYPE per_eni gauge\nper_eni{eni=\"eni-2\"} 1\n");
  g->Clear();
  EXPECT_EQ(r.Render(), "# HELP per_eni h\n# TYPE per_eni gauge\n");
}

TEST(RegistryTest, ConcurrentIncrements) {
  Registry r;
  ASSERT_OK_AND_ASSIGN(auto* c, r.AddCounter("c", "h", {"t"}));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([c] {
      for (int i = 0; i < 10000; ++i) {
        c->Inc({"x"});
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(c->Get({"x"}), 40000);
}

TEST(AwsCniMetricsTest, RegistersUpstreamNames) {
  Registry r;
  ASSERT_OK_AND_ASSIGN(auto m, AwsCniMetrics::Create(r, "v0.1.0"));
  m.add_ip_req_count->Inc();
  m.del_ip_req_count->Inc({"PodDeleted"});
  m.ec2api_req_count->Inc({"AssignPrivateIpAddresses"});
  m.assigned_ip_per_cidr->Set({"10.0.1.5/32"}, 1);
  std::string text = r.Render();
  for (const char* name :
       {"awscni_ipamd_error_count", "awscni_ipamd_action_inprogress", "awscni_eni_max",
        "awscni_ip_max", "awscni_reconcile_count", "awscni_add_ip_req_count",
        "awscni_del_ip_req_count", "awscni_pod_eni_error_count", "awscni_aws_api_latency_ms",
        "awscni_aws_api_error_count", "awscni_aws_utils_error_count", "awscni_ec2api_req_count",
        "awscni_ec2api_error_count", "awscni_eni_allocated", "awscni_total_ip_addresses",
        "awscni_assigned_ip_addresses", "awscni_force_removed_enis", "awscni_force_removed_ips",
        "awscni_total_ipv4_prefixes", "awscni_assigned_ip_per_cidr",
        "awscni_no_available_ip_addresses", "awscni_assigned_ip_per_eni",
        "awscni_ipamd_startup_duration_seconds",
        "awscni_ipamd_node_initialization_duration_seconds", "awscni_connmark_backend",
        "awscni_connmark_reconcile_total", "awscni_build_info"}) {
    EXPECT_NE(text.find(std::string("# TYPE ") + name + " "), std::string::npos) << name;
  }
  EXPECT_NE(text.find("# TYPE awscni_aws_api_latency_ms summary\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE awscni_ipamd_startup_duration_seconds histogram\n"),
            std::string::npos);
  EXPECT_NE(text.find("awscni_add_ip_req_count 1\n"), std::string::npos);
  EXPECT_NE(text.find("awscni_del_ip_req_count{reason=\"PodDeleted\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("awscni_assigned_ip_per_cidr{cidr=\"10.0.1.5/32\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("awscni_connmark_reconcile_total{result=\"error\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("awscni_no_available_ip_addresses 0\n"), std::string::npos);
}

}  // namespace
}  // namespace vpccni::metrics
