#include "base/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <mutex>

#include "base/strings.h"

namespace vpccni::log {
namespace {

std::mutex& SinkMutex() {
  static std::mutex mu;
  return mu;
}

std::shared_ptr<Sink>& SinkRef() {
  static std::shared_ptr<Sink> sink = std::make_shared<FdSink>(2);
  return sink;
}

std::atomic<int>& LevelRef() {
  static std::atomic<int> level{static_cast<int>(Level::kInfo)};
  return level;
}

class OwnedFdSink : public Sink {
 public:
  explicit OwnedFdSink(int fd) : inner_(fd), fd_(fd) {}
  ~OwnedFdSink() override { ::close(fd_); }
  OwnedFdSink(const OwnedFdSink&) = delete;
  OwnedFdSink& operator=(const OwnedFdSink&) = delete;
  void Write(std::string_view line) override { inner_.Write(line); }

 private:
  FdSink inner_;
  int fd_;
};

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now - secs).count();
  std::time_t t = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
}

}  // namespace

Result<Level> ParseLevel(std::string_view s) {
  std::string l = strings::ToLower(s);
  if (l == "debug" || l == "trace") {
    return Level::kDebug;
  }
  if (l == "info") {
    return Level::kInfo;
  }
  if (l == "warn" || l == "warning") {
    return Level::kWarn;
  }
  if (l == "error") {
    return Level::kError;
  }
  if (l == "off" || l == "none") {
    return Level::kOff;
  }
  return MakeError(ErrorCode::kInvalidArgument, "unknown log level '{}'", s);
}

std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kOff:
      return "off";
  }
  return "info";
}

void FdSink::Write(std::string_view line) {
  std::string buf(line);
  buf.push_back('\n');
  size_t off = 0;
  while (off < buf.size()) {
    ssize_t n = ::write(fd_, buf.data() + off, buf.size() - off);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return;  // Logging must never fail the caller.
    }
    off += static_cast<size_t>(n);
  }
}

Result<std::shared_ptr<Sink>> OpenFileSink(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return MakeSysError(errno, "open log file {}", path);
  }
  return std::shared_ptr<Sink>(std::make_shared<OwnedFdSink>(fd));
}

void SetSink(std::shared_ptr<Sink> sink) {
  std::lock_guard<std::mutex> lock(SinkMutex());
  SinkRef() = std::move(sink);
}

void SetLevel(Level level) { LevelRef().store(static_cast<int>(level)); }

Level GetLevel() { return static_cast<Level>(LevelRef().load()); }

void Emit(Level level, std::string_view component, std::string_view msg,
          std::initializer_list<Field> fields) {
  if (!Enabled(level)) {
    return;
  }
  std::string line = fmt::format(R"({{"ts":"{}","level":"{}","component":"{}","msg":"{}")",
                                 Timestamp(), LevelName(level), strings::JsonEscape(component),
                                 strings::JsonEscape(msg));
  for (const auto& f : fields) {
    line += fmt::format(R"(,"{}":"{}")", strings::JsonEscape(f.key), strings::JsonEscape(f.value));
  }
  line += "}";
  std::lock_guard<std::mutex> lock(SinkMutex());
  if (SinkRef()) {
    SinkRef()->Write(line);
  }
}

}  // namespace vpccni::log
