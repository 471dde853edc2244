// File: checkpoint_file.h
//
// The tiny effect helper behind the checkpoint: atomic file replacement (write a temp file in the
// same directory, fsync it, rename it over the target, fsync the directory) and whole-file reads.
// Lives in target vpccni_ipam_io so the IPAM core stays pure. Thread-compatible: concurrent
// writers of one path must be serialized by the caller.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace vpccni::ipam {

// Replaces `path` with `data` atomically (readers see the old or the new content, never a mix,
// also across a crash). Creates missing parent directories (0755). The file gets mode 0644.
// Errors carry errno and name the step ("write /x.tmp123: No space left on device").
Result<void> WriteFileAtomic(const std::string& path, std::string_view data);

// Reads the whole file. kNotFound when it does not exist; kInternal with errno otherwise.
Result<std::string> ReadFile(const std::string& path);

}  // namespace vpccni::ipam
