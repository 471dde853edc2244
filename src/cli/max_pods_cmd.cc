// vpcctl max-pods: the EKS AMI max-pods calculator over the project's instance limits table.
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cloud/instance_limits.h"
#include "ipam/max_pods.h"

namespace vpccni::cli {

namespace {

struct MaxPodsArgs {
  std::string instance_type;
  std::string cni_version;
  bool prefix_delegation = false;
  bool custom_networking = false;
  int max_eni = 0;
  bool show_max_allowed = false;
  bool all = false;
};

int RunMaxPods(const MaxPodsArgs& args, CLI::App* sub) {
  ipam::MaxPodsOptions options;
  options.cni_version = args.cni_version;
  options.prefix_delegation = args.prefix_delegation;
  options.custom_networking = args.custom_networking;
  options.show_max_allowed = args.show_max_allowed;
  if (sub->count("--cni-max-eni") > 0) {
    options.max_eni = args.max_eni;
  }
  const auto& table = cloud::InstanceLimitsTable::BuiltIn();
  if (args.all) {
    std::string out;
    for (const auto& row : table.All()) {
      auto n = ipam::ComputeMaxPods(row, options);
      if (!n) {
        std::cerr << "vpcctl max-pods: " << n.error().ToString() << "\n";
        return 1;
      }
      out += row.instance_type + " " + std::to_string(*n) + "\n";
    }
    std::cout << out;
    return 0;
  }
  if (args.instance_type.empty()) {
    std::cerr << "vpcctl max-pods: --instance-type or --all is required\n";
    return 2;
  }
  auto n = ipam::ComputeMaxPods(table, args.instance_type, options);
  if (!n) {
    std::cerr << "vpcctl max-pods: " << n.error().ToString() << "\n";
    return 1;
  }
  std::cout << *n << "\n";
  return 0;
}

}  // namespace

void RegisterMaxPodsCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<MaxPodsArgs>();
  CLI::App* sub = app.add_subcommand(
      "max-pods", "Maximum pods for an instance type, as the EKS max-pods calculator computes it");
  sub->add_option("--instance-type", args->instance_type, "EC2 instance type, e.g. m5.large");
  sub->add_option("--cni-version", args->cni_version, "VPC CNI version, e.g. 1.18.0")
      ->required();
  sub->add_flag("--cni-prefix-delegation-enabled", args->prefix_delegation,
                "prefix delegation (/28 prefixes; Nitro and CNI > 1.8 only)");
  sub->add_flag("--cni-custom-networking-enabled", args->custom_networking,
                "custom networking (the primary ENI carries no pods)");
  sub->add_option("--cni-max-eni", args->max_eni, "cap on ENIs (MAX_ENI)");
  sub->add_flag("--show-max-allowed", args->show_max_allowed,
                "print the uncapped value (no 110/250 cap)");
  sub->add_flag("--all", args->all, "print 'TYPE MAXPODS' for every known instance type");
  sub->callback([args, sub, exit_code] { *exit_code = RunMaxPods(*args, sub); });
}

}  // namespace vpccni::cli
