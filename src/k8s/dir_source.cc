#include "k8s/dir_source.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "k8s/decode.h"

namespace vpccni::k8s {
namespace {

bool IsManifest(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

bool IsHidden(const std::filesystem::path& rel) {
  for (const auto& part : rel) {
    std::string s = part.string();
    if (!s.empty() && s[0] == '.') {
      return true;
    }
  }
  return false;
}

// Keeps the last occurrence of every kind/namespace/name; reports the earlier ones.
template <typename T>
void Dedupe(std::vector<T>& items, std::string_view kind, std::vector<Error>& errors) {
  std::map<std::string, size_t> last;
  for (size_t i = 0; i < items.size(); ++i) {
    last[items[i].meta.namespace_name + "/" + items[i].meta.name] = i;
  }
  if (last.size() == items.size()) {
    return;
  }
  std::vector<T> out;
  for (size_t i = 0; i < items.size(); ++i) {
    std::string key = items[i].meta.namespace_name + "/" + items[i].meta.name;
    if (last[key] == i) {
      out.push_back(std::move(items[i]));
    } else {
      errors.push_back(MakeError(ErrorCode::kAlreadyExists,
                                 "{} {} is defined more than once; the last file wins", kind,
                                 key));
    }
  }
  items = std::move(out);
}

}  // namespace

Result<std::string> ParseDirSourceSpec(std::string_view spec) {
  if (!spec.starts_with("dir:") || spec.size() == 4) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "unsupported k8s source \"{}\" (want dir:PATH)", spec);
  }
  return std::string(spec.substr(4));
}

Result<bool> DirectorySource::Poll() {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) {
    return MakeError(ErrorCode::kNotFound, "k8s source directory {} does not exist", dir_);
  }
  std::map<std::string, std::tuple<int64_t, uint64_t, uint64_t>> seen;
  fs::recursive_directory_iterator it(dir_, fs::directory_options::follow_directory_symlink, ec);
  if (ec) {
    return MakeError(ErrorCode::kInternal, "cannot read {}: {}", dir_, ec.message());
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      return MakeError(ErrorCode::kInternal, "cannot read {}: {}", dir_, ec.message());
    }
    const fs::path& p = it->path();
    fs::path rel = p.lexically_relative(dir_);
    if (IsHidden(rel)) {
      if (it->is_directory(ec)) {
        it.disable_recursion_pending();
      }
      continue;
    }
    if (!IsManifest(p)) {
      continue;
    }
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      continue;
    }
    int64_t mtime = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
    seen[p.string()] = {mtime, static_cast<uint64_t>(st.st_size), static_cast<uint64_t>(st.st_ino)};
  }

  bool changed = false;
  for (auto f = files_.begin(); f != files_.end();) {
    if (seen.find(f->first) == seen.end()) {
      f = files_.erase(f);
      changed = true;
    } else {
      ++f;
    }
  }
  for (const auto& [path, meta] : seen) {
    auto [mtime, size, inode] = meta;
    auto f = files_.find(path);
    if (f != files_.end() && f->second.mtime_ns == mtime && f->second.size == size &&
        f->second.inode == inode) {
      continue;
    }
    FileState& state = files_[path];
    state.mtime_ns = mtime;
    state.size = size;
    state.inode = inode;
    changed = true;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      state.errors = {MakeError(ErrorCode::kInternal, "{}: cannot open", path)};
      continue;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto decoded = DecodeManifests(text, path);
    if (!decoded) {
      state.errors = {decoded.error()};
      continue;  // keep the previous objects of this file
    }
    if (!decoded->errors.empty()) {
      state.errors = decoded->errors;
      continue;  // never apply half a file
    }
    state.errors.clear();
    state.objects = std::move(decoded->objects);
  }
  if (changed) {
    Rebuild();
  }
  return changed;
}

void DirectorySource::Rebuild() {
  Snapshot next;
  next.generation = snapshot_.generation + 1;
  for (const auto& [path, state] : files_) {
    next.objects.Append(state.objects);
    for (const auto& e : state.errors) {
      Error copy = e;
      if (state.objects.Size() != 0) {
        copy.AddContext("previous objects of the file are kept");
      }
      next.errors.push_back(std::move(copy));
    }
  }
  Dedupe(next.objects.namespaces, "Namespace", next.errors);
  Dedupe(next.objects.pods, "Pod", next.errors);
  Dedupe(next.objects.nodes, "Node", next.errors);
  Dedupe(next.objects.eni_configs, "ENIConfig", next.errors);
  Dedupe(next.objects.network_policies, "NetworkPolicy", next.errors);
  Dedupe(next.objects.cluster_network_policies, "ClusterNetworkPolicy", next.errors);
  snapshot_ = std::move(next);
}

}  // namespace vpccni::k8s
