// File: server_ec2.h
//
// The EC2 Query action layer of vpc-emulator: decodes a parsed Ec2Request into the model's
// request struct, runs the action on a VpcModel and renders the reply as the XML botocore
// expects (element names from the EC2 service model), or renders the model's Error as the
// standard EC2 error body with its HTTP status. Pure: no I/O, no clock (the caller passes `now`
// and the request ID).
//
// Thread-safety: HandleEc2Action mutates the model; the caller serializes access to it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "vpcsim/model.h"
#include "vpcsim/query_params.h"

namespace vpccni::vpcsim {

// An HTTP answer: status, XML body, and the extra latency fault injection asks for.
struct Ec2Reply {
  int http_status = 200;
  std::string body;
  // EC2 error code when the call failed (empty on success).
  std::string error_code;
  Duration extra_latency{0};
};

// Names of every action the emulator serves, sorted.
const std::vector<std::string>& SupportedEc2Actions();
bool IsSupportedEc2Action(std::string_view action);

// Runs one request against the model. Never fails: every error becomes an error reply
// (InvalidAction for an unknown action, DryRunOperation for DryRun=true, the model's codes,
// InvalidParameterValue/MissingParameter for undecodable parameters). Any non-empty Version is
// accepted (EC2 serves older API versions too).
Ec2Reply HandleEc2Action(VpcModel& model, const Ec2Request& request, WallTime now,
                         std::string_view request_id);

// The reply for an error that happened before an action ran (parse or auth failures).
Ec2Reply Ec2ErrorReply(const Error& error, std::string_view request_id);

}  // namespace vpccni::vpcsim
