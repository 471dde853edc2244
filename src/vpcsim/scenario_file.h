// File: scenario_file.h
//
// vpc-emulator scenario files (YAML): the VPCs, subnets, security groups, instances and faults an
// emulated region starts with. ParseScenario is pure (text in, ScenarioSpec out; yaml-cpp
// exceptions are caught here); ApplyScenario builds the resources on a VpcModel through its
// public actions, so a scenario cannot create a state the API could not.
//
//   region: us-west-2
//   default_vpc: false
//   attach_delay_ms: 0          # optional; overrides the command line
//   throttle: false
//   vpcs:
//     - name: main
//       cidr: 10.0.0.0/16
//       secondary_cidrs: [100.64.0.0/16]
//       ipv6: false
//       tags: {Name: main}
//       subnets:
//         - {name: a, az: us-west-2a, cidr: 10.0.0.0/24, tags: {role: nodes}}
//         - name: b
//           az: us-west-2b
//           cidr: 10.0.1.0/24
//           reservations: [{cidr: 10.0.1.64/26, type: prefix}]
//       security_groups:
//         - {name: nodes, description: node group}
//   instances:
//     - {name: node1, type: m5.large, subnet: a, security_groups: [nodes],
//        imds_listen: "127.0.0.1:0", netns: node1}
//   faults:
//     - {action: AssignPrivateIpAddresses, error_code: InternalError, count: 1}
//
// Subnets may also be listed at top level with `vpc: <name>`.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "vpcsim/model.h"

namespace vpccni::vpcsim {

struct ScenarioReservation {
  std::string cidr;
  std::string type = "prefix";  // "prefix" or "explicit"
  std::string description;
};

struct ScenarioSubnet {
  std::string name;
  std::string vpc;  // the VPC's scenario name
  std::string az;
  std::string cidr;
  std::optional<std::string> ipv6_cidr;
  TagMap tags;
  std::vector<ScenarioReservation> reservations;
};

struct ScenarioSecurityGroup {
  std::string name;
  std::string vpc;
  std::string description;
  TagMap tags;
};

struct ScenarioVpc {
  std::string name;
  std::string cidr;
  std::vector<std::string> secondary_cidrs;
  bool ipv6 = false;
  TagMap tags;
};

struct ScenarioInstance {
  std::string name;
  std::string type = "m5.large";
  std::string image = "ami-0123456789abcdef0";
  std::string subnet;                        // scenario subnet name
  std::vector<std::string> security_groups;  // scenario SG names
  std::optional<std::string> private_ip;
  int secondary_ips = 0;
  TagMap tags;
  // Where its IMDS listens ("127.0.0.1:0" when absent).
  std::optional<std::string> imds_listen;
  // Network namespace the instance is bound to (node binding), if any.
  std::optional<std::string> netns;
};

struct ScenarioFault {
  std::string action = "*";
  std::string error_code;
  std::string message;
  int count = 0;
  double error_rate = 0;
  int latency_ms = 0;
};

struct ScenarioSpec {
  std::string region;  // empty: the command line's / request's region
  std::optional<bool> default_vpc;
  std::optional<int> attach_delay_ms;
  std::optional<bool> throttle;
  std::optional<uint64_t> seed;
  std::vector<ScenarioVpc> vpcs;
  std::vector<ScenarioSubnet> subnets;
  std::vector<ScenarioSecurityGroup> security_groups;
  std::vector<ScenarioInstance> instances;
  std::vector<ScenarioFault> faults;
};

// Parses scenario YAML. kInvalidArgument naming the offending key (and line when known) for
// malformed YAML, unknown keys, wrong types, missing names or duplicate names.
Result<ScenarioSpec> ParseScenario(std::string_view yaml_text);

// What ApplyScenario created: scenario names -> EC2 IDs.
struct AppliedScenario {
  std::map<std::string, std::string> vpc_ids;
  std::map<std::string, std::string> subnet_ids;
  std::map<std::string, std::string> security_group_ids;
  std::map<std::string, std::string> instance_ids;
};

// Creates the spec's resources on `model` (VPCs, CIDR blocks, subnets, reservations, SGs,
// instances, faults) at time `now`. Errors from the model are returned with a context line
// naming the scenario object; on error the model may hold the objects created before it.
Result<AppliedScenario> ApplyScenario(const ScenarioSpec& spec, VpcModel& model, WallTime now);

}  // namespace vpccni::vpcsim
