#include "cni/egress_ipam.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

namespace vpccni::cni {

std::string EgressOwner(std::string_view container_id, std::string_view ifname) {
  return std::string(container_id) + "/" + std::string(ifname);
}

net::IpAddress EgressSubnet::Gateway() const {
  if (v4) {
    return v4_cidr.Network().Plus(1);
  }
  return v6_cidr.Network().Plus(1);
}

std::optional<net::IpAddress> EgressLookup(const EgressIpamState& state,
                                           const std::string& owner) {
  for (const auto& [addr, o] : state.owners) {
    if (o == owner) {
      return net::IpAddress::Parse(addr).value_or(net::IpAddress());
    }
  }
  return std::nullopt;
}

Result<net::IpAddress> EgressAllocate(EgressIpamState& state, const EgressSubnet& subnet,
                                      const std::string& owner) {
  if (auto existing = EgressLookup(state, owner)) {
    return *existing;
  }
  // Hosts are offsets 2 .. size-2 (v4: skip network, gateway, broadcast) or 2 .. size-1 (v6).
  uint64_t size = subnet.v4 ? subnet.v4_cidr.Size() : subnet.v6_cidr.SizeSaturated();
  uint64_t last = subnet.v4 ? size - 2 : size - 1;
  // Bound the scan: pools here are /22 and /118 (1024 addresses).
  last = std::min<uint64_t>(last, 1u << 20);
  for (uint64_t off = 2; off <= last; ++off) {
    net::IpAddress a = subnet.v4 ? net::IpAddress(subnet.v4_cidr.At(off))
                                 : net::IpAddress(subnet.v6_cidr.At(off));
    std::string key = a.ToString();
    if (state.owners.count(key) == 0) {
      state.owners[key] = owner;
      return a;
    }
  }
  return MakeError(ErrorCode::kResourceExhausted, "egress subnet {} has no free address",
                   subnet.v4 ? subnet.v4_cidr.ToString() : subnet.v6_cidr.ToString());
}

std::optional<net::IpAddress> EgressRelease(EgressIpamState& state, const std::string& owner) {
  for (auto it = state.owners.begin(); it != state.owners.end(); ++it) {
    if (it->second == owner) {
      auto a = net::IpAddress::Parse(it->first);
      state.owners.erase(it);
      if (a.has_value()) {
        return *a;
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::string EncodeEgressState(const EgressIpamState& state) {
  nlohmann::json j;
  j["version"] = 1;
  j["allocations"] = nlohmann::json::object();
  for (const auto& [a, o] : state.owners) {
    j["allocations"][a] = o;
  }
  return j.dump();
}

Result<EgressIpamState> DecodeEgressState(std::string_view text) {
  EgressIpamState s;
  if (text.empty()) {
    return s;
  }
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("allocations") ||
      !j["allocations"].is_object()) {
    return MakeError(ErrorCode::kDataLoss, "egress IPAM state is corrupt");
  }
  for (const auto& [a, o] : j["allocations"].items()) {
    if (!o.is_string() || !net::IpAddress::Parse(a).has_value()) {
      return MakeError(ErrorCode::kDataLoss, "egress IPAM state has a bad entry \"{}\"", a);
    }
    s.owners[a] = o.get<std::string>();
  }
  return s;
}

EgressIpamStore::EgressIpamStore(std::string data_dir, std::string network, EgressSubnet subnet)
    : dir_(std::move(data_dir) + "/" + std::move(network)), subnet_(subnet) {}

template <typename Fn>
auto EgressIpamStore::Locked(Fn fn)
    -> decltype(fn(std::declval<EgressIpamState&>(), std::declval<bool&>())) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) {
    return MakeSysError(ec.value(), "mkdir -p {}", dir_);
  }
  std::string lock_path = dir_ + "/lock";
  int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0) {
    return MakeSysError(errno, "open {}", lock_path);
  }
  while (::flock(lock, LOCK_EX) != 0) {
    if (errno != EINTR) {
      int err = errno;
      ::close(lock);
      return MakeSysError(err, "flock {}", lock_path);
    }
  }
  auto finish = [&](auto result) {
    ::close(lock);  // releases the flock
    return result;
  };
  std::string state_path = dir_ + "/state.json";
  std::string text;
  int fd = ::open(state_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    char buf[8192];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof(buf))) > 0) {
      text.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
  }
  auto state = DecodeEgressState(text);
  if (!state.has_value()) {
    return finish(decltype(fn(*state, std::declval<bool&>()))(state.error()));
  }
  bool dirty = false;
  auto result = fn(*state, dirty);
  if (dirty && result.has_value()) {
    std::string tmp = state_path + ".tmp";
    std::string data = EncodeEgressState(*state);
    int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = out >= 0 && ::write(out, data.data(), data.size()) ==
                              static_cast<ssize_t>(data.size()) &&
              ::fsync(out) == 0;
    if (out >= 0) {
      ::close(out);
    }
    if (!ok || ::rename(tmp.c_str(), state_path.c_str()) != 0) {
      return finish(decltype(result)(MakeSysError(errno, "write {}", state_path)));
    }
  }
  return finish(std::move(result));
}

Result<net::IpAddress> EgressIpamStore::Allocate(const std::string& owner) {
  return Locked([&](EgressIpamState& s, bool& dirty) -> Result<net::IpAddress> {
    size_t before = s.owners.size();
    auto a = EgressAllocate(s, subnet_, owner);
    dirty = s.owners.size() != before;
    return a;
  });
}

Result<std::optional<net::IpAddress>> EgressIpamStore::Release(const std::string& owner) {
  return Locked([&](EgressIpamState& s, bool& dirty) -> Result<std::optional<net::IpAddress>> {
    auto a = EgressRelease(s, owner);
    dirty = a.has_value();
    return a;
  });
}

Result<std::optional<net::IpAddress>> EgressIpamStore::Lookup(const std::string& owner) {
  return Locked([&](EgressIpamState& s, bool&) -> Result<std::optional<net::IpAddress>> {
    return EgressLookup(s, owner);
  });
}

}  // namespace vpccni::cni

namespace vpccni::cni {

Result<EgressIpamState> EgressIpamStore::Snapshot() {
  return Locked([&](EgressIpamState& s, bool&) -> Result<EgressIpamState> { return s; });
}

}  // namespace vpccni::cni
