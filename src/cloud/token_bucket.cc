#include "cloud/token_bucket.h"

#include <algorithm>

namespace vpccni::cloud {

TokenBucket::TokenBucket(double rate_per_sec, double burst, MonoTime now)
    : rate_(rate_per_sec), burst_(std::max(1.0, burst)), tokens_(burst_), last_(now) {}

void TokenBucket::Refill(MonoTime now) {
  if (now > last_) {
    double secs = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + secs * rate_);
    last_ = now;
  }
}

Duration TokenBucket::Reserve(MonoTime now) {
  if (rate_ <= 0) {
    return Duration::zero();
  }
  std::lock_guard<std::mutex> lock(mu_);
  Refill(now);
  tokens_ -= 1.0;
  if (tokens_ >= 0) {
    return Duration::zero();
  }
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(-tokens_ / rate_));
}

double TokenBucket::Available(MonoTime now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (rate_ > 0) {
    Refill(now);
  }
  return tokens_;
}

}  // namespace vpccni::cloud
