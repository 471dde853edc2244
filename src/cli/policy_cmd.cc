// vpcctl policy explain | matrix: the network-policy verdicts the agent enforces, computed by the
// same compiler (policy/compiler.h) from a directory of manifests.
#include <iostream>
#include <set>
#include <string>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "cli/commands.h"
#include "k8s/dir_source.h"
#include "policy/compiler.h"

namespace vpccni::cli {
namespace {

using Json = nlohmann::json;

// Loads every manifest under dir. Invalid objects or unparsable files fail the command: a
// verdict computed without them would silently differ from what the user wrote.
Result<policy::PolicyModel> LoadModel(const std::string& dir) {
  k8s::DirectorySource src(dir);
  RETURN_IF_ERROR(src.Poll());
  std::string problems;
  for (const auto& e : src.snapshot().errors) {
    if (e.code == ErrorCode::kAlreadyExists) {
      std::cerr << "warning: " << e.ToString() << "\n";
    } else {
      problems += "\n  " + e.ToString();
    }
  }
  if (!problems.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid objects in {} (rejected):{}", dir,
                     problems);
  }
  return policy::PolicyModel::Compile(src.snapshot().objects);
}

Result<size_t> ResolvePod(const policy::PolicyModel& m, const std::string& ref) {
  auto slash = ref.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == ref.size()) {
    return MakeError(ErrorCode::kInvalidArgument, "pod \"{}\" must be NAMESPACE/NAME", ref);
  }
  auto idx = m.FindPod(ref.substr(0, slash), ref.substr(slash + 1));
  if (!idx) {
    return MakeError(ErrorCode::kNotFound, "pod {} not found in the objects", ref);
  }
  return *idx;
}

Json DecisionJson(const policy::Decision& d, policy::Direction dir, const std::string& at) {
  return Json{{"direction", policy::DirectionName(dir)},
              {"pod", at},
              {"verdict", policy::VerdictName(d.verdict)},
              {"stage", policy::StageName(d.stage)},
              {"policy", d.policy},
              {"policy_kind", d.policy_kind},
              {"policy_label", d.PolicyLabel()},
              {"rule", d.rule},
              {"detail", d.detail}};
}

std::string DecisionText(const policy::Decision& d) {
  std::string s = fmt::format("{} [{}]", policy::VerdictName(d.verdict), policy::StageName(d.stage));
  if (!d.policy.empty()) {
    s += " by " + d.PolicyLabel();
  }
  if (!d.rule.empty()) {
    s += " rule " + d.rule;
  }
  return s + ": " + d.detail;
}

int Explain(const std::string& from, const std::string& to, const std::string& port_text,
            const std::string& protocol, const std::string& dir, const std::string& output) {
  auto model = LoadModel(dir);
  if (!model) {
    std::cerr << "error: " << model.error().ToString() << "\n";
    return 1;
  }
  auto proto = policy::ParseL4(protocol);
  if (!proto) {
    std::cerr << "error: --protocol must be TCP, UDP or SCTP (got \"" << protocol << "\")\n";
    return 2;
  }
  auto dst = ResolvePod(*model, to);
  if (!dst) {
    std::cerr << "error: --to: " << dst.error().ToString() << "\n";
    return 1;
  }
  policy::Remote src;
  std::string from_label = from;
  if (auto ip = net::IpAddress::Parse(from); ip) {
    src.ip = *ip;
    src.pod = model->FindPodByIp(*ip);
  } else {
    auto s = ResolvePod(*model, from);
    if (!s) {
      std::cerr << "error: --from: " << s.error().ToString() << "\n";
      return 1;
    }
    src.pod = *s;
  }
  int port = 0;
  if (auto n = strings::ParseInt(port_text); n && *n >= 0 && *n <= 65535) {
    port = static_cast<int>(*n);
  } else {
    bool found = false;
    for (const auto& cp : model->pod(*dst).ports) {
      if (cp.name == port_text && policy::ToL4(cp.protocol) == *proto) {
        port = cp.port;
        found = true;
      }
    }
    if (!found) {
      std::cerr << "error: --port \"" << port_text << "\" is neither 0..65535 nor a "
                << protocol << " container port name of " << to << "\n";
      return 2;
    }
  }
  policy::FlowDecision f = model->EvaluateFlow(src, *dst, *proto, port);
  // The side that decided: a denying side, else the side a policy decided, else ingress.
  bool egress_decides =
      f.egress && (f.egress->verdict == policy::Verdict::kDeny ||
                   (f.ingress.verdict == policy::Verdict::kAllow &&
                    (f.ingress.stage == policy::Stage::kDefault ||
                     f.ingress.stage == policy::Stage::kSelf) &&
                    f.egress->stage != policy::Stage::kDefault));
  const policy::Decision& decided = egress_decides ? *f.egress : f.ingress;
  policy::Direction decided_dir =
      egress_decides ? policy::Direction::kEgress : policy::Direction::kIngress;
  std::string src_name = src.pod ? model->pod(*src.pod).Key() : from_label;
  if (output == "json") {
    Json j{{"from", src_name},
           {"to", model->pod(*dst).Key()},
           {"port", port},
           {"protocol", policy::L4Name(*proto)},
           {"verdict", policy::VerdictName(f.verdict)},
           {"decided_by", DecisionJson(decided, decided_dir,
                                       egress_decides ? src_name : model->pod(*dst).Key())},
           {"ingress", DecisionJson(f.ingress, policy::Direction::kIngress,
                                    model->pod(*dst).Key())}};
    j["egress"] = f.egress ? DecisionJson(*f.egress, policy::Direction::kEgress, src_name)
                           : Json(nullptr);
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << fmt::format("{} -> {} {}/{}: {}\n", src_name, model->pod(*dst).Key(),
                           policy::L4Name(*proto), port,
                           f.verdict == policy::Verdict::kAllow ? "ALLOW" : "DENY");
  std::cout << fmt::format("  decided by: {}\n",
                           decided.policy.empty() ? std::string(policy::StageName(decided.stage))
                                                  : decided.PolicyLabel() +
                                                        (decided.rule.empty()
                                                             ? std::string()
                                                             : " rule " + decided.rule));
  if (f.egress) {
    std::cout << "  egress  at " << src_name << ": " << DecisionText(*f.egress) << "\n";
  } else {
    std::cout << "  egress  at " << src_name << ": not a pod, not evaluated\n";
  }
  std::cout << "  ingress at " << model->pod(*dst).Key() << ": " << DecisionText(f.ingress)
            << "\n";
  return 0;
}

int Matrix(const std::string& dir, const std::string& output) {
  auto model = LoadModel(dir);
  if (!model) {
    std::cerr << "error: " << model.error().ToString() << "\n";
    return 1;
  }
  std::vector<size_t> pods = model->SortedPods();
  Json arr = Json::array();
  std::string table = fmt::format("{:<30} {:<30} {:>5} {:<5} {}\n", "FROM", "TO", "PORT",
                                  "PROTO", "VERDICT");
  size_t allowed = 0;
  size_t total = 0;
  constexpr policy::L4 kProtos[] = {policy::L4::kTcp, policy::L4::kUdp, policy::L4::kSctp};
  for (size_t from : pods) {
    for (size_t to : pods) {
      std::set<int> ports = {80, 81};
      for (const auto& cp : model->pod(to).ports) {
        ports.insert(cp.port);
      }
      for (int port : ports) {
        for (policy::L4 proto : kProtos) {
          auto f = model->EvaluateFlow(policy::Remote{from, std::nullopt}, to, proto, port);
          std::string_view verdict = policy::VerdictName(f.verdict);
          ++total;
          allowed += f.verdict == policy::Verdict::kAllow ? 1 : 0;
          if (output == "json") {
            arr.push_back(Json{{"from", model->pod(from).Key()},
                               {"to", model->pod(to).Key()},
                               {"port", port},
                               {"protocol", policy::L4Name(proto)},
                               {"verdict", verdict}});
          } else {
            table += fmt::format("{:<30} {:<30} {:>5} {:<5} {}\n", model->pod(from).Key(),
                                 model->pod(to).Key(), port, policy::L4Name(proto), verdict);
          }
        }
      }
    }
  }
  if (output == "json") {
    std::cout << arr.dump(1) << "\n";
  } else {
    std::cout << table << fmt::format("{} of {} verdicts allow\n", allowed, total);
  }
  return 0;
}

}  // namespace

void RegisterPolicyCommand(CLI::App& app, int* exit_code) {
  CLI::App* cmd = app.add_subcommand("policy", "Explain network-policy verdicts from manifests");
  cmd->require_subcommand(1);

  struct ExplainOpts {
    std::string from, to, port, protocol = "TCP", objects, output = "table";
  };
  auto eo = std::make_shared<ExplainOpts>();
  CLI::App* explain =
      cmd->add_subcommand("explain", "Show the verdict and the policy/rule that decided it");
  explain->add_option("--from", eo->from, "Source pod NAMESPACE/NAME (or an IP address)")
      ->required();
  explain->add_option("--to", eo->to, "Destination pod NAMESPACE/NAME")->required();
  explain->add_option("--port", eo->port, "Destination port (number or container port name)")
      ->required();
  explain->add_option("--protocol", eo->protocol, "TCP, UDP or SCTP")->capture_default_str();
  explain->add_option("--objects", eo->objects, "Directory of manifests (*.yaml, *.yml, *.json)")
      ->required();
  explain->add_option("--output", eo->output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  explain->callback([eo, exit_code]() {
    *exit_code = Explain(eo->from, eo->to, eo->port, eo->protocol, eo->objects, eo->output);
  });

  struct MatrixOpts {
    std::string objects, output = "table";
  };
  auto mo = std::make_shared<MatrixOpts>();
  CLI::App* matrix = cmd->add_subcommand(
      "matrix", "Verdict for every ordered pair of pods on ports 80, 81 and the destination's "
                "container ports, for TCP, UDP and SCTP");
  matrix->add_option("--objects", mo->objects, "Directory of manifests")->required();
  matrix->add_option("--output", mo->output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  matrix->callback([mo, exit_code]() { *exit_code = Matrix(mo->objects, mo->output); });
}

}  // namespace vpccni::cli
