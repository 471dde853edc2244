#include "ipam/checkpoint_file.h"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vpccni::ipam {

namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the error.
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

}  // namespace

Result<void> WriteFileAtomic(const std::string& path, std::string_view data) {
  std::filesystem::path target(path);
  std::filesystem::path dir = target.parent_path();
  if (dir.empty()) {
    dir = ".";
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return MakeSysError(ec.value(), "create directory {}: {}", dir.string(), ec.message());
  }
  std::string tmpl = (dir / (target.filename().string() + ".tmpXXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  int raw = ::mkstemp(buf.data());
  if (raw < 0) {
    return MakeSysError(errno, "create temp file in {}", dir.string());
  }
  std::string tmp(buf.data());
  Fd fd(raw);
  auto fail = [&](const char* step) {
    int err = errno;
    ::unlink(tmp.c_str());
    return MakeSysError(err, "{} {}", step, tmp);
  };
  if (::fchmod(fd.get(), 0644) != 0) {
    return fail("chmod");
  }
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail("write");
    }
    off += static_cast<size_t>(n);
  }
  if (::fdatasync(fd.get()) != 0) {
    return fail("fsync");
  }
  if (fd.Close() != 0) {
    return fail("close");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return fail("rename to target");
  }
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() >= 0) {
    // Best effort: the rename is already visible; fsync makes it durable.
    ::fsync(dfd.get());
  }
  return Ok();
}

Result<std::string> ReadFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return MakeError(ErrorCode::kNotFound, "{} does not exist", path);
    }
    return MakeSysError(errno, "open {}", path);
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return MakeSysError(errno, "read {}", path);
    }
    if (n == 0) {
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace vpccni::ipam
