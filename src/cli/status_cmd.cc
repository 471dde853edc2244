// `vpcctl status`: the warm pool of a running ipamd, read from its introspection endpoint.
#include <iostream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "ipamd/status_client.h"

namespace vpccni::cli {
namespace {

struct StatusOptions {
  std::string url = "http://127.0.0.1:61679";
  std::string output = "table";
  int timeout_ms = 5000;
};

int RunStatus(const StatusOptions& o) {
  if (o.output != "table" && o.output != "json") {
    std::cerr << "vpcctl status: --output must be table or json\n";
    return 2;
  }
  auto doc = ipamd::FetchJson(o.url, "/v1/enis", o.timeout_ms);
  if (!doc) {
    std::cerr << "vpcctl status: " << doc.error().ToString() << "\n";
    return 1;
  }
  auto rows = ipamd::ParseEnisStatus(*doc);
  if (!rows) {
    std::cerr << "vpcctl status: " << rows.error().ToString() << "\n";
    return 1;
  }
  int total = 0;
  int assigned = 0;
  int cooling = 0;
  int free = 0;
  for (const auto& r : *rows) {
    total += r.total;
    assigned += r.assigned;
    cooling += r.cooling;
    free += r.free;
  }
  if (o.output == "json") {
    nlohmann::json enis = nlohmann::json::array();
    for (const auto& r : *rows) {
      enis.push_back({{"network_card", r.network_card},
                      {"eni", r.eni_id},
                      {"device", r.device_number},
                      {"primary", r.is_primary},
                      {"subnet", r.subnet_id},
                      {"ips", r.secondary_ips},
                      {"prefixes", r.prefixes},
                      {"ipv6_prefixes", r.ipv6_prefixes},
                      {"total", r.total},
                      {"assigned", r.assigned},
                      {"cooling", r.cooling},
                      {"free", r.free}});
    }
    nlohmann::json out = {{"enis", enis},
                          {"total", total},
                          {"assigned", assigned},
                          {"cooling", cooling},
                          {"free", free}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << fmt::format("{:<4} {:<24} {:>6} {:<26} {:>5} {:>8} {:>6} {:>8} {:>7} {:>5}\n",
                           "CARD", "ENI", "DEVICE", "SUBNET", "IPS", "PREFIXES", "TOTAL",
                           "ASSIGNED", "COOLING", "FREE");
  for (const auto& r : *rows) {
    std::string name = r.eni_id + (r.is_primary ? " (primary)" : "");
    std::cout << fmt::format("{:<4} {:<24} {:>6} {:<26} {:>5} {:>8} {:>6} {:>8} {:>7} {:>5}\n",
                             r.network_card, name, r.device_number, r.subnet_id, r.secondary_ips,
                             r.prefixes + r.ipv6_prefixes, r.total, r.assigned, r.cooling,
                             r.free);
  }
  std::cout << fmt::format("{:<4} {:<24} {:>6} {:<26} {:>5} {:>8} {:>6} {:>8} {:>7} {:>5}\n",
                           "", "TOTAL", "", "", "", "", total, assigned, cooling, free);
  return 0;
}

}  // namespace

void RegisterStatusCommand(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<StatusOptions>();
  CLI::App* cmd = app.add_subcommand("status", "Show the warm pool of the local ipamd");
  cmd->add_option("--introspection-url", opts->url,
                  "ipamd introspection endpoint (default http://127.0.0.1:61679)");
  cmd->add_option("--output,-o", opts->output, "table or json");
  cmd->add_option("--timeout-ms", opts->timeout_ms, "HTTP timeout in milliseconds");
  cmd->callback([opts, exit_code] { *exit_code = RunStatus(*opts); });
}

}  // namespace vpccni::cli
