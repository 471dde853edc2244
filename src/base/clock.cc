#include "base/clock.h"

#include <thread>

namespace vpccni {

void SystemClock::SleepFor(Duration d) { std::this_thread::sleep_for(d); }

SystemClock& SystemClock::Get() {
  static SystemClock clock;
  return clock;
}

SeededRng SeededRng::FromEntropy() {
  std::random_device rd;
  return SeededRng((static_cast<uint64_t>(rd()) << 32) ^ rd());
}

}  // namespace vpccni
