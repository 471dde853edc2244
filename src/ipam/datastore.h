// File: datastore.h
//
// The IPAM datastore of one network card: the node's ENIs, their IPv4 /32 secondary addresses,
// IPv4 /28 prefixes and IPv6 /80 prefixes, the assignments of addresses to pods (keyed by
// IpamKey), and the cool-down of released addresses. Pure: no I/O, no clock reads (every method
// that depends on time takes `now`). Not thread-safe: the owner serializes access (PoolManager
// offers a locked accessor).
//
// Allocation order (deterministic; upstream walks Go maps in random order). Among addresses that
// are unassigned and out of cool-down, in CIDRs of the current mode (prefixes when prefix
// delegation is on, /32s otherwise) on ENIs that are not excluded, Assign() picks the smallest by:
//   1. (prefix mode) a prefix that already has assigned addresses before an unused prefix, so
//      free prefixes stay free and can be released;
//   2. the least recently released address: never-used addresses first, then by release time;
//   3. the ENI's device number (primary first), then the CIDR, then the address (lowest first).
// IPv6 (prefix mode only): the lowest unused, non-cooling offset >= 1 of the first /80.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "ipam/types.h"
#include "net/ip.h"

namespace vpccni::ipam {

// One IPv4 CIDR (a /32 secondary address or a /28 prefix) of an ENI.
struct CidrStats {
  net::Ipv4Cidr cidr;
  bool is_prefix = false;
  int size = 0;
  int assigned = 0;
  // Unassigned addresses still in cool-down at the stats time.
  int cooling = 0;
};

struct EniStats {
  EniSpec spec;
  WallTime created{};
  // IPv4 CIDRs of either kind on the ENI (each takes one secondary-address slot in EC2).
  int cidr_count = 0;
  int secondary_ips = 0;
  int prefixes = 0;
  // Over the CIDRs of the current mode only (both kinds in mixed mode).
  int total = 0;
  int assigned = 0;
  int cooling = 0;
  // /28 prefixes with no assigned address (cool-down ignored, as upstream counts them).
  int free_prefixes = 0;
  // /28 prefixes with no assigned and no cooling address.
  int idle_prefixes = 0;
  int ipv6_prefixes = 0;
  // IPv6 mode: addresses assigned from the ENI's /80 (not in total/assigned above).
  int ipv6_assigned = 0;
  // Every IPv4 CIDR, ordered by CIDR.
  std::vector<CidrStats> cidrs;
};

// Pool statistics that drive the warm-pool math (upstream GetIPStats + friends).
struct PoolStats {
  // Over non-excluded ENIs and CIDRs of the current mode.
  int total = 0;
  int assigned = 0;
  int cooling = 0;
  // All /28 prefixes, excluded ENIs included (upstream allocatedPrefix).
  int total_prefixes = 0;
  // /28 prefixes with no assigned address on any ENI (upstream GetFreePrefixes).
  int free_prefixes = 0;
  // Free prefixes that also have no address in cool-down.
  int idle_prefixes = 0;
  int eni_count = 0;
  int excluded_eni_count = 0;
  // IPv6 mode: /80 prefixes held and addresses assigned from them (each /80 is practically never
  // exhausted; neither is in the warm-pool math above).
  int ipv6_prefixes = 0;
  int ipv6_assigned = 0;
  bool has_trunk = false;
  bool prefix_delegation = false;
  // By device number.
  std::vector<EniStats> enis;

  // Addresses that can be handed out: total - assigned, minus cooling ones unless
  // count_cooling (the upstream behaviour of issue #2896).
  int Available(bool count_cooling) const {
    return total - assigned - (count_cooling ? 0 : cooling);
  }
};

// Parameters of upstream getDeletableENI (§3.4).
struct DeletableEniParams {
  int warm_ip_target = 0;
  int minimum_ip_target = 0;
  int warm_prefix_target = 0;
  // ENIs younger than this are never deletable (upstream minENILifeTime).
  Duration min_eni_age = std::chrono::seconds(60);
  // When false, free addresses of other ENIs exclude those in cool-down.
  bool count_cooling = false;
};

// Picks the ENI to free (highest device number first among those that qualify): not primary,
// not trunk, not EFA, old enough, no assigned and no cooling address, and the other non-excluded
// ENIs still satisfy the warm targets (IP targets rounded up to multiples of 16 in prefix mode).
// Pure over stats; nullopt when no ENI qualifies.
std::optional<std::string> SelectDeletableEni(const PoolStats& stats,
                                              const DeletableEniParams& params, WallTime now);

class Datastore {
 public:
  struct Options {
    int network_card = 0;
    bool prefix_delegation = false;
    // Use CIDRs of both kinds for assignments and stats (the /28 -> /32 fallback after subnet
    // fragmentation, or a PD toggle while pods still hold addresses of the old kind).
    bool mixed = false;
    bool ipv6 = false;
    // IP_COOLDOWN_PERIOD.
    Duration cooldown = std::chrono::seconds(30);
  };

  explicit Datastore(Options options) : options_(options) {}

  const Options& options() const { return options_; }

  // Switches the mode used for new assignments and stats (PD toggle); existing CIDRs stay.
  void SetPrefixDelegation(bool on) { options_.prefix_delegation = on; }

  void SetMixed(bool on) { options_.mixed = on; }

  void SetCooldown(Duration d) { options_.cooldown = d; }

  // Adds an ENI; `now` starts its youth period. kAlreadyExists "duplicate ENI" when known;
  // kInvalidArgument for an empty id or a different network card.
  Result<void> AddEni(const EniSpec& spec, WallTime now);
  // Updates flags of a known ENI (trunk, EFA, excluded, subnet). kNotFound when unknown.
  Result<void> UpdateEni(const EniSpec& spec);
  // Removes an ENI. Without force: kFailedPrecondition when any address is assigned. With force
  // the dropped assignments are returned. kNotFound when unknown.
  Result<std::vector<Assignment>> RemoveEni(std::string_view eni_id, bool force);

  // Adds a /32 (is_prefix false) or a /28 (is_prefix true). kNotFound for an unknown ENI,
  // kInvalidArgument for a wrong length, kAlreadyExists when the CIDR (or an overlapping one)
  // is already in the datastore.
  Result<void> AddIpv4Cidr(std::string_view eni_id, const net::Ipv4Cidr& cidr, bool is_prefix);
  // Removes a CIDR; same force semantics as RemoveEni. kNotFound when unknown.
  Result<std::vector<Assignment>> RemoveIpv4Cidr(std::string_view eni_id, const net::Ipv4Cidr& cidr,
                                                 bool force);
  // Adds an IPv6 prefix (/80 or longer). Errors as AddIpv4Cidr.
  Result<void> AddIpv6Prefix(std::string_view eni_id, const net::Ipv6Cidr& prefix);
  Result<std::vector<Assignment>> RemoveIpv6Prefix(std::string_view eni_id,
                                                   const net::Ipv6Cidr& prefix, bool force);

  // Assigns an address to key. Idempotent: a key that already owns an address gets it back.
  // kResourceExhausted "no available IP/Prefix addresses" when nothing is free;
  // kInvalidArgument for an empty key.
  Result<Assignment> Assign(const IpamKey& key, const PodMetadata& metadata, WallTime now);
  // Assigns a specific address (checkpoint restore). kNotFound when no CIDR holds it,
  // kAlreadyExists when another key owns it or key owns another address.
  Result<Assignment> AssignAddress(const IpamKey& key, const PodMetadata& metadata,
                                   const net::IpAddress& address, WallTime assigned_at);
  // Releases the key's address; its cool-down starts at now. kNotFound "unknown pod".
  Result<Assignment> Release(const IpamKey& key, WallTime now);
  // Releases by address. kNotFound when the address is unknown or not assigned.
  Result<Assignment> ReleaseAddress(const net::IpAddress& address, WallTime now);
  // Sets the release time of an unassigned address so that its cool-down ends at `until`
  // (checkpoint restore). kNotFound when no CIDR holds it; kFailedPrecondition when assigned.
  Result<void> RestoreCooldown(const net::IpAddress& address, WallTime until);

  std::optional<Assignment> Find(const IpamKey& key) const;
  std::optional<Assignment> FindByAddress(const net::IpAddress& address) const;
  // All assignments, ordered by address.
  std::vector<Assignment> Assignments() const;

  // The same without copying keys or metadata (the checkpoint encoder's hot path): the pointers
  // stay valid until the datastore is next modified.
  struct AssignmentRef {
    net::IpAddress address;
    const IpamKey* key = nullptr;
    const PodMetadata* metadata = nullptr;
    WallTime assigned_at{};
  };

  std::vector<AssignmentRef> AssignmentRefs() const;

  struct Cooldown {
    net::IpAddress address;
    WallTime until{};
  };

  // Unassigned addresses whose cool-down has not ended at now, ordered by address.
  std::vector<Cooldown> Cooldowns(WallTime now) const;
  bool InCooldown(const net::IpAddress& address, WallTime now) const;

  PoolStats Stats(WallTime now) const;

  // /32s with no assigned address (upstream FreeableIPs), ordered by (device, CIDR).
  std::vector<std::pair<std::string, net::Ipv4Cidr>> FreeableIps() const;
  // /28s with no assigned address (upstream FreeablePrefixes, IPv4 part).
  std::vector<std::pair<std::string, net::Ipv4Cidr>> FreeablePrefixes() const;
  // SelectDeletableEni over the current stats.
  std::optional<std::string> FindDeletableEni(const DeletableEniParams& params, WallTime now) const;

  bool HasEni(std::string_view eni_id) const;
  const EniSpec* Eni(std::string_view eni_id) const;
  // ENIs ordered by device number.
  std::vector<EniSpec> Enis() const;
  std::vector<net::Ipv4Cidr> Ipv4Cidrs(std::string_view eni_id, bool prefixes) const;
  std::vector<net::Ipv6Cidr> Ipv6Prefixes(std::string_view eni_id) const;

  size_t AssignedCount() const { return by_key_.size(); }

 private:
  struct AddressEntry {
    IpamKey key;  // empty when unassigned
    PodMetadata metadata;
    WallTime assigned_at{};
    std::optional<WallTime> released_at;
  };

  struct V4Cidr {
    net::Ipv4Cidr cidr;
    bool is_prefix = false;
    int assigned = 0;
    std::map<uint32_t, AddressEntry> addrs;  // offset -> entry (assigned or once released)
  };

  struct V6Prefix {
    net::Ipv6Cidr cidr;
    int assigned = 0;
    std::map<uint64_t, AddressEntry> addrs;
  };

  struct EniEntry {
    EniSpec spec;
    WallTime created{};
    std::map<net::Ipv4Cidr, V4Cidr> v4;
    std::map<net::Ipv6Cidr, V6Prefix> v6;
  };

  // Where an address entry lives.
  struct Location {
    EniEntry* eni = nullptr;
    V4Cidr* v4 = nullptr;
    V6Prefix* v6 = nullptr;
    AddressEntry* entry = nullptr;
    net::IpAddress address;
  };

  bool Cooling(const AddressEntry& e, WallTime now) const;
  Assignment MakeAssignment(const EniEntry& eni, const net::IpAddress& addr,
                            const AddressEntry& e) const;
  std::optional<Location> Locate(const net::IpAddress& address);
  Result<Assignment> ReleaseAt(Location loc, WallTime now);
  EniEntry* FindEni(std::string_view eni_id);
  const EniEntry* FindEni(std::string_view eni_id) const;
  std::vector<Assignment> DropAssignments(EniEntry& eni, V4Cidr* v4, V6Prefix* v6);

  Options options_;
  std::map<std::string, EniEntry, std::less<>> enis_;
  std::map<IpamKey, net::IpAddress> by_key_;
};

}  // namespace vpccni::ipam
