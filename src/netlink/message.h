// File: message.h
//
// Pure rtnetlink message encoding and decoding over the kernel UAPI structs (no libmnl/libnl).
// Encoders return one complete nlmsghdr message (seq 0, pid 0; the socket stamps the sequence
// number). The parser accepts arbitrary bytes: it never reads out of bounds and returns
// kInvalidArgument ("truncated ...", "bad attribute length ...") for malformed input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "netlink/types.h"

namespace vpccni::netlink {

// Builds one netlink message: header, family header, attributes (with nesting).
class MessageBuilder {
 public:
  MessageBuilder(uint16_t type, uint16_t flags);

  // Appends the fixed family header (ifinfomsg, rtmsg, ...), padded to 4 bytes.
  void PutRaw(const void* data, size_t len);

  template <typename T>
  void PutHeader(const T& hdr) {
    PutRaw(&hdr, sizeof(T));
  }

  void PutAttr(uint16_t type, const void* data, size_t len);

  void PutU8(uint16_t type, uint8_t v) { PutAttr(type, &v, 1); }

  void PutU16(uint16_t type, uint16_t v) { PutAttr(type, &v, 2); }

  void PutU32(uint16_t type, uint32_t v) { PutAttr(type, &v, 4); }

  void PutS32(uint16_t type, int32_t v) { PutAttr(type, &v, 4); }

  // NUL-terminated string attribute.
  void PutString(uint16_t type, std::string_view s);
  // Raw address bytes (4 or 16).
  void PutIp(uint16_t type, const net::IpAddress& ip);
  void PutMac(uint16_t type, const net::MacAddress& mac);
  // Starts a nested attribute; returns a token for EndNested.
  size_t BeginNested(uint16_t type);
  void EndNested(size_t token);

  // Finishes the message (sets nlmsg_len) and returns its bytes.
  std::vector<uint8_t> Finish() &&;

 private:
  std::vector<uint8_t> buf_;
};

// One message inside a received buffer. `payload` points into the caller's buffer.
struct RawMessage {
  uint16_t type = 0;
  uint16_t flags = 0;
  uint32_t seq = 0;
  uint32_t pid = 0;
  std::span<const uint8_t> payload;
};

// Splits a buffer into messages; checks every length. Errors: kInvalidArgument.
Result<std::vector<RawMessage>> SplitMessages(std::span<const uint8_t> buf);

// One attribute (type without the NLA_F_NESTED / NLA_F_NET_BYTEORDER bits).
struct RawAttr {
  uint16_t type = 0;
  std::span<const uint8_t> data;
};

// Splits an attribute area; checks every length. Errors: kInvalidArgument.
Result<std::vector<RawAttr>> SplitAttrs(std::span<const uint8_t> buf);

// For NLMSG_ERROR: the (positive) errno, 0 for an ACK. Errors: kInvalidArgument if truncated.
Result<int> DecodeErrorCode(const RawMessage& m);

// For NLMSG_ERROR with extended ack TLVs: the kernel's error text (NLMSGERR_ATTR_MSG), or "".
std::string DecodeExtAckMessage(const RawMessage& m);

// Decoders for RTM_NEW* messages (also used for dump replies). kInvalidArgument on malformed
// payloads, kUnimplemented for an unsupported address family.
Result<Link> DecodeLink(const RawMessage& m);
Result<Address> DecodeAddress(const RawMessage& m);
Result<Route> DecodeRoute(const RawMessage& m);
Result<Rule> DecodeRule(const RawMessage& m);
Result<Neighbor> DecodeNeighbor(const RawMessage& m);

// Encoders. Flags are added by the socket (NLM_F_REQUEST|NLM_F_ACK) on top of those set here.
std::vector<uint8_t> EncodeGetLinkByName(std::string_view name);
std::vector<uint8_t> EncodeGetLinkByIndex(int index);
std::vector<uint8_t> EncodeDumpLinks();
std::vector<uint8_t> EncodeNewVeth(const VethSpec& spec);
std::vector<uint8_t> EncodeNewVlan(const VlanSpec& spec);
std::vector<uint8_t> EncodeNewDummy(const DummySpec& spec);
// Changes an existing link by index, or by name when index == 0 (name must be set then).
std::vector<uint8_t> EncodeSetLink(const LinkChange& change, std::string_view name = {});
std::vector<uint8_t> EncodeDelLink(int index, std::string_view name = {});
std::vector<uint8_t> EncodeAddress(uint16_t msg_type, const Address& a);  // RTM_NEW/DELADDR
std::vector<uint8_t> EncodeDumpAddresses(uint8_t family);
std::vector<uint8_t> EncodeRoute(uint16_t msg_type, uint16_t flags, const Route& r);
std::vector<uint8_t> EncodeDumpRoutes(uint8_t family);
std::vector<uint8_t> EncodeRule(uint16_t msg_type, uint16_t flags, const Rule& r);
std::vector<uint8_t> EncodeDumpRules(uint8_t family);
std::vector<uint8_t> EncodeNeighbor(uint16_t msg_type, uint16_t flags, const Neighbor& n);
std::vector<uint8_t> EncodeDumpNeighbors(uint8_t family);
// The message for one Op (with create/excl/replace flags as the op kind requires); empty when
// !OpIsWellFormed(op).
std::vector<uint8_t> EncodeOp(const Op& op);

}  // namespace vpccni::netlink
