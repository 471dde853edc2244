#include "policy/nft_enforcer.h"

#include <nftables/libnftables.h>
#include <nlohmann/json.hpp>

#include "base/log.h"

namespace vpccni::policy {

Result<std::unique_ptr<NftEnforcer>> NftEnforcer::Create() {
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (ctx == nullptr) {
    return MakeError(ErrorCode::kInternal, "nft_ctx_new failed");
  }
  nft_ctx_buffer_output(ctx);
  nft_ctx_buffer_error(ctx);
  auto nl = NftNetlink::Open();
  if (!nl) {
    nft_ctx_free(ctx);
    return nl.error();
  }
  return std::unique_ptr<NftEnforcer>(new NftEnforcer(ctx, std::move(*nl)));
}

NftEnforcer::~NftEnforcer() {
  nft_ctx_free(ctx_);
}

Result<std::string> NftEnforcer::Run(const std::string& commands, bool json) {
  unsigned int flags = nft_ctx_output_get_flags(ctx_);
  if (json) {
    flags |= NFT_CTX_OUTPUT_JSON;
  } else {
    flags &= ~static_cast<unsigned int>(NFT_CTX_OUTPUT_JSON);
  }
  nft_ctx_output_set_flags(ctx_, flags);
  int rc = nft_run_cmd_from_buffer(ctx_, commands.c_str());
  std::string out = nft_ctx_get_output_buffer(ctx_);
  std::string err = nft_ctx_get_error_buffer(ctx_);
  if (rc != 0) {
    if (err.size() > 2000) {
      err = err.substr(0, 2000) + "...";
    }
    return MakeError(ErrorCode::kInternal, "nftables transaction failed: {}", err);
  }
  return out;
}

Result<void> NftEnforcer::Apply(const NodeProgram& desired) {
  if (initialised_) {
    // A policy edit that only moves allow cells: one netlink batch (see nft_netlink.h).
    if (auto cells = CellOnlyDiff(current_, desired)) {
      auto r = netlink_.Apply(kNftTable, *cells);
      if (r) {
        current_ = desired;
        return Ok();
      }
      LOG_WARN("netpol", "netlink element update failed, using libnftables: {}", r.error().message);
    }
    std::string diff = RenderNftDiff(current_, desired);
    if (diff.empty()) {
      return Ok();
    }
    auto r = Run(diff);
    if (r) {
      current_ = desired;
      return Ok();
    }
    LOG_WARN("netpol", "incremental nft update failed, replacing the table: {}", r.error().message);
  }
  auto r = Run(RenderNftFull(desired));
  if (!r) {
    return r.error();
  }
  current_ = desired;
  initialised_ = true;
  return Ok();
}

Result<VerdictCounters> NftEnforcer::Counters() {
  VerdictCounters out;
  auto r = Run(fmt::format("list table inet {}", kNftTable), true);
  if (!r) {
    return r.error();
  }
  nlohmann::json j = nlohmann::json::parse(*r, nullptr, false);
  if (j.is_discarded() || !j.contains("nftables")) {
    return MakeError(ErrorCode::kInternal, "unexpected nft JSON output");
  }
  for (const auto& item : j["nftables"]) {
    if (!item.contains("rule")) {
      continue;
    }
    const auto& rule = item["rule"];
    std::string chain = rule.value("chain", "");
    if (chain.size() < 2 || (chain[0] != 'i' && chain[0] != 'e') || chain[1] != '_') {
      continue;
    }
    uint64_t packets = 0;
    std::string verdict;
    for (const auto& st : rule.value("expr", nlohmann::json::array())) {
      if (st.contains("counter") && st["counter"].is_object()) {
        packets = st["counter"].value("packets", uint64_t{0});
      }
      if (st.contains("accept") || st.contains("return")) {
        verdict = "allow";
      }
      if (st.contains("drop")) {
        verdict = "deny";
      }
    }
    if (!verdict.empty()) {
      out.packets[{chain[0] == 'i' ? "ingress" : "egress", verdict}] += packets;
    }
  }
  return out;
}

Result<void> NftEnforcer::Remove() {
  auto r = Run(RenderNftDelete());
  if (!r) {
    return r.error();
  }
  current_.clear();
  initialised_ = false;
  return Ok();
}

}  // namespace vpccni::policy
