// File: socket.h
//
// NetlinkSocket: an RAII NETLINK_ROUTE socket bound to the network namespace it was opened in
// (a socket keeps its netns for life, so one opened inside a pod netns keeps acting there).
// Requests are stamped with increasing sequence numbers and NLM_F_REQUEST|NLM_F_ACK; Exchange()
// sends several requests in one sendmsg and waits for all their acks ("batching"). Not
// thread-safe: use one socket per thread (or guard it).
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "netlink/message.h"

namespace vpccni::netlink {

// What came back for one request: errno (0 = ack / done) and any data messages (copied).
struct Reply {
  int error = 0;
  std::string error_text;                      // kernel extended-ack text, if any
  std::vector<std::vector<uint8_t>> messages;  // each a complete nlmsghdr message
  // A dump saw NLM_F_DUMP_INTR: the table changed meanwhile and the result may be inconsistent.
  bool dump_interrupted = false;
};

class NetlinkSocket {
 public:
  // Opens a socket in the calling thread's current netns. kInternal with sys_errno on failure.
  // Other protocols (NETLINK_NETFILTER) get the same options; Exchange() is rtnetlink's.
  static Result<NetlinkSocket> Open(int protocol = NETLINK_ROUTE);
  // Opens a socket inside netns_fd (setns() on a helper thread; the caller's netns is untouched).
  static Result<NetlinkSocket> OpenInNetns(int netns_fd);

  NetlinkSocket(NetlinkSocket&& o) noexcept;
  NetlinkSocket& operator=(NetlinkSocket&& o) noexcept;
  NetlinkSocket(const NetlinkSocket&) = delete;
  NetlinkSocket& operator=(const NetlinkSocket&) = delete;
  ~NetlinkSocket();

  // Sends all requests in one sendmsg (callers keep batches to ~128 requests so the acks fit the
  // receive buffer; RtnlOps::ApplyBatch() splits larger ones) (each stamped with seq and
  // REQUEST|ACK flags) and collects one Reply per request, in order. Dump requests (NLM_F_DUMP)
  // collect their messages until NLMSG_DONE. Only transport failures are errors
  // (kInternal/kUnavailable with sys_errno); kernel errors are reported per request in
  // Reply::error.
  Result<std::vector<Reply>> Exchange(std::vector<std::vector<uint8_t>> requests);

  // One request; returns its data messages, or an Error carrying the kernel errno:
  // EEXIST -> kAlreadyExists, ENOENT/ESRCH/ENODEV/EADDRNOTAVAIL -> kNotFound,
  // EPERM/EACCES -> kPermissionDenied, EINVAL/ERANGE -> kInvalidArgument, else kInternal.
  Result<std::vector<std::vector<uint8_t>>> Request(std::vector<uint8_t> request);

  int fd() const { return fd_; }

 private:
  explicit NetlinkSocket(int fd) : fd_(fd) {}

  int fd_ = -1;
  uint32_t seq_ = 1;
};

// Maps a kernel errno to an Error with sys_errno set (mapping as in Request()).
Error ErrnoToError(int err, std::string message);

// True for the errnos that mean "object absent" (ENOENT, ESRCH, ENODEV, EADDRNOTAVAIL).
bool IsMissingErrno(int err);

}  // namespace vpccni::netlink
