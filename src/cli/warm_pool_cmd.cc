// vpcctl warm-pool: what a node of a given type holds for a pod count under a configuration,
// computed by the real warm-pool policy, datastore and pool manager against the in-process VPC
// model (ipam/warm_pool_sim.h).
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/strings.h"
#include "cli/commands.h"
#include "ipam/warm_pool_sim.h"

namespace vpccni::cli {

namespace {

struct WarmPoolArgs {
  std::string instance_type;
  std::vector<std::string> env;
  int max_pods = 0;
  std::string pods;
  std::string output = "table";
};

int RunWarmPool(const WarmPoolArgs& args, CLI::App* sub) {
  ipam::WarmPoolSimOptions options;
  options.instance_type = args.instance_type;
  for (const auto& kv : args.env) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "vpcctl warm-pool: --env wants NAME=VALUE, got '" << kv << "'\n";
      return 2;
    }
    options.env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (sub->count("--max-pods") > 0) {
    options.max_pods = args.max_pods;
  }
  for (const auto& part : strings::Split(args.pods, ',', true)) {
    auto n = strings::ParseInt(part);
    if (!n || *n < 0 || *n > 100000) {
      std::cerr << "vpcctl warm-pool: --pods: '" << part << "' is not a pod count\n";
      return 2;
    }
    options.pods.push_back(static_cast<int>(*n));
  }
  if (args.output != "table" && args.output != "json") {
    std::cerr << "vpcctl warm-pool: --output must be table or json\n";
    return 2;
  }
  // The simulated pool manager logs every EC2 action; only errors matter here.
  log::SetLevel(log::Level::kError);
  auto result = ipam::RunWarmPoolSim(options);
  if (!result) {
    std::cerr << "vpcctl warm-pool: " << result.error().ToString() << "\n";
    return 1;
  }
  if (args.output == "json") {
    std::cout << ipam::RenderWarmPoolJson(*result).dump() << "\n";
  } else {
    std::cout << "# " << args.instance_type << ", max-pods " << result->max_pods << "\n"
              << ipam::RenderWarmPoolTable(*result);
  }
  return 0;
}

}  // namespace

void RegisterWarmPoolCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<WarmPoolArgs>();
  CLI::App* sub = app.add_subcommand(
      "warm-pool",
      "What-if: ENIs and addresses a node holds for pod counts under a warm-pool configuration");
  sub->add_option("--instance-type", args->instance_type, "EC2 instance type, e.g. m5.large")
      ->required();
  sub->add_option("--env", args->env, "ipamd environment variable NAME=VALUE (repeatable)");
  sub->add_option("--max-pods", args->max_pods,
                  "node capacity (default: vpcctl max-pods for the type and mode)");
  sub->add_option("--pods", args->pods, "pod counts to visit in order, e.g. 0,10,30,5")
      ->required();
  sub->add_option("--output", args->output, "table (default) or json");
  sub->callback([args, sub, exit_code] { *exit_code = RunWarmPool(*args, sub); });
}

}  // namespace vpccni::cli
