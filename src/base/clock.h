// File: clock.h
//
// Clock and Rng ports. Pure code never reads the clock; it takes time as an argument. The shell
// injects a Clock (SystemClock in production, testing::FakeClock in tests).
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace vpccni {

using WallTime = std::chrono::system_clock::time_point;
using MonoTime = std::chrono::steady_clock::time_point;
using Duration = std::chrono::nanoseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (persisted deadlines, timestamps in checkpoints).
  virtual WallTime Now() const = 0;
  // Monotonic time (timeouts, rate limits).
  virtual MonoTime Mono() const = 0;
  // Blocks the calling thread for d (fake clocks advance instead).
  virtual void SleepFor(Duration d) = 0;
};

class SystemClock : public Clock {
 public:
  WallTime Now() const override { return std::chrono::system_clock::now(); }
  MonoTime Mono() const override { return std::chrono::steady_clock::now(); }
  void SleepFor(Duration d) override;
  // A process-wide instance.
  static SystemClock& Get();
};

// Unix nanoseconds of a wall time, and back.
inline int64_t ToUnixNanos(WallTime t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
inline WallTime FromUnixNanos(int64_t ns) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::nanoseconds(ns)));
}

// Randomness port. Not thread-safe.
class Rng {
 public:
  virtual ~Rng() = default;
  virtual uint64_t Next() = 0;
  // Uniform in [0, n); n == 0 returns 0.
  uint64_t Uniform(uint64_t n) { return n == 0 ? 0 : Next() % n; }
};

// Deterministic, seedable generator; production seeds it from std::random_device.
class SeededRng : public Rng {
 public:
  explicit SeededRng(uint64_t seed) : gen_(seed) {}
  static SeededRng FromEntropy();
  uint64_t Next() override { return gen_(); }

 private:
  std::mt19937_64 gen_;
};

}  // namespace vpccni
