// File: frame_io.h (internal to vpccni_rpc_unix)
//
// Blocking frame I/O on a stream socket with an absolute deadline. Thread-compatible.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vpccni::rpc::internal {

using Deadline = std::chrono::steady_clock::time_point;

// Writes one frame. Errors: kUnavailable (peer gone / I/O error, with sys_errno),
// kDeadlineExceeded.
Result<void> WriteFrame(int fd, std::string_view payload, Deadline deadline);

// Reads one frame payload. `wake_fd` (or -1) aborts the wait when readable (kAborted).
// Errors: kNotFound when the peer closed cleanly before a header byte (end of stream),
// kUnavailable (closed mid-frame / I/O error), kDeadlineExceeded, kInvalidArgument (bad length).
Result<std::string> ReadFrame(int fd, uint32_t max_bytes, Deadline deadline, int wake_fd = -1);

}  // namespace vpccni::rpc::internal
