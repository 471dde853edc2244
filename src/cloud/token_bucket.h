// File: token_bucket.h
//
// A client-side token bucket (rate r tokens/s, capacity `burst`) that keeps one node from
// flooding the account's EC2 request limits. Pure: time is passed in. Reservations may go into
// debt, so concurrent callers are queued fairly: each Reserve() returns how long that caller
// must wait before sending.
#pragma once

#include <mutex>

#include "base/clock.h"

namespace vpccni::cloud {

class TokenBucket {
 public:
  // rate <= 0 disables limiting (Reserve always returns 0). burst is at least 1.
  TokenBucket(double rate_per_sec, double burst, MonoTime now);

  // Takes one token and returns the delay before it may be used (0 if one was available).
  // Thread-safe.
  Duration Reserve(MonoTime now);

  // Tokens available at `now` (negative while in debt). Thread-safe.
  double Available(MonoTime now);

  double rate() const { return rate_; }
  double burst() const { return burst_; }

 private:
  void Refill(MonoTime now);

  std::mutex mu_;
  double rate_;
  double burst_;
  double tokens_;
  MonoTime last_;
};

}  // namespace vpccni::cloud
