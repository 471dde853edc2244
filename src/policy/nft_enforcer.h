// File: nft_enforcer.h
//
// Enforcer over nftables via libnftables, in the network namespace of the thread that calls
// Create() (libnftables binds its netlink socket there). The first Apply() replaces the whole
// table; later ones send only the difference, each as one transaction: a change of allow cells
// alone as one nf_tables netlink batch (nft_netlink.h), anything else through libnftables. When
// an incremental transaction fails, the enforcer falls back to libnftables, then to a full
// replacement.
//
// Thread-safety: not thread-safe; the agent serializes calls.
#pragma once

#include <memory>
#include <string>

#include "policy/enforcer.h"
#include "policy/nft_netlink.h"

struct nft_ctx;

namespace vpccni::policy {

class NftEnforcer : public Enforcer {
 public:
  // Errors: kInternal when libnftables or the netlink socket cannot be initialised.
  static Result<std::unique_ptr<NftEnforcer>> Create();
  ~NftEnforcer() override;
  NftEnforcer(const NftEnforcer&) = delete;
  NftEnforcer& operator=(const NftEnforcer&) = delete;

  Result<void> Apply(const NodeProgram& desired) override;
  Result<VerdictCounters> Counters() override;
  Result<void> Remove() override;

  // Runs one nft command buffer as a transaction; returns its output (JSON when json is true).
  // Errors: kInternal carrying libnftables' error text.
  Result<std::string> Run(const std::string& commands, bool json = false);

 private:
  NftEnforcer(nft_ctx* ctx, NftNetlink netlink) : ctx_(ctx), netlink_(std::move(netlink)) {}

  nft_ctx* ctx_;
  NftNetlink netlink_;
  bool initialised_ = false;
  NodeProgram current_;
};

}  // namespace vpccni::policy
