// File: backoff.h
//
// Capped exponential backoff with full jitter (the AWS SDK "full jitter" scheme):
// delay(n) = uniform(0, min(cap, base * 2^n)). Pure given the Rng.
#pragma once

#include <chrono>

#include "base/clock.h"

namespace vpccni {

struct BackoffPolicy {
  Duration base = std::chrono::milliseconds(100);
  Duration cap = std::chrono::seconds(20);
  // Maximum attempts including the first; 0 means unlimited.
  int max_attempts = 0;
};

// Upper bound of the delay before retry number `attempt` (0-based): min(cap, base * 2^attempt).
Duration BackoffCeiling(const BackoffPolicy& p, int attempt);

// Jittered delay in [0, BackoffCeiling(p, attempt)].
Duration BackoffDelay(const BackoffPolicy& p, int attempt, Rng& rng);

}  // namespace vpccni
