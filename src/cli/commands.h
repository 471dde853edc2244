// File: commands.h
//
// vpcctl subcommands. Each Register*Command adds one CLI11 subcommand to the app; its callback
// writes its output to stdout/stderr and stores the process exit code in *exit_code (0 only on
// success). Add a declaration here and one line in vpcctl.cc per command.
#pragma once

#include <CLI/CLI.hpp>

namespace vpccni::cli {

void RegisterMaxPodsCommand(CLI::App& app, int* exit_code);
void RegisterWarmPoolCommand(CLI::App& app, int* exit_code);
void RegisterStatusCommand(CLI::App& app, int* exit_code);
void RegisterPolicyCommand(CLI::App& app, int* exit_code);
void RegisterEc2Command(CLI::App& app, int* exit_code);

// Runs vpcctl with argv; returns the exit code.
int RunVpcctl(int argc, char** argv);

}  // namespace vpccni::cli
