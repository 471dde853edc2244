#include "cni/plugin_process.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "cni/errors.h"
#include "cni/spec.h"

namespace vpccni::cni {
namespace {

bool ReadAll(int fd, std::string* out) {
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n > 0) {
      out->append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      return true;
    } else if (errno != EINTR) {
      return false;
    }
  }
}

// Writes a JSON document and a newline to stdout.
void WriteLine(const std::string& s) {
  std::string line = s + "\n";
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(1, line.data() + off, line.size() - off);
    if (n <= 0 && errno != EINTR) {
      return;
    }
    off += n > 0 ? static_cast<size_t>(n) : 0;
  }
}

}  // namespace

int RunPluginProcess(const std::function<Outcome(const Invocation&)>& run) {
  Invocation inv;
  auto env = ParseEnv([](const char* k) { return std::getenv(k); });  // NOLINT
  if (!ReadAll(0, &inv.stdin_data)) {
    WriteLine(EncodeError(kLatestVersion, CniError(kCodeIoFailure, "cannot read stdin")));
    return 1;
  }
  if (!env.has_value()) {
    WriteLine(EncodeError(kLatestVersion, env.error()));
    return 1;
  }
  inv.env = std::move(*env);
  Outcome out = run(inv);
  if (!out.stdout_data.empty()) {
    WriteLine(out.stdout_data);
  }
  return out.exit_code;
}

}  // namespace vpccni::cni
