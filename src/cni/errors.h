// File: errors.h
//
// CNI error codes and the mapping from the project's Error to the spec's error object. A CNI code
// travels inside Error::reason as "cni:<code>" (set with CniError()); errors without one are
// mapped once, at the plugin boundary, by CniCodeOf().
//
// Spec codes: 1 incompatible version, 2 unsupported field, 3 container unknown, 4 invalid env,
// 5 I/O failure, 6 decode failure, 7 invalid network config, 11 try again later, 50/51 STATUS.
// Ours (100+, documented in docs/cni.md):
//   100 internal error
//   101 ipamd refused the request (AddNetwork/DelNetwork/Gc returned Success=false)
//   102 pod network setup/teardown through netlink failed
//   103 CHECK found the pod's wiring different from the ADD result
//   104 ipamd protocol error (undecodable or mismatched reply, version rejected)
//   105 egress-cni failure (egress address pool exhausted, SNAT rules failed)
//   106 unsupported pod type (e.g. branch-ENI pods, which need the SGP wiring)
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace vpccni::cni {

inline constexpr int kCodeIncompatibleVersion = 1;
inline constexpr int kCodeUnsupportedField = 2;
inline constexpr int kCodeUnknownContainer = 3;
inline constexpr int kCodeInvalidEnv = 4;
inline constexpr int kCodeIoFailure = 5;
inline constexpr int kCodeDecodeFailure = 6;
inline constexpr int kCodeInvalidConfig = 7;
inline constexpr int kCodeTryAgainLater = 11;
inline constexpr int kCodeNotAvailable = 50;
inline constexpr int kCodeLimitedConnectivity = 51;

inline constexpr int kCodeInternal = 100;
inline constexpr int kCodeIpamdRejected = 101;
inline constexpr int kCodeSetupFailed = 102;
inline constexpr int kCodeCheckFailed = 103;
inline constexpr int kCodeIpamdProtocol = 104;
inline constexpr int kCodeEgressFailed = 105;
inline constexpr int kCodeUnsupportedPod = 106;

// An Error carrying CNI code `code` (Error::code chosen to match: kInvalidArgument for 1-7, ...).
Error CniError(int code, std::string msg);
// Tags an existing error with a CNI code (keeps an existing tag).
Error TagCni(Error e, int code);

// The CNI code of e: its "cni:<n>" tag, else a mapping of e.code (kUnavailable and
// kDeadlineExceeded -> 11, kInvalidArgument -> 7, anything else -> 100).
int CniCodeOf(const Error& e);

// The spec error object {"cniVersion","code","msg","details"} as one JSON line. msg is the error
// message with its context; details carries errno text when present.
std::string EncodeError(std::string_view cni_version, const Error& e);

}  // namespace vpccni::cni
