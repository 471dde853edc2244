// File: fake_clock.h (test-only)
//
// A Clock whose time only moves when Advance() (or SleepFor()) is called. Thread-safe.
#pragma once

#include <mutex>

#include "base/clock.h"

namespace vpccni::testing {

class FakeClock : public Clock {
 public:
  explicit FakeClock(WallTime start = FromUnixNanos(1'800'000'000'000'000'000)) : now_(start) {}

  WallTime Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  MonoTime Mono() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return MonoTime(std::chrono::duration_cast<MonoTime::duration>(now_.time_since_epoch()));
  }
  void SleepFor(Duration d) override { Advance(d); }
  void Advance(Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += std::chrono::duration_cast<WallTime::duration>(d);
  }

 private:
  mutable std::mutex mu_;
  WallTime now_;
};

}  // namespace vpccni::testing
