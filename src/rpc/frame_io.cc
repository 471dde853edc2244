#include "rpc/frame_io.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "rpc/protocol.h"

namespace vpccni::rpc::internal {
namespace {

// Waits until fd has `events` ready. kAborted if wake_fd becomes readable first.
Result<void> WaitFor(int fd, short events, Deadline deadline, int wake_fd) {
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return MakeError(ErrorCode::kDeadlineExceeded, "rpc: socket timed out");
    }
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    pollfd fds[2] = {{fd, events, 0}, {wake_fd, POLLIN, 0}};
    int n = ::poll(fds, wake_fd >= 0 ? 2 : 1, static_cast<int>(std::min<int64_t>(ms, 60000)));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return MakeSysError(errno, "rpc: poll");
    }
    if (n == 0) {
      continue;
    }
    if (wake_fd >= 0 && (fds[1].revents & POLLIN) != 0) {
      return MakeError(ErrorCode::kAborted, "rpc: shutting down");
    }
    if (fds[0].revents != 0) {
      return Ok();
    }
  }
}

}  // namespace

Result<void> WriteFrame(int fd, std::string_view payload, Deadline deadline) {
  std::string frame = EncodeFrame(payload);
  size_t off = 0;
  while (off < frame.size()) {
    ssize_t n = ::send(fd, frame.data() + off, frame.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN)) {
      RETURN_IF_ERROR(WaitFor(fd, POLLOUT, deadline, -1));
      continue;
    }
    Error e = MakeSysError(errno, "rpc: send");
    e.code = ErrorCode::kUnavailable;
    return e;
  }
  return Ok();
}

Result<std::string> ReadFrame(int fd, uint32_t max_bytes, Deadline deadline, int wake_fd) {
  uint8_t header[kFrameHeaderBytes];
  size_t got = 0;
  std::string payload;
  size_t want = kFrameHeaderBytes;
  bool in_payload = false;
  while (got < want) {
    char* dst = in_payload ? payload.data() + got : reinterpret_cast<char*>(header) + got;
    ssize_t n = ::recv(fd, dst, want - got, MSG_DONTWAIT);
    if (n > 0) {
      got += static_cast<size_t>(n);
      if (!in_payload && got == want) {
        ASSIGN_OR_RETURN(uint32_t len, DecodeFrameHeader(header, max_bytes));
        payload.resize(len);
        in_payload = true;
        got = 0;
        want = len;
      }
      continue;
    }
    if (n == 0) {
      if (!in_payload && got == 0) {
        return MakeError(ErrorCode::kNotFound, "rpc: end of stream");
      }
      return MakeError(ErrorCode::kUnavailable, "rpc: peer closed the connection mid-frame");
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN) {
      // Only an idle connection (no byte of the next frame yet) may be woken for shutdown.
      RETURN_IF_ERROR(WaitFor(fd, POLLIN, deadline, (!in_payload && got == 0) ? wake_fd : -1));
      continue;
    }
    Error e = MakeSysError(errno, "rpc: recv");
    e.code = ErrorCode::kUnavailable;
    return e;
  }
  return payload;
}

}  // namespace vpccni::rpc::internal
