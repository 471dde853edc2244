// libnftables adapter of SnatApplier.
#include <nftables/libnftables.h>

#include "node/snat.h"

namespace vpccni::node {

Result<std::unique_ptr<NftSnatApplier>> NftSnatApplier::Create() {
  struct nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (ctx == nullptr) {
    return MakeError(ErrorCode::kInternal, "nft_ctx_new failed");
  }
  nft_ctx_buffer_output(ctx);
  nft_ctx_buffer_error(ctx);
  return std::unique_ptr<NftSnatApplier>(new NftSnatApplier(ctx));
}

NftSnatApplier::~NftSnatApplier() { nft_ctx_free(ctx_); }

Result<void> NftSnatApplier::Run(const std::string& script) {
  nft_ctx_output_set_flags(ctx_, 0);
  int rc = nft_run_cmd_from_buffer(ctx_, script.c_str());
  if (rc != 0) {
    const char* err = nft_ctx_get_error_buffer(ctx_);
    return MakeError(ErrorCode::kInternal, "nft: {}", err != nullptr ? err : "unknown error");
  }
  return Ok();
}

Result<std::string> NftSnatApplier::ListTableJson() {
  nft_ctx_output_set_flags(ctx_, NFT_CTX_OUTPUT_JSON);
  int rc = nft_run_cmd_from_buffer(ctx_, "list table ip aws-cni");
  nft_ctx_output_set_flags(ctx_, 0);
  if (rc != 0) {
    const char* err = nft_ctx_get_error_buffer(ctx_);
    return MakeError(ErrorCode::kNotFound, "nft list table ip aws-cni: {}",
                     err != nullptr ? err : "unknown error");
  }
  const char* out = nft_ctx_get_output_buffer(ctx_);
  return std::string(out != nullptr ? out : "");
}

}  // namespace vpccni::node
