// File: enforcer.h
//
// The enforcement port: makes the kernel of this node hold a NodeProgram. One production
// implementation (NftEnforcer, nftables through libnftables) and a fake for tests.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/result.h"
#include "policy/nft_render.h"

namespace vpccni::policy {

// Packet counters of the enforcement rules, summed per direction and verdict.
struct VerdictCounters {
  // key: {"ingress"|"egress", "allow"|"deny"} -> packets
  std::map<std::pair<std::string, std::string>, uint64_t> packets;
};

class Enforcer {
 public:
  virtual ~Enforcer() = default;
  // Programs `desired`, atomically (all of it or nothing; no intermediate state visible to
  // packets). Errors: kInternal with the kernel's message; the previous state stays in force.
  virtual Result<void> Apply(const NodeProgram& desired) = 0;
  // Reads the verdict counters. Errors: kInternal.
  virtual Result<VerdictCounters> Counters() = 0;
  // Removes everything this enforcer installed. Errors: kInternal.
  virtual Result<void> Remove() = 0;
};

}  // namespace vpccni::policy
