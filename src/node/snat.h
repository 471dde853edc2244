// File: snat.h
//
// Host SNAT and connmark for pod egress (reference §7.4 step 5, nftables backend), owned by
// ipamd. The desired ruleset is a pure function of SnatConfig rendered as one nft script that
// replaces the contents of table `ip aws-cni` in a single transaction (declare table, flush it,
// re-add every chain and rule); SnatApplier runs such a script. Production: NftSnatApplier
// (libnftables, in the network namespace of the calling thread).
//
// Rules (mark = AWS_VPC_K8S_CNI_CONNMARK, default 0x80; <p> = AWS_VPC_K8S_CNI_VETHPREFIX):
//   chain mangle-prerouting (filter, prerouting, priority mangle):
//     node-port support: iifname <primary> fib daddr . iif type local -> ct mark |= mark
//     node-port support or !external SNAT: iifname "<p>*" -> restore mark from ct mark
//     node-port support: iifname "vlan*" -> restore mark from ct mark
//   !external SNAT only:
//   chain snat-mark: return for each VPC CIDR and excluded CIDR, else ct mark |= mark
//   chain nat-prerouting (nat, prerouting, priority -90, after kube-proxy DNAT):
//     fib daddr type local -> return; iifname "<p>*" -> jump snat-mark; restore mark
//   chain nat-postrouting (nat, postrouting, priority srcnat):
//     return for each VPC CIDR and excluded CIDR; oifname != "vlan*" and fib daddr type != local
//     -> snat to <node primary IP> [fully-random | random]
// "Restore" sets the mark bits of the packet from the conntrack entry (the other bits are kept).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "net/ip.h"

namespace vpccni::node {

inline constexpr std::string_view kSnatTableName = "aws-cni";

enum class SnatRandomization { kNone, kHashRandom, kPrng };

struct SnatConfig {
  net::Ipv4Address node_ip;                  // the node's primary IPv4 (IMDS local-ipv4)
  std::vector<net::Ipv4Cidr> vpc_cidrs;      // IMDS vpc-ipv4-cidr-blocks of the primary ENI
  std::vector<net::Ipv4Cidr> exclude_cidrs;  // AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS
  bool external_snat = false;                // AWS_VPC_K8S_CNI_EXTERNALSNAT
  SnatRandomization randomize = SnatRandomization::kPrng;  // AWS_VPC_K8S_CNI_RANDOMIZESNAT
  uint32_t connmark = 0x80;                  // AWS_VPC_K8S_CNI_CONNMARK
  std::string veth_prefix = "eni";           // AWS_VPC_K8S_CNI_VETHPREFIX
  std::string primary_ifname = "eth0";       // host link of the primary ENI
  bool node_port_support = true;             // AWS_VPC_CNI_NODE_PORT_SUPPORT
};

// Pure: the nft script that makes table `ip aws-cni` hold exactly the rules for cfg. Applying it
// twice is idempotent. kInvalidArgument for names that cannot be quoted safely (quote, backslash,
// control characters, longer than 15 bytes) or a zero mark.
Result<std::string> RenderSnatScript(const SnatConfig& cfg);

// Pure: the script that removes table `ip aws-cni` if it exists (used when IPv6 or on cleanup).
std::string RenderSnatRemoveScript();

// Runs nft scripts. Implementations are not required to be thread-safe.
class SnatApplier {
 public:
  virtual ~SnatApplier() = default;
  // Runs `script` as one transaction. kInternal with nft's error text on failure.
  virtual Result<void> Run(const std::string& script) = 0;
};

// libnftables-backed applier; the context is created once and owned.
class NftSnatApplier : public SnatApplier {
 public:
  // kInternal when libnftables cannot create a context.
  static Result<std::unique_ptr<NftSnatApplier>> Create();
  ~NftSnatApplier() override;
  NftSnatApplier(const NftSnatApplier&) = delete;
  NftSnatApplier& operator=(const NftSnatApplier&) = delete;

  Result<void> Run(const std::string& script) override;
  // `nft -j list table ip aws-cni` equivalent (JSON text); kNotFound when the table is absent.
  Result<std::string> ListTableJson();

 private:
  explicit NftSnatApplier(struct nft_ctx* ctx) : ctx_(ctx) {}
  struct nft_ctx* ctx_;
};

// Renders cfg and runs it through applier.
Result<void> ApplySnat(SnatApplier& applier, const SnatConfig& cfg);

}  // namespace vpccni::node
