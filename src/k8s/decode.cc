#include "k8s/decode.h"

#include <cctype>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

namespace vpccni::k8s {
namespace {

using Json = nlohmann::json;

constexpr int kMaxDepth = 64;
constexpr size_t kMaxNodes = 1'000'000;

Error Invalid(const std::string& path, const std::string& what) {
  return MakeError(ErrorCode::kInvalidArgument, "{}: {}", path, what);
}

bool LooksLikeInt(const std::string& s) {
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  if (i >= s.size() || s.size() - i > 18) {
    return false;
  }
  for (; i < s.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(s[i])) == 0) {
      return false;
    }
  }
  return true;
}

// Converts a yaml-cpp node to JSON. Plain scalars are typed (null, bool, int, float); quoted
// scalars stay strings. Bounded in depth and node count (aliases can expand exponentially).
Result<Json> YamlToJson(const YAML::Node& n, int depth, size_t& budget) {
  if (depth > kMaxDepth) {
    return MakeError(ErrorCode::kInvalidArgument, "document nested deeper than {}", kMaxDepth);
  }
  if (++budget > kMaxNodes) {
    return MakeError(ErrorCode::kInvalidArgument, "document has more than {} nodes", kMaxNodes);
  }
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return Json(nullptr);
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str") {
        return Json(s);
      }
      if (s == "null" || s == "~" || s == "Null" || s == "NULL") {
        return Json(nullptr);
      }
      if (s == "true" || s == "True" || s == "TRUE") {
        return Json(true);
      }
      if (s == "false" || s == "False" || s == "FALSE") {
        return Json(false);
      }
      if (LooksLikeInt(s)) {
        return Json(std::strtoll(s.c_str(), nullptr, 10));
      }
      return Json(s);
    }
    case YAML::NodeType::Sequence: {
      Json arr = Json::array();
      for (const auto& child : n) {
        ASSIGN_OR_RETURN(Json c, YamlToJson(child, depth + 1, budget));
        arr.push_back(std::move(c));
      }
      return arr;
    }
    case YAML::NodeType::Map: {
      Json obj = Json::object();
      for (const auto& kv : n) {
        if (!kv.first.IsScalar()) {
          return MakeError(ErrorCode::kInvalidArgument, "mapping key is not a scalar");
        }
        ASSIGN_OR_RETURN(Json c, YamlToJson(kv.second, depth + 1, budget));
        obj[kv.first.Scalar()] = std::move(c);
      }
      return obj;
    }
  }
  return Json(nullptr);
}

// ---- typed field access; `path` is the field path used in messages ----

const Json* Field(const Json& obj, const char* key) {
  if (!obj.is_object()) {
    return nullptr;
  }
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

Result<std::optional<std::string>> OptString(const Json& obj, const char* key,
                                             const std::string& path) {
  const Json* f = Field(obj, key);
  if (f == nullptr) {
    return std::optional<std::string>();
  }
  if (!f->is_string()) {
    return Invalid(path + "." + key, "must be a string");
  }
  return std::optional<std::string>(f->get<std::string>());
}

Result<std::optional<int64_t>> OptInt(const Json& obj, const char* key, const std::string& path) {
  const Json* f = Field(obj, key);
  if (f == nullptr) {
    return std::optional<int64_t>();
  }
  if (!f->is_number_integer()) {
    return Invalid(path + "." + key, "must be an integer");
  }
  return std::optional<int64_t>(f->get<int64_t>());
}

Result<const Json*> OptObject(const Json& obj, const char* key, const std::string& path) {
  const Json* f = Field(obj, key);
  if (f != nullptr && !f->is_object()) {
    return Invalid(path + "." + key, "must be an object");
  }
  return f;
}

Result<const Json*> OptArray(const Json& obj, const char* key, const std::string& path) {
  const Json* f = Field(obj, key);
  if (f != nullptr && !f->is_array()) {
    return Invalid(path + "." + key, "must be a list");
  }
  return f;
}

Result<std::map<std::string, std::string>> StringMap(const Json& obj, const char* key,
                                                     const std::string& path) {
  std::map<std::string, std::string> out;
  ASSIGN_OR_RETURN(const Json* m, OptObject(obj, key, path));
  if (m == nullptr) {
    return out;
  }
  for (auto it = m->begin(); it != m->end(); ++it) {
    if (it->is_string()) {
      out[it.key()] = it->get<std::string>();
    } else if (it->is_number_integer() || it->is_boolean()) {
      // Unquoted YAML values such as `tier: 1` or `enabled: true` are strings to Kubernetes.
      out[it.key()] = it->dump();
    } else {
      return Invalid(fmt::format("{}.{}.{}", path, key, it.key()), "must be a string");
    }
  }
  return out;
}

Result<ObjectMeta> DecodeMeta(const Json& doc, bool namespaced) {
  ObjectMeta meta;
  ASSIGN_OR_RETURN(const Json* m, OptObject(doc, "metadata", ""));
  if (m == nullptr) {
    return Invalid("metadata", "missing");
  }
  ASSIGN_OR_RETURN(auto name, OptString(*m, "name", "metadata"));
  if (!name || name->empty()) {
    return Invalid("metadata.name", "missing");
  }
  meta.name = *name;
  if (namespaced) {
    ASSIGN_OR_RETURN(auto ns, OptString(*m, "namespace", "metadata"));
    meta.namespace_name = ns && !ns->empty() ? *ns : "default";
  }
  ASSIGN_OR_RETURN(meta.labels, StringMap(*m, "labels", "metadata"));
  ASSIGN_OR_RETURN(meta.annotations, StringMap(*m, "annotations", "metadata"));
  return meta;
}

Result<LabelSelector> DecodeSelector(const Json& j, const std::string& path) {
  LabelSelector sel;
  if (!j.is_object()) {
    return Invalid(path, "must be an object");
  }
  ASSIGN_OR_RETURN(sel.match_labels, StringMap(j, "matchLabels", path));
  ASSIGN_OR_RETURN(const Json* exprs, OptArray(j, "matchExpressions", path));
  if (exprs != nullptr) {
    for (size_t i = 0; i < exprs->size(); ++i) {
      std::string p = fmt::format("{}.matchExpressions[{}]", path, i);
      const Json& e = (*exprs)[i];
      if (!e.is_object()) {
        return Invalid(p, "must be an object");
      }
      LabelRequirement req;
      ASSIGN_OR_RETURN(auto key, OptString(e, "key", p));
      if (!key || key->empty()) {
        return Invalid(p + ".key", "missing");
      }
      req.key = *key;
      ASSIGN_OR_RETURN(auto op, OptString(e, "operator", p));
      if (!op) {
        return Invalid(p + ".operator", "missing");
      }
      if (*op == "In") {
        req.op = SelectorOp::kIn;
      } else if (*op == "NotIn") {
        req.op = SelectorOp::kNotIn;
      } else if (*op == "Exists") {
        req.op = SelectorOp::kExists;
      } else if (*op == "DoesNotExist") {
        req.op = SelectorOp::kDoesNotExist;
      } else {
        return Invalid(p + ".operator",
                       fmt::format("unknown operator \"{}\" (want In, NotIn, Exists, "
                                   "DoesNotExist)",
                                   *op));
      }
      ASSIGN_OR_RETURN(const Json* vals, OptArray(e, "values", p));
      if (vals != nullptr) {
        for (size_t k = 0; k < vals->size(); ++k) {
          const Json& v = (*vals)[k];
          if (v.is_string()) {
            req.values.push_back(v.get<std::string>());
          } else if (v.is_number_integer() || v.is_boolean()) {
            req.values.push_back(v.dump());
          } else {
            return Invalid(fmt::format("{}.values[{}]", p, k), "must be a string");
          }
        }
      }
      bool needs_values = req.op == SelectorOp::kIn || req.op == SelectorOp::kNotIn;
      if (needs_values && req.values.empty()) {
        return Invalid(p + ".values", fmt::format("must be non-empty for operator {}", *op));
      }
      if (!needs_values && !req.values.empty()) {
        return Invalid(p + ".values", fmt::format("must be empty for operator {}", *op));
      }
      sel.match_expressions.push_back(std::move(req));
    }
  }
  return sel;
}

Result<std::optional<LabelSelector>> OptSelector(const Json& obj, const char* key,
                                                 const std::string& path) {
  const Json* f = Field(obj, key);
  if (f == nullptr) {
    return std::optional<LabelSelector>();
  }
  ASSIGN_OR_RETURN(auto sel, DecodeSelector(*f, path + "." + key));
  return std::optional<LabelSelector>(std::move(sel));
}

Result<Cidr> DecodeCidr(const Json& j, const std::string& path) {
  if (!j.is_string()) {
    return Invalid(path, "must be a string");
  }
  auto c = Cidr::Parse(j.get<std::string>());
  if (!c) {
    return Invalid(path, c.error().message);
  }
  return *c;
}

Result<Protocol> DecodeProtocol(const Json& obj, const std::string& path) {
  ASSIGN_OR_RETURN(auto proto, OptString(obj, "protocol", path));
  if (!proto) {
    return Protocol::kTcp;
  }
  auto p = ParseProtocol(*proto);
  if (!p) {
    return Invalid(path + ".protocol",
                   fmt::format("unknown protocol \"{}\" (want TCP, UDP or SCTP)", *proto));
  }
  return *p;
}

Result<int> DecodePortNumber(int64_t v, const std::string& path) {
  if (v < 1 || v > 65535) {
    return Invalid(path, fmt::format("port {} out of range 1..65535", v));
  }
  return static_cast<int>(v);
}

// ---------------- core/v1 ----------------

Result<Namespace> DecodeNamespace(const Json& doc) {
  Namespace ns;
  ASSIGN_OR_RETURN(ns.meta, DecodeMeta(doc, false));
  ns.meta.labels[std::string(kNamespaceNameLabel)] = ns.meta.name;
  return ns;
}

Result<Pod> DecodePod(const Json& doc) {
  Pod pod;
  ASSIGN_OR_RETURN(pod.meta, DecodeMeta(doc, true));
  ASSIGN_OR_RETURN(const Json* spec, OptObject(doc, "spec", ""));
  if (spec != nullptr) {
    ASSIGN_OR_RETURN(auto node, OptString(*spec, "nodeName", "spec"));
    pod.node_name = node.value_or("");
    const Json* hn = Field(*spec, "hostNetwork");
    if (hn != nullptr) {
      if (!hn->is_boolean()) {
        return Invalid("spec.hostNetwork", "must be a boolean");
      }
      pod.host_network = hn->get<bool>();
    }
    ASSIGN_OR_RETURN(const Json* containers, OptArray(*spec, "containers", "spec"));
    if (containers != nullptr) {
      for (size_t c = 0; c < containers->size(); ++c) {
        std::string cp = fmt::format("spec.containers[{}]", c);
        ASSIGN_OR_RETURN(const Json* ports, OptArray((*containers)[c], "ports", cp));
        if (ports == nullptr) {
          continue;
        }
        for (size_t i = 0; i < ports->size(); ++i) {
          std::string pp = fmt::format("{}.ports[{}]", cp, i);
          const Json& pj = (*ports)[i];
          ContainerPort port;
          ASSIGN_OR_RETURN(auto name, OptString(pj, "name", pp));
          port.name = name.value_or("");
          ASSIGN_OR_RETURN(auto num, OptInt(pj, "containerPort", pp));
          if (!num) {
            return Invalid(pp + ".containerPort", "missing");
          }
          ASSIGN_OR_RETURN(port.port, DecodePortNumber(*num, pp + ".containerPort"));
          ASSIGN_OR_RETURN(port.protocol, DecodeProtocol(pj, pp));
          pod.ports.push_back(std::move(port));
        }
      }
    }
  }
  ASSIGN_OR_RETURN(const Json* status, OptObject(doc, "status", ""));
  if (status != nullptr) {
    ASSIGN_OR_RETURN(auto phase, OptString(*status, "phase", "status"));
    pod.phase = phase.value_or("");
    ASSIGN_OR_RETURN(auto ip, OptString(*status, "podIP", "status"));
    if (ip && !ip->empty()) {
      auto a = net::IpAddress::Parse(*ip);
      if (!a) {
        return Invalid("status.podIP", fmt::format("invalid IP \"{}\"", *ip));
      }
      pod.pod_ips.push_back(*a);
    }
    ASSIGN_OR_RETURN(const Json* ips, OptArray(*status, "podIPs", "status"));
    if (ips != nullptr) {
      for (size_t i = 0; i < ips->size(); ++i) {
        std::string p = fmt::format("status.podIPs[{}]", i);
        ASSIGN_OR_RETURN(auto s, OptString((*ips)[i], "ip", p));
        if (!s) {
          return Invalid(p + ".ip", "missing");
        }
        auto a = net::IpAddress::Parse(*s);
        if (!a) {
          return Invalid(p + ".ip", fmt::format("invalid IP \"{}\"", *s));
        }
        if (std::find(pod.pod_ips.begin(), pod.pod_ips.end(), *a) == pod.pod_ips.end()) {
          pod.pod_ips.push_back(*a);
        }
      }
    }
    ASSIGN_OR_RETURN(auto host_ip, OptString(*status, "hostIP", "status"));
    if (host_ip && !host_ip->empty()) {
      auto a = net::IpAddress::Parse(*host_ip);
      if (!a) {
        return Invalid("status.hostIP", fmt::format("invalid IP \"{}\"", *host_ip));
      }
      pod.host_ip = *a;
    }
  }
  return pod;
}

Result<Node> DecodeNode(const Json& doc) {
  Node node;
  ASSIGN_OR_RETURN(node.meta, DecodeMeta(doc, false));
  ASSIGN_OR_RETURN(const Json* status, OptObject(doc, "status", ""));
  if (status != nullptr) {
    ASSIGN_OR_RETURN(const Json* addrs, OptArray(*status, "addresses", "status"));
    if (addrs != nullptr) {
      for (size_t i = 0; i < addrs->size(); ++i) {
        std::string p = fmt::format("status.addresses[{}]", i);
        ASSIGN_OR_RETURN(auto type, OptString((*addrs)[i], "type", p));
        ASSIGN_OR_RETURN(auto addr, OptString((*addrs)[i], "address", p));
        if (type && *type == "InternalIP" && addr) {
          auto a = net::IpAddress::Parse(*addr);
          if (!a) {
            return Invalid(p + ".address", fmt::format("invalid IP \"{}\"", *addr));
          }
          node.internal_ips.push_back(*a);
        }
      }
    }
  }
  return node;
}

Result<EniConfig> DecodeEniConfig(const Json& doc) {
  EniConfig cfg;
  ASSIGN_OR_RETURN(cfg.meta, DecodeMeta(doc, false));
  ASSIGN_OR_RETURN(const Json* spec, OptObject(doc, "spec", ""));
  if (spec == nullptr) {
    return Invalid("spec", "missing");
  }
  ASSIGN_OR_RETURN(auto subnet, OptString(*spec, "subnet", "spec"));
  if (!subnet || subnet->empty()) {
    return Invalid("spec.subnet", "missing (required)");
  }
  cfg.subnet = *subnet;
  ASSIGN_OR_RETURN(const Json* sgs, OptArray(*spec, "securityGroups", "spec"));
  if (sgs != nullptr) {
    for (size_t i = 0; i < sgs->size(); ++i) {
      if (!(*sgs)[i].is_string()) {
        return Invalid(fmt::format("spec.securityGroups[{}]", i), "must be a string");
      }
      cfg.security_groups.push_back((*sgs)[i].get<std::string>());
    }
  }
  return cfg;
}

// ---------------- networking.k8s.io/v1 NetworkPolicy ----------------

Result<NetworkPolicyPeer> DecodeNpPeer(const Json& j, const std::string& path) {
  NetworkPolicyPeer peer;
  if (!j.is_object()) {
    return Invalid(path, "must be an object");
  }
  ASSIGN_OR_RETURN(peer.pod_selector, OptSelector(j, "podSelector", path));
  ASSIGN_OR_RETURN(peer.namespace_selector, OptSelector(j, "namespaceSelector", path));
  ASSIGN_OR_RETURN(const Json* ib, OptObject(j, "ipBlock", path));
  if (ib != nullptr) {
    if (peer.pod_selector || peer.namespace_selector) {
      return Invalid(path, "ipBlock may not be combined with podSelector/namespaceSelector");
    }
    IpBlock block;
    const Json* cidr = Field(*ib, "cidr");
    if (cidr == nullptr) {
      return Invalid(path + ".ipBlock.cidr", "missing");
    }
    ASSIGN_OR_RETURN(block.cidr, DecodeCidr(*cidr, path + ".ipBlock.cidr"));
    ASSIGN_OR_RETURN(const Json* ex, OptArray(*ib, "except", path + ".ipBlock"));
    if (ex != nullptr) {
      for (size_t i = 0; i < ex->size(); ++i) {
        std::string p = fmt::format("{}.ipBlock.except[{}]", path, i);
        ASSIGN_OR_RETURN(Cidr e, DecodeCidr((*ex)[i], p));
        if (!block.cidr.Contains(e) || e == block.cidr) {
          return Invalid(p, fmt::format("{} is not strictly inside cidr {}", e.ToString(),
                                        block.cidr.ToString()));
        }
        block.except.push_back(e);
      }
    }
    peer.ip_block = std::move(block);
  }
  if (!peer.pod_selector && !peer.namespace_selector && !peer.ip_block) {
    return Invalid(path, "peer must set podSelector, namespaceSelector or ipBlock");
  }
  return peer;
}

Result<NetworkPolicyPort> DecodeNpPort(const Json& j, const std::string& path) {
  NetworkPolicyPort port;
  if (!j.is_object()) {
    return Invalid(path, "must be an object");
  }
  ASSIGN_OR_RETURN(port.protocol, DecodeProtocol(j, path));
  const Json* p = Field(j, "port");
  if (p != nullptr) {
    if (p->is_number_integer()) {
      ASSIGN_OR_RETURN(port.port, DecodePortNumber(p->get<int64_t>(), path + ".port"));
    } else if (p->is_string()) {
      std::string s = p->get<std::string>();
      if (LooksLikeInt(s)) {
        ASSIGN_OR_RETURN(port.port,
                         DecodePortNumber(std::strtoll(s.c_str(), nullptr, 10), path + ".port"));
      } else if (s.empty() || s.size() > 15) {
        return Invalid(path + ".port", fmt::format("invalid port name \"{}\"", s));
      } else {
        port.named_port = s;
      }
    } else {
      return Invalid(path + ".port", "must be a number or a port name");
    }
  }
  ASSIGN_OR_RETURN(auto end, OptInt(j, "endPort", path));
  if (end) {
    if (!port.port) {
      return Invalid(path + ".endPort", "requires a numeric port");
    }
    ASSIGN_OR_RETURN(int e, DecodePortNumber(*end, path + ".endPort"));
    if (e < *port.port) {
      return Invalid(path + ".endPort",
                     fmt::format("endPort {} is less than port {}", e, *port.port));
    }
    port.end_port = e;
  }
  return port;
}

Result<std::vector<NetworkPolicyRule>> DecodeNpRules(const Json& spec, const char* key,
                                                     const char* peers_key) {
  std::vector<NetworkPolicyRule> rules;
  std::string base = std::string("spec.") + key;
  ASSIGN_OR_RETURN(const Json* arr, OptArray(spec, key, "spec"));
  if (arr == nullptr) {
    return rules;
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    std::string rp = fmt::format("{}[{}]", base, i);
    const Json& rj = (*arr)[i];
    if (!rj.is_object()) {
      return Invalid(rp, "must be an object");
    }
    NetworkPolicyRule rule;
    ASSIGN_OR_RETURN(const Json* peers, OptArray(rj, peers_key, rp));
    if (peers != nullptr) {
      for (size_t k = 0; k < peers->size(); ++k) {
        ASSIGN_OR_RETURN(auto peer,
                         DecodeNpPeer((*peers)[k], fmt::format("{}.{}[{}]", rp, peers_key, k)));
        rule.peers.push_back(std::move(peer));
      }
    }
    ASSIGN_OR_RETURN(const Json* ports, OptArray(rj, "ports", rp));
    if (ports != nullptr) {
      for (size_t k = 0; k < ports->size(); ++k) {
        ASSIGN_OR_RETURN(auto port, DecodeNpPort((*ports)[k], fmt::format("{}.ports[{}]", rp, k)));
        rule.ports.push_back(std::move(port));
      }
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

Result<NetworkPolicy> DecodeNetworkPolicy(const Json& doc) {
  NetworkPolicy np;
  ASSIGN_OR_RETURN(np.meta, DecodeMeta(doc, true));
  ASSIGN_OR_RETURN(const Json* spec, OptObject(doc, "spec", ""));
  if (spec == nullptr) {
    return Invalid("spec", "missing");
  }
  const Json* ps = Field(*spec, "podSelector");
  if (ps != nullptr) {
    ASSIGN_OR_RETURN(np.pod_selector, DecodeSelector(*ps, "spec.podSelector"));
  }
  ASSIGN_OR_RETURN(np.ingress, DecodeNpRules(*spec, "ingress", "from"));
  ASSIGN_OR_RETURN(np.egress, DecodeNpRules(*spec, "egress", "to"));
  ASSIGN_OR_RETURN(const Json* types, OptArray(*spec, "policyTypes", "spec"));
  if (types != nullptr) {
    for (size_t i = 0; i < types->size(); ++i) {
      const Json& t = (*types)[i];
      std::string p = fmt::format("spec.policyTypes[{}]", i);
      if (!t.is_string()) {
        return Invalid(p, "must be a string");
      }
      if (t == "Ingress") {
        np.affects_ingress = true;
      } else if (t == "Egress") {
        np.affects_egress = true;
      } else {
        return Invalid(p, fmt::format("unknown policy type \"{}\" (want Ingress or Egress)",
                                      t.get<std::string>()));
      }
    }
  } else {
    np.affects_ingress = true;
    np.affects_egress = Field(*spec, "egress") != nullptr && !np.egress.empty();
  }
  if (!np.affects_ingress) {
    np.ingress.clear();
  }
  if (!np.affects_egress) {
    np.egress.clear();
  }
  return np;
}

// ---------------- networking.k8s.aws/v1alpha1 ClusterNetworkPolicy ----------------

Result<PodsSelector> DecodePodsSelector(const Json& j, const std::string& path) {
  PodsSelector ps;
  if (!j.is_object()) {
    return Invalid(path, "must be an object");
  }
  const Json* ns = Field(j, "namespaceSelector");
  if (ns == nullptr) {
    return Invalid(path + ".namespaceSelector", "missing (required)");
  }
  ASSIGN_OR_RETURN(ps.namespace_selector, DecodeSelector(*ns, path + ".namespaceSelector"));
  const Json* pod = Field(j, "podSelector");
  if (pod == nullptr) {
    return Invalid(path + ".podSelector", "missing (required)");
  }
  ASSIGN_OR_RETURN(ps.pod_selector, DecodeSelector(*pod, path + ".podSelector"));
  return ps;
}

Result<CnpPeer> DecodeCnpPeer(const Json& j, const std::string& path, bool egress) {
  CnpPeer peer;
  if (!j.is_object()) {
    return Invalid(path, "must be an object");
  }
  int kinds = 0;
  if (const Json* ns = Field(j, "namespaces"); ns != nullptr) {
    ++kinds;
    ASSIGN_OR_RETURN(peer.namespaces, DecodeSelector(*ns, path + ".namespaces"));
  }
  if (const Json* pods = Field(j, "pods"); pods != nullptr) {
    ++kinds;
    ASSIGN_OR_RETURN(peer.pods, DecodePodsSelector(*pods, path + ".pods"));
  }
  if (const Json* nets = Field(j, "networks"); nets != nullptr) {
    ++kinds;
    if (!egress) {
      return Invalid(path + ".networks", "only allowed in egress peers");
    }
    if (!nets->is_array() || nets->empty() || nets->size() > 25) {
      return Invalid(path + ".networks", "must be a list of 1..25 CIDRs");
    }
    for (size_t i = 0; i < nets->size(); ++i) {
      ASSIGN_OR_RETURN(Cidr c, DecodeCidr((*nets)[i], fmt::format("{}.networks[{}]", path, i)));
      peer.networks.push_back(c);
    }
  }
  if (const Json* dn = Field(j, "domainNames"); dn != nullptr) {
    ++kinds;
    if (!egress) {
      return Invalid(path + ".domainNames", "only allowed in egress peers");
    }
    if (!dn->is_array() || dn->empty() || dn->size() > 25) {
      return Invalid(path + ".domainNames", "must be a list of 1..25 names");
    }
    for (size_t i = 0; i < dn->size(); ++i) {
      if (!(*dn)[i].is_string() || (*dn)[i].get<std::string>().empty()) {
        return Invalid(fmt::format("{}.domainNames[{}]", path, i), "must be a non-empty string");
      }
      peer.domain_names.push_back((*dn)[i].get<std::string>());
    }
  }
  if (kinds != 1) {
    return Invalid(path, egress ? "peer must set exactly one of namespaces, pods, networks, "
                                  "domainNames"
                                : "peer must set exactly one of namespaces, pods");
  }
  return peer;
}

Result<CnpPort> DecodeCnpPort(const Json& j, const std::string& path) {
  CnpPort port;
  if (!j.is_object()) {
    return Invalid(path, "must be an object");
  }
  int kinds = 0;
  if (const Json* pn = Field(j, "portNumber"); pn != nullptr) {
    ++kinds;
    std::string p = path + ".portNumber";
    if (!pn->is_object()) {
      return Invalid(p, "must be an object");
    }
    ASSIGN_OR_RETURN(port.protocol, DecodeProtocol(*pn, p));
    ASSIGN_OR_RETURN(auto n, OptInt(*pn, "port", p));
    if (!n) {
      return Invalid(p + ".port", "missing");
    }
    ASSIGN_OR_RETURN(port.start, DecodePortNumber(*n, p + ".port"));
    port.end = port.start;
  }
  if (const Json* pr = Field(j, "portRange"); pr != nullptr) {
    ++kinds;
    std::string p = path + ".portRange";
    if (!pr->is_object()) {
      return Invalid(p, "must be an object");
    }
    ASSIGN_OR_RETURN(port.protocol, DecodeProtocol(*pr, p));
    ASSIGN_OR_RETURN(auto s, OptInt(*pr, "start", p));
    ASSIGN_OR_RETURN(auto e, OptInt(*pr, "end", p));
    if (!s) {
      return Invalid(p + ".start", "missing");
    }
    if (!e) {
      return Invalid(p + ".end", "missing");
    }
    ASSIGN_OR_RETURN(port.start, DecodePortNumber(*s, p + ".start"));
    ASSIGN_OR_RETURN(port.end, DecodePortNumber(*e, p + ".end"));
    if (port.start >= port.end) {
      return Invalid(p, fmt::format("start {} must be less than end {}", port.start, port.end));
    }
  }
  if (const Json* np = Field(j, "namedPort"); np != nullptr) {
    ++kinds;
    if (!np->is_string() || np->get<std::string>().empty()) {
      return Invalid(path + ".namedPort", "must be a non-empty string");
    }
    port.named_port = np->get<std::string>();
  }
  if (kinds != 1) {
    return Invalid(path, "port must set exactly one of portNumber, portRange, namedPort");
  }
  return port;
}

Result<std::vector<CnpRule>> DecodeCnpRules(const Json& spec, const char* key,
                                            const char* peers_key, bool egress) {
  std::vector<CnpRule> rules;
  std::string base = std::string("spec.") + key;
  ASSIGN_OR_RETURN(const Json* arr, OptArray(spec, key, "spec"));
  if (arr == nullptr) {
    return rules;
  }
  if (arr->size() > 100) {
    return Invalid(base, "at most 100 rules");
  }
  for (size_t i = 0; i < arr->size(); ++i) {
    std::string rp = fmt::format("{}[{}]", base, i);
    const Json& rj = (*arr)[i];
    if (!rj.is_object()) {
      return Invalid(rp, "must be an object");
    }
    CnpRule rule;
    ASSIGN_OR_RETURN(auto name, OptString(rj, "name", rp));
    rule.name = name.value_or("");
    if (rule.name.size() > 100) {
      return Invalid(rp + ".name", "longer than 100 characters");
    }
    ASSIGN_OR_RETURN(auto action, OptString(rj, "action", rp));
    if (!action) {
      return Invalid(rp + ".action", "missing (want Accept, Deny or Pass)");
    }
    if (*action == "Accept") {
      rule.action = CnpAction::kAccept;
    } else if (*action == "Deny") {
      rule.action = CnpAction::kDeny;
    } else if (*action == "Pass") {
      rule.action = CnpAction::kPass;
    } else {
      return Invalid(rp + ".action",
                     fmt::format("unknown action \"{}\" (want Accept, Deny or Pass)", *action));
    }
    ASSIGN_OR_RETURN(const Json* peers, OptArray(rj, peers_key, rp));
    if (peers == nullptr || peers->empty() || peers->size() > 100) {
      return Invalid(fmt::format("{}.{}", rp, peers_key), "must list 1..100 peers");
    }
    for (size_t k = 0; k < peers->size(); ++k) {
      ASSIGN_OR_RETURN(auto peer, DecodeCnpPeer((*peers)[k],
                                                fmt::format("{}.{}[{}]", rp, peers_key, k), egress));
      if (!peer.domain_names.empty() && rule.action == CnpAction::kDeny) {
        return Invalid(fmt::format("{}.{}[{}].domainNames", rp, peers_key, k),
                       "domainNames peers are not allowed with action Deny");
      }
      rule.peers.push_back(std::move(peer));
    }
    ASSIGN_OR_RETURN(const Json* ports, OptArray(rj, "ports", rp));
    if (ports != nullptr) {
      if (ports->empty() || ports->size() > 100) {
        return Invalid(rp + ".ports", "must list 1..100 ports");
      }
      for (size_t k = 0; k < ports->size(); ++k) {
        ASSIGN_OR_RETURN(auto port, DecodeCnpPort((*ports)[k], fmt::format("{}.ports[{}]", rp, k)));
        rule.ports.push_back(std::move(port));
      }
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

Result<ClusterNetworkPolicy> DecodeClusterNetworkPolicy(const Json& doc) {
  ClusterNetworkPolicy cnp;
  ASSIGN_OR_RETURN(cnp.meta, DecodeMeta(doc, false));
  ASSIGN_OR_RETURN(const Json* spec, OptObject(doc, "spec", ""));
  if (spec == nullptr) {
    return Invalid("spec", "missing");
  }
  ASSIGN_OR_RETURN(auto tier, OptString(*spec, "tier", "spec"));
  if (!tier) {
    return Invalid("spec.tier", "missing (want Admin or Baseline)");
  }
  if (*tier == "Admin") {
    cnp.tier = Tier::kAdmin;
  } else if (*tier == "Baseline") {
    cnp.tier = Tier::kBaseline;
  } else {
    return Invalid("spec.tier", fmt::format("unknown tier \"{}\" (want Admin or Baseline)", *tier));
  }
  ASSIGN_OR_RETURN(auto prio, OptInt(*spec, "priority", "spec"));
  if (!prio) {
    return Invalid("spec.priority", "missing (0..1000)");
  }
  if (*prio < 0 || *prio > 1000) {
    return Invalid("spec.priority", fmt::format("priority {} out of range 0..1000", *prio));
  }
  cnp.priority = static_cast<int>(*prio);
  ASSIGN_OR_RETURN(const Json* subject, OptObject(*spec, "subject", "spec"));
  if (subject == nullptr) {
    return Invalid("spec.subject", "missing (set exactly one of namespaces, pods)");
  }
  int kinds = 0;
  if (const Json* ns = Field(*subject, "namespaces"); ns != nullptr) {
    ++kinds;
    ASSIGN_OR_RETURN(cnp.subject.namespaces, DecodeSelector(*ns, "spec.subject.namespaces"));
  }
  if (const Json* pods = Field(*subject, "pods"); pods != nullptr) {
    ++kinds;
    ASSIGN_OR_RETURN(cnp.subject.pods, DecodePodsSelector(*pods, "spec.subject.pods"));
  }
  if (kinds != 1) {
    return Invalid("spec.subject", kinds == 0 ? "must set one of namespaces, pods (neither set)"
                                              : "must set exactly one of namespaces, pods "
                                                "(both set)");
  }
  ASSIGN_OR_RETURN(cnp.ingress, DecodeCnpRules(*spec, "ingress", "from", false));
  ASSIGN_OR_RETURN(cnp.egress, DecodeCnpRules(*spec, "egress", "to", true));
  return cnp;
}

struct KindInfo {
  const char* kind;
  const char* api_version;
};

// Decodes one object document into `out`; returns an error naming the object on rejection, or
// false when the kind is not handled.
Result<bool> DecodeObject(const Json& doc, ObjectSet& out) {
  if (!doc.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "document is not an object");
  }
  ASSIGN_OR_RETURN(auto kind, OptString(doc, "kind", ""));
  ASSIGN_OR_RETURN(auto api, OptString(doc, "apiVersion", ""));
  if (!kind) {
    return MakeError(ErrorCode::kInvalidArgument, "object without kind");
  }
  std::string api_version = api.value_or("");
  std::string name = "?";
  if (const Json* m = Field(doc, "metadata"); m != nullptr && m->is_object()) {
    const Json* n = Field(*m, "name");
    const Json* ns = Field(*m, "namespace");
    if (n != nullptr && n->is_string()) {
      name = n->get<std::string>();
    }
    if (ns != nullptr && ns->is_string() && *kind != "Namespace" && *kind != "Node" &&
        *kind != "ClusterNetworkPolicy" && *kind != "ENIConfig") {
      name = ns->get<std::string>() + "/" + name;
    } else if (*kind == "Pod" || *kind == "NetworkPolicy") {
      name = "default/" + name;
    }
  }
  auto wrap = [&](Error e) {
    e.message = fmt::format("{} {}: {}", *kind, name, e.message);
    return e;
  };
  auto check_api = [&](std::initializer_list<const char*> allowed) -> Result<void> {
    for (const char* a : allowed) {
      if (api_version == a) {
        return Ok();
      }
    }
    return wrap(Invalid("apiVersion", fmt::format("unsupported apiVersion \"{}\"", api_version)));
  };
  if (*kind == "Namespace") {
    RETURN_IF_ERROR(check_api({"v1"}));
    auto r = DecodeNamespace(doc);
    if (!r) {
      return wrap(r.error());
    }
    out.namespaces.push_back(std::move(*r));
  } else if (*kind == "Pod") {
    RETURN_IF_ERROR(check_api({"v1"}));
    auto r = DecodePod(doc);
    if (!r) {
      return wrap(r.error());
    }
    out.pods.push_back(std::move(*r));
  } else if (*kind == "Node") {
    RETURN_IF_ERROR(check_api({"v1"}));
    auto r = DecodeNode(doc);
    if (!r) {
      return wrap(r.error());
    }
    out.nodes.push_back(std::move(*r));
  } else if (*kind == "ENIConfig") {
    RETURN_IF_ERROR(check_api({"crd.k8s.amazonaws.com/v1alpha1"}));
    auto r = DecodeEniConfig(doc);
    if (!r) {
      return wrap(r.error());
    }
    out.eni_configs.push_back(std::move(*r));
  } else if (*kind == "NetworkPolicy") {
    RETURN_IF_ERROR(check_api({"networking.k8s.io/v1"}));
    auto r = DecodeNetworkPolicy(doc);
    if (!r) {
      return wrap(r.error());
    }
    out.network_policies.push_back(std::move(*r));
  } else if (*kind == "ClusterNetworkPolicy") {
    RETURN_IF_ERROR(check_api({"networking.k8s.aws/v1alpha1"}));
    auto r = DecodeClusterNetworkPolicy(doc);
    if (!r) {
      return wrap(r.error());
    }
    out.cluster_network_policies.push_back(std::move(*r));
  } else {
    return false;
  }
  return true;
}

void DecodeDocument(const Json& doc, std::string_view source, size_t index, DecodeOutput& out,
                    int depth) {
  if (doc.is_null()) {
    return;  // empty document ("---" at the end of a file)
  }
  if (doc.is_object() && depth < 4) {
    const Json* kind = Field(doc, "kind");
    if (kind != nullptr && kind->is_string() &&
        (*kind == "List" || kind->get<std::string>().ends_with("List"))) {
      const Json* items = Field(doc, "items");
      if (items == nullptr || !items->is_array()) {
        Error e = Invalid(fmt::format("{}: document {}: items", source, index), "must be a list");
        out.errors.push_back(std::move(e));
        return;
      }
      for (const auto& item : *items) {
        DecodeDocument(item, source, index, out, depth + 1);
      }
      return;
    }
  }
  auto r = DecodeObject(doc, out.objects);
  if (!r) {
    Error e = std::move(r.error());
    e.message = fmt::format("{}: {}", source, e.message);
    out.errors.push_back(std::move(e));
  } else if (!*r) {
    ++out.skipped;
  }
}

}  // namespace

Result<DecodeOutput> DecodeManifests(std::string_view text, std::string_view source) {
  DecodeOutput out;
  std::vector<Json> docs;
  // JSON files are also valid YAML, but a JSON parse first gives better messages and speed.
  std::string_view trimmed = text;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front())) != 0) {
    trimmed.remove_prefix(1);
  }
  if (!trimmed.empty() && (trimmed.front() == '{' || trimmed.front() == '[')) {
    Json j = Json::parse(text, nullptr, false);
    if (!j.is_discarded()) {
      if (j.is_array()) {
        for (auto& d : j) {
          docs.push_back(std::move(d));
        }
      } else {
        docs.push_back(std::move(j));
      }
    }
  }
  if (docs.empty()) {
    try {
      std::vector<YAML::Node> nodes = YAML::LoadAll(std::string(text));
      size_t budget = 0;
      for (const auto& n : nodes) {
        auto j = YamlToJson(n, 0, budget);
        if (!j) {
          return MakeError(ErrorCode::kInvalidArgument, "{}: {}", source, j.error().message);
        }
        docs.push_back(std::move(*j));
      }
    } catch (const YAML::Exception& e) {
      return MakeError(ErrorCode::kInvalidArgument, "{}: malformed YAML: {}", source, e.what());
    } catch (const std::exception& e) {
      return MakeError(ErrorCode::kInvalidArgument, "{}: cannot parse: {}", source, e.what());
    }
  }
  for (size_t i = 0; i < docs.size(); ++i) {
    DecodeDocument(docs[i], source, i, out, 0);
  }
  return out;
}

Result<LabelSelector> ParseLabelSelectorJson(std::string_view json_text) {
  Json j = Json::parse(json_text, nullptr, false);
  if (j.is_discarded()) {
    return MakeError(ErrorCode::kInvalidArgument, "selector is not valid JSON");
  }
  return DecodeSelector(j, "selector");
}

}  // namespace vpccni::k8s
