// File: checkpoint.h
//
// The IPAM checkpoint codec: every assignment and every cool-down deadline as versioned JSON.
// Pure (no files; see checkpoint_file.h for the atomic write). Encodes "vpc-cni-ipam/2"; decodes
// "vpc-cni-ipam/2" and upstream's "vpc-cni-ipam/1" (reference §3.5: flattened IPAMKey, unix-nano
// timestamps, no cool-downs) for in-place migration from aws-node.
//
// Version 2 layout:
//   {"version":"vpc-cni-ipam/2",
//    "allocations":[{"networkName":"aws-cni","containerID":"c1","ifName":"eth0",
//                    "ipv4":"10.0.1.23","allocationTimestamp":<unix-nanos>,
//                    "metadata":{"k8sPodNamespace":"ns","k8sPodName":"pod","interfacesCount":1}}],
//    "cooldowns":[{"ipv4":"10.0.1.24","cooldownUntil":<unix-nanos>}]}
// ("ipv6" instead of "ipv4" for IPv6 addresses; metadata members are omitted when empty).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "ipam/datastore.h"
#include "ipam/types.h"
#include "net/ip.h"

namespace vpccni::ipam {

inline constexpr std::string_view kCheckpointVersion = "vpc-cni-ipam/2";
inline constexpr std::string_view kUpstreamCheckpointVersion = "vpc-cni-ipam/1";

struct CheckpointAllocation {
  IpamKey key;
  net::IpAddress address;
  WallTime allocated_at{};
  PodMetadata metadata;
  bool operator==(const CheckpointAllocation&) const = default;
};

struct CheckpointCooldown {
  net::IpAddress address;
  WallTime until{};
  bool operator==(const CheckpointCooldown&) const = default;
};

struct Checkpoint {
  // The version the data was decoded from (kCheckpointVersion when built in memory).
  std::string version = std::string(kCheckpointVersion);
  std::vector<CheckpointAllocation> allocations;
  std::vector<CheckpointCooldown> cooldowns;
  bool operator==(const Checkpoint&) const = default;
};

// Serializes (always as kCheckpointVersion), allocations and cool-downs ordered by address.
std::string EncodeCheckpoint(const Checkpoint& checkpoint);

// EncodeCheckpoint(SnapshotDatastore(datastore, now)), byte for byte, without copying any
// assignment and with memory: keeps the encoded text of every allocation and reuses it while the
// datastore holds the same allocation (address, key, metadata and time compared), so a call costs
// the changed allocations plus copying the rest. ipamd runs it on every assign and release. Not
// thread-safe (ipamd calls it under the datastore lock).
class CheckpointEncoder {
 public:
  std::string Encode(const Datastore& datastore, WallTime now);

 private:
  struct Cached {
    IpamKey key;
    PodMetadata metadata;
    WallTime at{};
    std::string json;  // the allocation's object
  };

  std::map<net::IpAddress, Cached> cache_;
};

// Parses either version. kDataLoss for input that is not a complete JSON document (truncated,
// corrupt) or lacks a required member or has one of the wrong type, naming it
// ("allocations[3].ipv4: not an IP address"); kInvalidArgument for an unsupported version.
Result<Checkpoint> DecodeCheckpoint(std::string_view text);

// Captures the datastore's assignments and cool-downs still running at now.
Checkpoint SnapshotDatastore(const Datastore& datastore, WallTime now);

struct RestoreReport {
  int restored = 0;
  int cooldowns_restored = 0;
  // Allocations whose address is no longer on any ENI of the datastore ("presumed stale").
  std::vector<CheckpointAllocation> dropped;
};

// Re-marks the checkpoint's allocations (with their original timestamps) and cool-downs in a
// datastore whose ENIs and CIDRs were already loaded. Allocations whose address is unknown are
// reported, not errors; conflicting ones (two keys on one address) keep the first.
RestoreReport RestoreDatastore(const Checkpoint& checkpoint, Datastore& datastore);

}  // namespace vpccni::ipam
