// File: dir_source.h
//
// The `--k8s-source dir:PATH` object source: every *.yaml, *.yml and *.json file under PATH
// (recursively; names starting with '.' are ignored, as are the `..data` links of ConfigMap
// volumes) is decoded with DecodeManifests. Changes are found by polling file metadata
// (mtime, size, inode). Each file is applied atomically: when a file fails to parse or holds an
// invalid object, the error is reported and the objects previously loaded from that file are
// kept. Objects with the same kind/namespace/name in several files: the last file in path order
// wins and a warning error is reported.
//
// Not thread-safe: one thread calls Poll(); Snapshot values are immutable copies.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "k8s/objects.h"

namespace vpccni::k8s {

// A consistent view of all objects, with the problems found while building it.
struct Snapshot {
  uint64_t generation = 0;   // increases on every change
  ObjectSet objects;
  std::vector<Error> errors;  // per-file problems (files whose previous objects were kept)
};

// Parses "dir:PATH" into PATH. Errors: kInvalidArgument for any other form.
Result<std::string> ParseDirSourceSpec(std::string_view spec);

class DirectorySource {
 public:
  explicit DirectorySource(std::string dir) : dir_(std::move(dir)) {}

  // Rescans the directory. Returns true when the snapshot changed (and bumps its generation).
  // Errors: kNotFound / kInternal when the directory itself cannot be read (the previous snapshot
  // is kept). Per-file problems do not fail the call; they are in snapshot().errors.
  Result<bool> Poll();

  const Snapshot& snapshot() const { return snapshot_; }
  const std::string& dir() const { return dir_; }

 private:
  struct FileState {
    int64_t mtime_ns = 0;
    uint64_t size = 0;
    uint64_t inode = 0;
    ObjectSet objects;      // last good objects
    std::vector<Error> errors;  // errors of the current content (empty when it was good)
  };

  void Rebuild();

  std::string dir_;
  std::map<std::string, FileState> files_;
  Snapshot snapshot_;
};

}  // namespace vpccni::k8s
