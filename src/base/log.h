// File: log.h
//
// Structured JSON-lines logging with a component name. One process-wide sink and level,
// set once by the main; tests install a capturing sink. Thread-safe: Write() calls on the sink
// are serialized by a mutex.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "base/result.h"

namespace vpccni::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

// Parses "debug", "info", "warn"/"warning", "error", "off" (case-insensitive).
Result<Level> ParseLevel(std::string_view s);
std::string_view LevelName(Level l);

// Where formatted lines go. Write() receives one complete JSON line without the newline.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void Write(std::string_view line) = 0;
};

// Writes lines to a file descriptor (2 = stderr by default), with O_APPEND semantics.
class FdSink : public Sink {
 public:
  explicit FdSink(int fd) : fd_(fd) {}
  void Write(std::string_view line) override;

 private:
  int fd_;
};

// Opens (append, create 0644) a log file; returns an FdSink that owns the fd.
Result<std::shared_ptr<Sink>> OpenFileSink(const std::string& path);

void SetSink(std::shared_ptr<Sink> sink);
void SetLevel(Level level);
Level GetLevel();
inline bool Enabled(Level l) { return l >= GetLevel(); }

struct Field {
  std::string_view key;
  std::string value;
};

// Emits {"ts":...,"level":...,"component":...,"msg":...,<fields>}.
void Emit(Level level, std::string_view component, std::string_view msg,
          std::initializer_list<Field> fields = {});

template <typename... Args>
void Logf(Level level, std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
  if (!Enabled(level)) {
    return;
  }
  Emit(level, component, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace vpccni::log

#define LOG_DEBUG(component, ...) \
  ::vpccni::log::Logf(::vpccni::log::Level::kDebug, component, __VA_ARGS__)
#define LOG_INFO(component, ...) \
  ::vpccni::log::Logf(::vpccni::log::Level::kInfo, component, __VA_ARGS__)
#define LOG_WARN(component, ...) \
  ::vpccni::log::Logf(::vpccni::log::Level::kWarn, component, __VA_ARGS__)
#define LOG_ERROR(component, ...) \
  ::vpccni::log::Logf(::vpccni::log::Level::kError, component, __VA_ARGS__)
