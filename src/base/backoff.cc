#include "base/backoff.h"

#include <algorithm>

namespace vpccni {

Duration BackoffCeiling(const BackoffPolicy& p, int attempt) {
  Duration d = p.base;
  for (int i = 0; i < attempt && d < p.cap; ++i) {
    d *= 2;
  }
  return std::min(d, p.cap);
}

Duration BackoffDelay(const BackoffPolicy& p, int attempt, Rng& rng) {
  auto ceiling = static_cast<uint64_t>(BackoffCeiling(p, attempt).count());
  return Duration(static_cast<int64_t>(rng.Uniform(ceiling + 1)));
}

}  // namespace vpccni
