// File: plugin_runner.h (test-only)
//
// Runs a CNI plugin binary the way a runtime does: env, config on stdin, result on stdout,
// optionally inside a network namespace (the "node"). Also small observers of kernel state
// through `ip -j` (tests may use `ip` to observe).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vpccni::cnitest {

struct PluginRun {
  int exit_code = -1;
  std::string out;
  std::string err;
  nlohmann::json json;  // parsed stdout (discarded when not JSON)
  int Code() const {
    return json.is_object() && json.contains("code") ? json["code"].get<int>() : 0;
  }
};

// Executes `binary` with exactly `env` (plus PATH) in the netns at `netns_path` ("" = current),
// feeding `stdin_data`. stdin_is_dir makes fd 0 a directory (read fails: the I/O error case).
PluginRun RunPlugin(const std::string& binary, const std::map<std::string, std::string>& env,
                    const std::string& stdin_data, const std::string& netns_path = "",
                    bool stdin_is_dir = false);

// `ip -j -n <ns> <args>` parsed; an empty array on failure.
nlohmann::json IpJson(const std::string& ns, const std::string& args);
// Runs a shell command, returns its exit status.
int Sh(const std::string& cmd);

}  // namespace vpccni::cnitest
