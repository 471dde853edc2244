#include "policy/nft_netlink.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "netlink/message.h"
#include "netlink/socket.h"

namespace vpccni::policy {
namespace {

// Elements per message: keeps each NFTA_SET_ELEM_LIST_ELEMENTS attribute (16-bit length) small.
constexpr size_t kElementsPerMessage = 512;

uint8_t ProtocolNumber(L4 p) {
  switch (p) {
    case L4::kTcp:
      return 6;
    case L4::kUdp:
      return 17;
    case L4::kSctp:
      return 132;
    case L4::kOther:
      return 0;
  }
  return 0;
}

std::vector<uint8_t> Message(uint16_t type, uint16_t flags, uint8_t family, uint16_t res_id,
                             uint32_t seq,
                             const std::function<void(netlink::MessageBuilder&)>& body) {
  netlink::MessageBuilder b(type, flags);
  nfgenmsg g{};
  g.nfgen_family = family;
  g.version = NFNETLINK_V0;
  g.res_id = htons(res_id);
  b.PutHeader(g);
  if (body) {
    body(b);
  }
  std::vector<uint8_t> m = std::move(b).Finish();
  std::memcpy(m.data() + offsetof(nlmsghdr, nlmsg_seq), &seq, sizeof(seq));
  return m;
}

void PutKey(netlink::MessageBuilder& b, uint16_t attr, const std::array<uint8_t, 12>& key) {
  size_t outer = b.BeginNested(attr);
  b.PutAttr(NFTA_DATA_VALUE, key.data(), key.size());
  b.EndNested(outer);
}

}  // namespace

std::array<uint8_t, 12> NftCellKey(const AllowCell& cell, bool end) {
  std::array<uint8_t, 12> k{};
  uint32_t ip = htonl(end ? cell.remote.hi : cell.remote.lo);
  std::memcpy(k.data(), &ip, 4);
  k[4] = ProtocolNumber(cell.protocol);
  uint16_t port = htons(end ? cell.ports.hi : cell.ports.lo);
  std::memcpy(k.data() + 8, &port, 2);
  return k;
}

std::vector<uint8_t> EncodeCellBatch(std::string_view table,
                                     const std::vector<CellSetChange>& changes, uint32_t seq) {
  std::vector<uint8_t> out =
      Message(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, AF_UNSPEC, NFNL_SUBSYS_NFTABLES, seq++, {});
  auto elements = [&](uint16_t msg, uint16_t flags, const std::string& set,
                      const std::vector<AllowCell>& cells) {
    for (size_t first = 0; first < cells.size(); first += kElementsPerMessage) {
      size_t last = std::min(cells.size(), first + kElementsPerMessage);
      auto m = Message(static_cast<uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | msg),
                       static_cast<uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags), NFPROTO_INET, 0,
                       seq++, [&](netlink::MessageBuilder& b) {
                         b.PutString(NFTA_SET_ELEM_LIST_TABLE, table);
                         b.PutString(NFTA_SET_ELEM_LIST_SET, set);
                         size_t list = b.BeginNested(NFTA_SET_ELEM_LIST_ELEMENTS);
                         for (size_t i = first; i < last; ++i) {
                           size_t elem = b.BeginNested(NFTA_LIST_ELEM);
                           PutKey(b, NFTA_SET_ELEM_KEY, NftCellKey(cells[i], false));
                           PutKey(b, NFTA_SET_ELEM_KEY_END, NftCellKey(cells[i], true));
                           b.EndNested(elem);
                         }
                         b.EndNested(list);
                       });
      out.insert(out.end(), m.begin(), m.end());
    }
  };
  // Deletions first: an added cell may overlap a removed one (a port range that grew).
  for (const CellSetChange& c : changes) {
    elements(NFT_MSG_DELSETELEM, 0, c.set, c.removed);
  }
  for (const CellSetChange& c : changes) {
    elements(NFT_MSG_NEWSETELEM, NLM_F_CREATE, c.set, c.added);
  }
  auto end = Message(NFNL_MSG_BATCH_END, NLM_F_REQUEST, AF_UNSPEC, NFNL_SUBSYS_NFTABLES, seq, {});
  out.insert(out.end(), end.begin(), end.end());
  return out;
}

Result<NftNetlink> NftNetlink::Open() {
  ASSIGN_OR_RETURN(auto socket, netlink::NetlinkSocket::Open(NETLINK_NETFILTER));
  return NftNetlink(std::move(socket));
}

Result<void> NftNetlink::Apply(std::string_view table, const std::vector<CellSetChange>& changes) {
  const uint32_t first = seq_;
  std::vector<uint8_t> batch = EncodeCellBatch(table, changes, first);
  // Acked messages: everything between BATCH_BEGIN and BATCH_END.
  uint32_t acked_first = first + 1;
  uint32_t acked_end = acked_first;
  for (size_t off = 0; off < batch.size();) {
    nlmsghdr h{};
    std::memcpy(&h, batch.data() + off, sizeof(h));
    if ((h.nlmsg_flags & NLM_F_ACK) != 0) {
      acked_end = h.nlmsg_seq + 1;
    }
    off += NLMSG_ALIGN(h.nlmsg_len);
  }
  seq_ = acked_end + 1;
  size_t pending = acked_end - acked_first;
  if (pending == 0) {
    return Ok();
  }
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t sent = 0;
  do {
    sent = ::sendto(socket_.fd(), batch.data(), batch.size(), 0,
                    reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel));
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    return netlink::ErrnoToError(errno, "nf_tables batch sendto");
  }
  // The kernel answers every acked message of the batch (an ack, or the error that aborted the
  // transaction); the first error is the one to report.
  std::vector<uint8_t> buf(1 << 16);
  std::optional<Error> failure;
  while (pending > 0) {
    ssize_t n = 0;
    do {
      n = ::recv(socket_.fd(), buf.data(), buf.size(), 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      return netlink::ErrnoToError(errno, "nf_tables batch reply");
    }
    ASSIGN_OR_RETURN(auto msgs, netlink::SplitMessages(
                                    std::span<const uint8_t>(buf.data(), static_cast<size_t>(n))));
    for (const auto& m : msgs) {
      // BATCH_BEGIN (first) and BATCH_END (acked_end) are never acked but can carry an error
      // (e.g. EPERM for the whole batch).
      if (m.type != NLMSG_ERROR || m.seq < first || m.seq > acked_end) {
        continue;
      }
      if (m.seq >= acked_first && m.seq < acked_end) {
        --pending;
      }
      ASSIGN_OR_RETURN(int err, netlink::DecodeErrorCode(m));
      if (err != 0 && !failure) {
        std::string text = netlink::DecodeExtAckMessage(m);
        failure = netlink::ErrnoToError(
            err, "nf_tables element batch: " + std::string(std::strerror(err)) +  // NOLINT
                     (text.empty() ? "" : " (" + text + ")"));
      }
    }
    if (failure) {
      // An aborted batch may leave later messages unanswered; do not wait for them.
      break;
    }
  }
  if (failure) {
    return *failure;
  }
  return Ok();
}

}  // namespace vpccni::policy
