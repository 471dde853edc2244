#include "netlink/rtnl_ops.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace vpccni::netlink {
namespace {

// Batches larger than this are split (the kernel bounds one sendmsg by the socket's sndbuf).
constexpr size_t kMaxBatchBytes = 32 * 1024;
// ...and so are batches with many requests: every ack costs receive-buffer space (an skb each),
// and a full buffer drops acks (ENOBUFS).
constexpr size_t kMaxBatchMessages = 128;

std::vector<uint8_t> WithEcho(std::vector<uint8_t> msg) {
  nlmsghdr h{};
  std::memcpy(&h, msg.data(), sizeof(h));
  h.nlmsg_flags |= NLM_F_ECHO;
  std::memcpy(msg.data(), &h, sizeof(h));
  return msg;
}

// Decodes every message of a dump with `decode`, skipping entries of families we do not model.
template <typename T, typename F>
Result<std::vector<T>> DecodeAll(const std::vector<std::vector<uint8_t>>& msgs, F decode) {
  std::vector<T> out;
  for (const auto& bytes : msgs) {
    ASSIGN_OR_RETURN(auto split, SplitMessages(bytes));
    for (const auto& m : split) {
      auto v = decode(m);
      if (!v) {
        if (v.error().code == ErrorCode::kUnimplemented) {
          continue;
        }
        return v.error();
      }
      out.push_back(std::move(*v));
    }
  }
  return out;
}

// Runs dump requests and returns all their messages; repeats the dumps (up to 5 times) while
// the kernel flags them as interrupted by concurrent changes.
Result<std::vector<std::vector<uint8_t>>> Dump(NetlinkSocket& sock,
                                               const std::vector<std::vector<uint8_t>>& reqs) {
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    ASSIGN_OR_RETURN(auto replies, sock.Exchange(reqs));
    std::vector<std::vector<uint8_t>> all;
    bool interrupted = false;
    for (auto& r : replies) {
      if (r.error != 0) {
        return ErrnoToError(r.error, "netlink dump");
      }
      interrupted = interrupted || r.dump_interrupted;
      for (auto& m : r.messages) {
        all.push_back(std::move(m));
      }
    }
    if (!interrupted || attempt == kAttempts) {
      return all;
    }
  }
}

Result<std::vector<std::vector<uint8_t>>> DumpFamilies(NetlinkSocket& sock, uint8_t family,
                                                       std::vector<uint8_t> (*encode)(uint8_t)) {
  std::vector<std::vector<uint8_t>> reqs;
  if (family == 0) {
    reqs.push_back(encode(kFamilyV4));
    reqs.push_back(encode(kFamilyV6));
  } else {
    reqs.push_back(encode(family));
  }
  return Dump(sock, reqs);
}

Result<Link> FirstLink(const std::vector<std::vector<uint8_t>>& msgs) {
  ASSIGN_OR_RETURN(auto links, DecodeAll<Link>(msgs, DecodeLink));
  if (links.empty()) {
    return MakeError(ErrorCode::kNotFound, "no link in reply");
  }
  return links.front();
}

}  // namespace

Result<RtnlOps> RtnlOps::Open() {
  ASSIGN_OR_RETURN(auto s, NetlinkSocket::Open());
  return RtnlOps(std::move(s));
}

Result<RtnlOps> RtnlOps::OpenInNetns(const Netns& ns) {
  ASSIGN_OR_RETURN(auto s, NetlinkSocket::OpenInNetns(ns.fd()));
  return RtnlOps(std::move(s));
}

Result<std::vector<Link>> RtnlOps::ListLinks() {
  ASSIGN_OR_RETURN(auto msgs, Dump(sock_, {EncodeDumpLinks()}));
  return DecodeAll<Link>(msgs, DecodeLink);
}

Result<Link> RtnlOps::GetLinkByName(std::string_view name) {
  if (name.empty() || name.size() > 15) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid link name '{}'", name);
  }
  auto msgs = sock_.Request(EncodeGetLinkByName(name));
  if (!msgs) {
    return WithContext(Result<Link>(msgs.error()), "get link {}", name);
  }
  return FirstLink(*msgs);
}

Result<Link> RtnlOps::GetLinkByIndex(int index) {
  auto msgs = sock_.Request(EncodeGetLinkByIndex(index));
  if (!msgs) {
    return WithContext(Result<Link>(msgs.error()), "get link #{}", index);
  }
  return FirstLink(*msgs);
}

Result<Link> RtnlOps::CreateLink(std::vector<uint8_t> msg, const std::string& name) {
  if (name.empty() || name.size() > 15) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid link name '{}'", name);
  }
  auto msgs = sock_.Request(WithEcho(std::move(msg)));
  if (!msgs) {
    return WithContext(Result<Link>(msgs.error()), "create link {}", name);
  }
  // Kernels since 6.1 echo the new link; older ones need a lookup.
  auto echoed = DecodeAll<Link>(*msgs, DecodeLink);
  if (echoed) {
    for (auto& l : *echoed) {
      if (l.name == name) {
        return std::move(l);
      }
    }
  }
  return GetLinkByName(name);
}

Result<Link> RtnlOps::CreateVeth(const VethSpec& spec) {
  if (spec.peer_name.empty() || spec.peer_name.size() > 15) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid veth peer name '{}'", spec.peer_name);
  }
  return CreateLink(EncodeNewVeth(spec), spec.name);
}

Result<Link> RtnlOps::CreateVlan(const VlanSpec& spec) {
  if (spec.vlan_id == 0 || spec.vlan_id > 4094) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid vlan id {}", spec.vlan_id);
  }
  return CreateLink(EncodeNewVlan(spec), spec.name);
}

Result<Link> RtnlOps::CreateDummy(const DummySpec& spec) {
  return CreateLink(EncodeNewDummy(spec), spec.name);
}

Result<void> RtnlOps::DeleteLink(int index) {
  auto r = sock_.Request(EncodeDelLink(index));
  if (!r) {
    return WithContext(Result<void>(r.error()), "delete link #{}", index);
  }
  return Ok();
}

Result<std::vector<Address>> RtnlOps::ListAddresses(uint8_t family, int index) {
  ASSIGN_OR_RETURN(auto msgs, Dump(sock_, {EncodeDumpAddresses(family)}));
  ASSIGN_OR_RETURN(auto all, DecodeAll<Address>(msgs, DecodeAddress));
  if (index == 0) {
    return all;
  }
  std::vector<Address> out;
  for (auto& a : all) {
    if (a.index == index) {
      out.push_back(std::move(a));
    }
  }
  return out;
}

Result<std::vector<Route>> RtnlOps::ListRoutes(uint8_t family, uint32_t table) {
  ASSIGN_OR_RETURN(auto msgs, DumpFamilies(sock_, family, EncodeDumpRoutes));
  ASSIGN_OR_RETURN(auto all, DecodeAll<Route>(msgs, DecodeRoute));
  if (table == 0) {
    return all;
  }
  std::vector<Route> out;
  for (auto& r : all) {
    if (r.table == table) {
      out.push_back(std::move(r));
    }
  }
  return out;
}

Result<std::vector<Rule>> RtnlOps::ListRules(uint8_t family) {
  ASSIGN_OR_RETURN(auto msgs, DumpFamilies(sock_, family, EncodeDumpRules));
  return DecodeAll<Rule>(msgs, DecodeRule);
}

Result<std::vector<Neighbor>> RtnlOps::ListNeighbors(uint8_t family, int index) {
  ASSIGN_OR_RETURN(auto msgs, DumpFamilies(sock_, family, EncodeDumpNeighbors));
  ASSIGN_OR_RETURN(auto all, DecodeAll<Neighbor>(msgs, DecodeNeighbor));
  if (index == 0) {
    return all;
  }
  std::vector<Neighbor> out;
  for (auto& n : all) {
    if (n.index == index) {
      out.push_back(std::move(n));
    }
  }
  return out;
}

Result<std::vector<int>> RtnlOps::ApplyBatch(const std::vector<Op>& ops) {
  std::vector<int> errs;
  errs.reserve(ops.size());
  last_error_text_.clear();
  std::vector<std::vector<uint8_t>> encoded;
  encoded.reserve(ops.size());
  for (const auto& op : ops) {
    auto msg = EncodeOp(op);
    if (msg.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "malformed op {}", op.ToString());
    }
    encoded.push_back(std::move(msg));
  }
  size_t start = 0;
  while (start < encoded.size()) {
    std::vector<std::vector<uint8_t>> reqs;
    size_t bytes = 0;
    size_t end = start;
    while (end < encoded.size() &&
           (reqs.empty() || (bytes < kMaxBatchBytes && reqs.size() < kMaxBatchMessages))) {
      bytes += encoded[end].size();
      reqs.push_back(std::move(encoded[end]));
      ++end;
    }
    ASSIGN_OR_RETURN(auto replies, sock_.Exchange(std::move(reqs)));
    for (auto& r : replies) {
      errs.push_back(r.error);
      if (r.error != 0 && !r.error_text.empty()) {
        last_error_text_ = r.error_text;
      }
    }
    start = end;
  }
  return errs;
}

}  // namespace vpccni::netlink
