#include "k8s/objects.h"

#include <algorithm>

#include <fmt/format.h>

namespace vpccni::k8s {

bool LabelSelector::Matches(const Labels& labels) const {
  for (const auto& [k, v] : match_labels) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) {
      return false;
    }
  }
  for (const auto& req : match_expressions) {
    auto it = labels.find(req.key);
    bool has = it != labels.end();
    switch (req.op) {
      case SelectorOp::kIn:
        if (!has || std::find(req.values.begin(), req.values.end(), it->second) ==
                        req.values.end()) {
          return false;
        }
        break;
      case SelectorOp::kNotIn:
        if (has && std::find(req.values.begin(), req.values.end(), it->second) !=
                       req.values.end()) {
          return false;
        }
        break;
      case SelectorOp::kExists:
        if (!has) {
          return false;
        }
        break;
      case SelectorOp::kDoesNotExist:
        if (has) {
          return false;
        }
        break;
    }
  }
  return true;
}

std::string LabelSelector::ToString() const {
  std::vector<std::string> parts;
  for (const auto& [k, v] : match_labels) {
    parts.push_back(fmt::format("{}={}", k, v));
  }
  for (const auto& r : match_expressions) {
    std::vector<std::string> vals = r.values;
    std::sort(vals.begin(), vals.end());
    std::string joined;
    for (size_t i = 0; i < vals.size(); ++i) {
      joined += (i > 0 ? "," : "") + vals[i];
    }
    switch (r.op) {
      case SelectorOp::kIn:
        parts.push_back(fmt::format("{} in ({})", r.key, joined));
        break;
      case SelectorOp::kNotIn:
        parts.push_back(fmt::format("{} notin ({})", r.key, joined));
        break;
      case SelectorOp::kExists:
        parts.push_back(r.key);
        break;
      case SelectorOp::kDoesNotExist:
        parts.push_back("!" + r.key);
        break;
    }
  }
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    out += (i > 0 ? "," : "") + parts[i];
  }
  return out;
}

std::string_view ProtocolName(Protocol p) {
  switch (p) {
    case Protocol::kTcp:
      return "TCP";
    case Protocol::kUdp:
      return "UDP";
    case Protocol::kSctp:
      return "SCTP";
  }
  return "TCP";
}

std::optional<Protocol> ParseProtocol(std::string_view s) {
  if (s == "TCP") {
    return Protocol::kTcp;
  }
  if (s == "UDP") {
    return Protocol::kUdp;
  }
  if (s == "SCTP") {
    return Protocol::kSctp;
  }
  return std::nullopt;
}

std::string_view TierName(Tier t) { return t == Tier::kAdmin ? "Admin" : "Baseline"; }

std::string_view CnpActionName(CnpAction a) {
  switch (a) {
    case CnpAction::kAccept:
      return "Accept";
    case CnpAction::kDeny:
      return "Deny";
    case CnpAction::kPass:
      return "Pass";
  }
  return "Deny";
}

Result<Cidr> Cidr::Parse(std::string_view s) {
  Cidr c;
  if (s.find(':') != std::string_view::npos) {
    auto r = net::Ipv6Cidr::Parse(s);
    if (!r) {
      return MakeError(ErrorCode::kInvalidArgument, "invalid CIDR \"{}\"", s);
    }
    c.v6_ = true;
    c.v6c_ = r->Masked();
    return c;
  }
  auto r = net::Ipv4Cidr::Parse(s);
  if (!r) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid CIDR \"{}\"", s);
  }
  c.v4_ = r->Masked();
  return c;
}

bool Cidr::Contains(const net::IpAddress& a) const {
  if (v6_) {
    return a.IsV6() && v6c_.Contains(a.V6());
  }
  return a.IsV4() && v4_.Contains(a.V4());
}

bool Cidr::Contains(const Cidr& other) const {
  if (v6_ != other.v6_) {
    return false;
  }
  return v6_ ? v6c_.Contains(other.v6c_) : v4_.Contains(other.v4_);
}

std::string Cidr::ToString() const { return v6_ ? v6c_.ToString() : v4_.ToString(); }

std::optional<net::Ipv4Address> Pod::Ipv4() const {
  for (const auto& ip : pod_ips) {
    if (ip.IsV4()) {
      return ip.V4();
    }
  }
  return std::nullopt;
}

void ObjectSet::Append(const ObjectSet& other) {
  namespaces.insert(namespaces.end(), other.namespaces.begin(), other.namespaces.end());
  pods.insert(pods.end(), other.pods.begin(), other.pods.end());
  nodes.insert(nodes.end(), other.nodes.begin(), other.nodes.end());
  eni_configs.insert(eni_configs.end(), other.eni_configs.begin(), other.eni_configs.end());
  network_policies.insert(network_policies.end(), other.network_policies.begin(),
                          other.network_policies.end());
  cluster_network_policies.insert(cluster_network_policies.end(),
                                  other.cluster_network_policies.begin(),
                                  other.cluster_network_policies.end());
}

}  // namespace vpccni::k8s
