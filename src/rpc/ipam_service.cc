#include "rpc/ipam_service.h"

#include <exception>

namespace vpccni::rpc {
namespace {

template <typename ReplyT>
Reply Finish(Result<ReplyT> r) {
  if (r.has_value()) {
    return Reply(std::move(*r));
  }
  ReplyT failed;
  failed.status = FailureStatus(r.error());
  return Reply(std::move(failed));
}

}  // namespace

Reply Dispatch(IpamService& service, const Request& req) {
  // The service is another module: keep its exceptions from crossing into the transport.
  try {
    switch (MethodOf(req)) {
      case Method::kAddNetwork:
        return Finish(service.AddNetwork(std::get<AddNetworkRequest>(req)));
      case Method::kDelNetwork:
        return Finish(service.DelNetwork(std::get<DelNetworkRequest>(req)));
      case Method::kGc:
        return Finish(service.Gc(std::get<GcRequest>(req)));
      case Method::kStatus:
        return Finish(service.Status(std::get<StatusRequest>(req)));
      case Method::kError:
        break;
    }
  } catch (const std::exception& e) {
    return ErrorReply{ErrorCode::kInternal, std::string("rpc handler threw: ") + e.what()};
  } catch (...) {
    return ErrorReply{ErrorCode::kInternal, "rpc handler threw"};
  }
  return ErrorReply{ErrorCode::kInternal, "rpc: unroutable request"};
}

std::string HandlePayload(IpamService& service, std::string_view payload) {
  auto req = DecodeRequest(payload);
  if (!req.has_value()) {
    return EncodeReply(ErrorReply{req.error().code, req.error().ToString()});
  }
  return EncodeReply(Dispatch(service, *req));
}

}  // namespace vpccni::rpc
