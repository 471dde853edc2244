#include "vpcsim/imds_handler.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "vpcsim/query_xml.h"

namespace vpccni::vpcsim {
namespace {

template <typename T>
std::string Lines(const std::vector<T>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) {
      out += '\n';
    }
    if constexpr (std::is_same_v<T, std::string>) {
      out += v[i];
    } else {
      out += v[i].ToString();
    }
  }
  return out;
}

ImdsReply Status(int status, std::string body) {
  ImdsReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::optional<std::string> Header(const ImdsRequest& req, std::string_view lower_name) {
  auto it = req.headers.find(std::string(lower_name));
  if (it == req.headers.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

void ImdsTokenStore::Issue(const std::string& token, WallTime now, std::chrono::seconds ttl) {
  for (auto it = expiry_.begin(); it != expiry_.end();) {
    if (it->second <= now) {
      it = expiry_.erase(it);
    } else {
      ++it;
    }
  }
  while (expiry_.size() >= kImdsMaxTokens) {
    auto oldest =
        std::min_element(expiry_.begin(), expiry_.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    expiry_.erase(oldest);
  }
  expiry_[token] = now + ttl;
}

bool ImdsTokenStore::Valid(std::string_view token, WallTime now) const {
  auto it = expiry_.find(token);
  return it != expiry_.end() && now < it->second;
}

std::map<std::string, std::string> BuildImdsTree(const ImdsView& v) {
  std::map<std::string, std::string> t;
  const std::string md = "meta-data/";
  t[md + "ami-id"] = v.image_id;
  t[md + "ami-launch-index"] = "0";
  t[md + "ami-manifest-path"] = "(unknown)";
  t[md + "hostname"] = v.local_hostname;
  t[md + "local-hostname"] = v.local_hostname;
  t[md + "instance-id"] = v.instance_id;
  t[md + "instance-type"] = v.instance_type;
  t[md + "instance-action"] = "none";
  t[md + "instance-life-cycle"] = "on-demand";
  t[md + "local-ipv4"] = v.local_ipv4.ToString();
  if (v.ipv6.has_value()) {
    t[md + "ipv6"] = v.ipv6->ToString();
  }
  t[md + "mac"] = v.mac.ToString();
  t[md + "placement/availability-zone"] = v.availability_zone;
  t[md + "placement/availability-zone-id"] = v.availability_zone_id;
  t[md + "placement/region"] = v.region;
  t[md + "reservation-id"] = v.reservation_id;
  t[md + "security-groups"] = Lines(v.security_group_names);
  t[md + "services/domain"] = "amazonaws.com";
  t[md + "services/partition"] = "aws";
  for (const auto& ifc : v.interfaces) {
    const std::string p = md + "network/interfaces/macs/" + ifc.mac.ToString() + "/";
    t[p + "device-number"] = std::to_string(ifc.device_number);
    t[p + "network-card"] = std::to_string(ifc.network_card);
    t[p + "interface-id"] = ifc.interface_id;
    t[p + "mac"] = ifc.mac.ToString();
    t[p + "owner-id"] = ifc.owner_id;
    t[p + "subnet-id"] = ifc.subnet_id;
    t[p + "subnet-ipv4-cidr-block"] = ifc.subnet_ipv4_cidr_block.ToString();
    if (!ifc.subnet_ipv6_cidr_blocks.empty()) {
      t[p + "subnet-ipv6-cidr-blocks"] = Lines(ifc.subnet_ipv6_cidr_blocks);
    }
    t[p + "vpc-id"] = ifc.vpc_id;
    if (!ifc.vpc_ipv4_cidr_blocks.empty()) {
      t[p + "vpc-ipv4-cidr-block"] = ifc.vpc_ipv4_cidr_blocks.front().ToString();
      t[p + "vpc-ipv4-cidr-blocks"] = Lines(ifc.vpc_ipv4_cidr_blocks);
    }
    if (!ifc.vpc_ipv6_cidr_blocks.empty()) {
      t[p + "vpc-ipv6-cidr-blocks"] = Lines(ifc.vpc_ipv6_cidr_blocks);
    }
    if (!ifc.local_ipv4s.empty()) {
      t[p + "local-ipv4s"] = Lines(ifc.local_ipv4s);
      t[p + "local-hostname"] = fmt::format(
          "ip-{}.{}.compute.internal",
          [&] {
            std::string s = ifc.local_ipv4s.front().ToString();
            std::replace(s.begin(), s.end(), '.', '-');
            return s;
          }(),
          v.region);
    }
    if (!ifc.ipv4_prefixes.empty()) {
      t[p + "ipv4-prefix"] = Lines(ifc.ipv4_prefixes);
    }
    if (!ifc.ipv6s.empty()) {
      t[p + "ipv6s"] = Lines(ifc.ipv6s);
    }
    if (!ifc.ipv6_prefixes.empty()) {
      t[p + "ipv6-prefix"] = Lines(ifc.ipv6_prefixes);
    }
    t[p + "security-group-ids"] = Lines(ifc.security_group_ids);
    t[p + "security-groups"] = Lines(ifc.security_group_names);
  }
  nlohmann::json doc = {
      {"accountId", v.account_id},
      {"architecture", "x86_64"},
      {"availabilityZone", v.availability_zone},
      {"billingProducts", nullptr},
      {"devpayProductCodes", nullptr},
      {"marketplaceProductCodes", nullptr},
      {"imageId", v.image_id},
      {"instanceId", v.instance_id},
      {"instanceType", v.instance_type},
      {"kernelId", nullptr},
      {"pendingTime", FormatEc2Time(v.launch_time)},
      {"privateIp", v.local_ipv4.ToString()},
      {"ramdiskId", nullptr},
      {"region", v.region},
      {"version", "2017-09-30"},
  };
  t["dynamic/instance-identity/document"] = doc.dump(2);
  return t;
}

ImdsReply LookupImdsTree(const std::map<std::string, std::string>& tree,
                         std::string_view relative) {
  std::string key(relative);
  while (!key.empty() && key.back() == '/') {
    key.pop_back();
  }
  while (!key.empty() && key.front() == '/') {
    key.erase(key.begin());
  }
  if (key.find("//") != std::string::npos) {
    return Status(404, "Not Found");
  }
  auto leaf = tree.find(key);
  if (leaf != tree.end()) {
    ImdsReply r = Status(200, leaf->second);
    if (key == "dynamic/instance-identity/document") {
      r.content_type = "application/json";
    }
    return r;
  }
  // Directory listing: the distinct next path components under key/.
  std::string prefix = key.empty() ? std::string() : key + "/";
  std::vector<std::string> children;
  std::set<std::string> seen;
  for (auto it = tree.lower_bound(prefix); it != tree.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) {
      break;
    }
    std::string_view rest = std::string_view(it->first).substr(prefix.size());
    size_t slash = rest.find('/');
    std::string child(slash == std::string_view::npos ? rest : rest.substr(0, slash + 1));
    if (seen.insert(child).second) {
      children.push_back(std::move(child));
    }
  }
  if (children.empty()) {
    return Status(404, "Not Found");
  }
  return Status(200, Lines(children));
}

ImdsReply HandleImdsRequest(const ImdsRequest& request, WallTime now, ImdsTokenStore& tokens,
                            ImdsTokenSource& token_source, const Result<ImdsView>& view) {
  const std::string& path = request.path;
  if (path == "/latest/api/token") {
    if (request.method != "PUT") {
      return Status(405, "Method Not Allowed");
    }
    if (Header(request, "x-forwarded-for").has_value()) {
      return Status(403, "Forbidden");
    }
    auto ttl_text = Header(request, Lower(kImdsTtlHeader));
    if (!ttl_text.has_value()) {
      return Status(400, "Bad Request: missing X-aws-ec2-metadata-token-ttl-seconds");
    }
    int ttl = 0;
    auto [ptr, ec] = std::from_chars(ttl_text->data(), ttl_text->data() + ttl_text->size(), ttl);
    if (ttl_text->empty() || ec != std::errc() || ptr != ttl_text->data() + ttl_text->size() ||
        ttl < 1 || ttl > kImdsMaxTtlSeconds) {
      return Status(400, "Bad Request: X-aws-ec2-metadata-token-ttl-seconds must be 1..21600");
    }
    std::string token = token_source.NewToken();
    tokens.Issue(token, now, std::chrono::seconds(ttl));
    ImdsReply r = Status(200, token);
    r.headers[std::string(kImdsTtlHeader)] = std::to_string(ttl);
    return r;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    return Status(405, "Method Not Allowed");
  }
  auto token = Header(request, Lower(kImdsTokenHeader));
  if (!token.has_value() || !tokens.Valid(*token, now)) {
    return Status(401, "Unauthorized");
  }
  if (path == "/" || path.empty()) {
    return Status(200, "latest");
  }
  constexpr std::string_view kLatest = "/latest";
  if (path.compare(0, kLatest.size(), kLatest) != 0 ||
      (path.size() > kLatest.size() && path[kLatest.size()] != '/')) {
    return Status(404, "Not Found");
  }
  if (!view.has_value()) {
    return Status(404, "Not Found");
  }
  auto tree = BuildImdsTree(*view);
  return LookupImdsTree(tree, std::string_view(path).substr(kLatest.size()));
}

}  // namespace vpccni::vpcsim
