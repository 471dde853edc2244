// File: imds_parsers.h
//
// Pure parsers for the text formats IMDS serves under /latest/meta-data/: newline-separated
// lists (MACs with a trailing '/', addresses, CIDRs, IDs), single integers and IDs, and the
// availability zone -> region derivation. Every parser rejects anything it does not fully
// understand with kDataLoss (reason "MalformedImdsReply"), naming the path and quoting (a bounded
// prefix of) the offending text. Fuzzed (tests/fuzz/corpus/imds_parse/).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "net/ip.h"

namespace vpccni::cloud::imds {

// Non-empty, trimmed lines (handles "\n" and "\r\n"; a missing final newline is fine).
std::vector<std::string> SplitLines(std::string_view text);

// "0a:1b:...:5f/" lines of network/interfaces/macs/ (trailing '/' optional), in order.
Result<std::vector<net::MacAddress>> ParseMacList(std::string_view path, std::string_view text);

Result<std::vector<net::Ipv4Address>> ParseIpv4List(std::string_view path, std::string_view text);
Result<std::vector<net::Ipv4Cidr>> ParseIpv4CidrList(std::string_view path, std::string_view text);
Result<std::vector<net::Ipv6Address>> ParseIpv6List(std::string_view path, std::string_view text);
Result<std::vector<net::Ipv6Cidr>> ParseIpv6CidrList(std::string_view path, std::string_view text);

Result<net::Ipv4Address> ParseIpv4(std::string_view path, std::string_view text);
Result<net::Ipv6Address> ParseIpv6(std::string_view path, std::string_view text);
Result<net::MacAddress> ParseMac(std::string_view path, std::string_view text);

// A non-negative integer (device-number, network-card) up to max.
Result<int> ParseIndex(std::string_view path, std::string_view text, int max = 1024);

// An AWS resource ID with the given prefix ("eni-", "subnet-", "vpc-", "i-", "sg-"): the prefix
// then 1..64 of [0-9a-z]. An empty prefix accepts any ID of [0-9a-z-].
Result<std::string> ParseResourceId(std::string_view path, std::string_view text,
                                    std::string_view prefix);

// Newline-separated IDs with the prefix (security-group-ids).
Result<std::vector<std::string>> ParseResourceIdList(std::string_view path, std::string_view text,
                                                     std::string_view prefix);

// An instance type such as "m5.large" or "c7gn.16xlarge" ([a-z0-9-]+ '.' [a-z0-9-]+).
Result<std::string> ParseInstanceType(std::string_view path, std::string_view text);

// An availability zone ("us-west-2a", "us-west-2-lax-1a", "us-gov-west-1b").
Result<std::string> ParseAvailabilityZone(std::string_view path, std::string_view text);

// The region of an availability zone: the name up to and including the first dash-separated
// component that starts with a digit, cut after its digits ("us-west-2-lax-1a" -> "us-west-2",
// "cn-north-1a" -> "cn-north-1"). kDataLoss when there is no such component.
Result<std::string> RegionFromAvailabilityZone(std::string_view az);

// The IMDS listing of a directory ("a\nb/\nc"): the entry names without trailing '/'.
std::vector<std::string> ParseListing(std::string_view text);

}  // namespace vpccni::cloud::imds
