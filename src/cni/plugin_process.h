// File: plugin_process.h
//
// The process side shared by the plugin binaries (vpc-cni, egress-cni): reads the whole network
// configuration from stdin and CNI_* from the environment, answers an unreadable stdin or a bad
// environment with CNI error JSON (exit 1), otherwise runs the command and writes what it
// returned to stdout.
#pragma once

#include <functional>

#include "cni/vpc_cni.h"

namespace vpccni::cni {

// Returns the process exit code.
int RunPluginProcess(const std::function<Outcome(const Invocation&)>& run);

}  // namespace vpccni::cni
