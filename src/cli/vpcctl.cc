#include <iostream>

#include "cli/commands.h"

namespace vpccni::cli {

// Each command is registered only when its implementation is linked in; see CMakeLists.txt.
int RunVpcctl(int argc, char** argv) {
  CLI::App app{"vpcctl: operator CLI for vpc-cni (max-pods, warm-pool what-if, status, policy)"};
  app.require_subcommand(1);
  int exit_code = 0;
#ifdef VPCCNI_CLI_MAX_PODS
  RegisterMaxPodsCommand(app, &exit_code);
#endif
#ifdef VPCCNI_CLI_WARM_POOL
  RegisterWarmPoolCommand(app, &exit_code);
#endif
#ifdef VPCCNI_CLI_STATUS
  RegisterStatusCommand(app, &exit_code);
#endif
#ifdef VPCCNI_CLI_POLICY
  RegisterPolicyCommand(app, &exit_code);
#endif
#ifdef VPCCNI_CLI_EC2
  RegisterEc2Command(app, &exit_code);
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}

}  // namespace vpccni::cli
