// File: query_params.h
//
// Pure decoding of EC2 Query requests (the AWS "ec2" protocol): form-urlencoded bodies and query
// strings, `X.N` flattened lists, `Filter.N.Name`/`Filter.N.Value.M`, `Tag.N.Key`/`.Value`,
// `TagSpecification.N.Tag.M.Key`, typed scalar access. Every failure is an Error whose `reason` is
// the EC2 error code to send back (MissingParameter, InvalidParameterValue,
// MalformedQueryString, ...). No I/O; safe on arbitrary, hostile input.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vpccni::vpcsim {

// Builds an Error carrying an EC2 error code in `reason` (code kInvalidArgument unless given).
Error QueryError(std::string_view ec2_code, std::string message,
                 ErrorCode code = ErrorCode::kInvalidArgument);

// Limits that keep hostile requests cheap.
inline constexpr size_t kMaxQueryBytes = 1 << 20;
inline constexpr size_t kMaxQueryParams = 10000;
inline constexpr int64_t kMaxListIndex = 100000;

struct QueryFilter {
  std::string name;
  std::vector<std::string> values;
  bool operator==(const QueryFilter&) const = default;
};

struct QueryTag {
  std::string key;
  std::string value;
  bool operator==(const QueryTag&) const = default;
};

struct QueryTagSpecification {
  std::string resource_type;
  std::vector<QueryTag> tags;
  bool operator==(const QueryTagSpecification&) const = default;
};

// Decodes one application/x-www-form-urlencoded component ('+' is a space, %XX bytes).
// MalformedQueryString on a bad escape.
Result<std::string> FormDecode(std::string_view s);

// Encodes a string the way SigV4 and botocore do (unreserved A-Za-z0-9-_.~ kept, the rest %XX).
std::string FormEncode(std::string_view s);

// An immutable map of decoded request parameters. Cheap to copy for sub-views.
class QueryParams {
 public:
  QueryParams() = default;

  explicit QueryParams(std::map<std::string, std::string> values) : values_(std::move(values)) {}

  // Parses "k1=v1&k2=v2". Later duplicates replace earlier ones. Errors: MalformedQueryString
  // (bad escape, too large, too many parameters, empty key).
  static Result<QueryParams> Parse(std::string_view encoded);
  // Adds every parameter of `other` that is not already present.
  void MergeMissing(const QueryParams& other);

  bool Has(std::string_view key) const;
  std::optional<std::string> Get(std::string_view key) const;
  // MissingParameter "The request must contain the parameter KEY" when absent or empty.
  Result<std::string> Require(std::string_view key) const;
  // InvalidParameterValue when not an integer within [min, max]; nullopt when absent.
  Result<std::optional<int64_t>> GetInt(std::string_view key, int64_t min, int64_t max) const;
  Result<int64_t> RequireInt(std::string_view key, int64_t min, int64_t max) const;
  // Accepts true/false (case-insensitive); InvalidParameterValue otherwise.
  Result<std::optional<bool>> GetBool(std::string_view key) const;

  // Values of `PREFIX.1`, `PREFIX.2`, ... ordered by index (gaps allowed).
  // InvalidParameterValue for a non-numeric or out-of-range index.
  Result<std::vector<std::string>> GetList(std::string_view prefix) const;
  // For `PREFIX.N.<rest>` keys: one QueryParams per index N (ordered), holding the `<rest>` keys.
  Result<std::vector<QueryParams>> GetMembers(std::string_view prefix) const;
  // `Filter.N.Name` + `Filter.N.Value.M`. MissingParameter when a filter lacks a name.
  Result<std::vector<QueryFilter>> GetFilters() const;
  // `PREFIX.N.Key` + `PREFIX.N.Value` (default prefix "Tag"). MissingParameter when a key is
  // absent.
  Result<std::vector<QueryTag>> GetTags(std::string_view prefix = "Tag") const;
  // `TagSpecification.N.ResourceType` + `TagSpecification.N.Tag.M.Key/Value`.
  Result<std::vector<QueryTagSpecification>> GetTagSpecifications() const;

  const std::map<std::string, std::string>& All() const { return values_; }

  size_t Size() const { return values_.size(); }

 private:
  std::map<std::string, std::string> values_;
};

// One EC2 Query request: the action, the API version and the other parameters.
struct Ec2Request {
  std::string action;
  std::string version;
  QueryParams params;
};

// Builds an Ec2Request from a URL query string and a form body (either may be empty; body values
// win). Errors: MalformedQueryString, MissingParameter (Action, Version).
Result<Ec2Request> ParseEc2Request(std::string_view query_string, std::string_view body);

}  // namespace vpccni::vpcsim
