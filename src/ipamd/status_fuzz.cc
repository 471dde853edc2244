// Fuzz target: the introspection client's /v1/enis parser and the env configuration parser must
// accept or reject any input without crashing. The input is JSON for ParseEnisStatus; split at
// '=' it also becomes one environment variable for ParseConfig.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ipamd/config.h"
#include "ipamd/status_client.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  auto j = nlohmann::json::parse(s, nullptr, false);
  if (!j.is_discarded()) {
    auto rows = vpccni::ipamd::ParseEnisStatus(j);
    if (rows) {
      for (const auto& r : *rows) {
        if (r.free < 0) {
          std::abort();
        }
      }
    }
  }
  auto eq = s.find('=');
  if (eq != std::string_view::npos) {
    vpccni::ipamd::EnvMap env{{std::string(s.substr(0, eq)), std::string(s.substr(eq + 1))}};
    (void)vpccni::ipamd::ParseConfig(env);
    (void)vpccni::ipamd::ParseDuration(s.substr(eq + 1));
  }
  return 0;
}
