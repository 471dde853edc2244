// vpcctl ec2: debug subcommands over the project's own EC2/IMDS client (src/cloud), configured
// by the AWS SDK environment (AWS_ENDPOINT_URL_EC2 / AWS_ENDPOINT_URL, AWS_REGION /
// AWS_DEFAULT_REGION, the standard credential chain, AWS_EC2_METADATA_SERVICE_ENDPOINT).
//   vpcctl ec2 describe-enis [--instance-id I] [--eni-id E]... [--filter name=v1,v2]...
//   vpcctl ec2 describe-subnets [--subnet-id S]... [--filter name=v1,v2]...
//   vpcctl ec2 describe-instance-types --instance-type T...
//   vpcctl ec2 imds [--enis]
// Common flags: --endpoint URL, --region R, --output table|json. Exit 0 on success, 1 when the
// call fails, 2 for bad arguments.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "cli/commands.h"
#include "cloud/credentials.h"
#include "cloud/curl_http_client.h"
#include "cloud/endpoints.h"
#include "cloud/http_ec2_api.h"
#include "cloud/imds_client.h"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace vpccni::cli {
namespace {

using nlohmann::json;

struct Ec2Args {
  std::string endpoint;
  std::string region;
  std::string output = "table";
  std::string instance_id;
  std::vector<std::string> eni_ids;
  std::vector<std::string> subnet_ids;
  std::vector<std::string> instance_types;
  std::vector<std::string> filters;
  bool imds_enis = false;
};

cloud::EnvMap ReadEnviron() {
  cloud::EnvMap env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string kv(*e);
    size_t eq = kv.find('=');
    if (eq != std::string::npos) {
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  return env;
}

Result<std::vector<cloud::Filter>> ParseFilters(const std::vector<std::string>& specs) {
  std::vector<cloud::Filter> out;
  for (const std::string& s : specs) {
    size_t eq = s.find('=');
    if (eq == std::string::npos || eq == 0) {
      return MakeError(ErrorCode::kInvalidArgument, "--filter '{}': want name=value[,value]", s);
    }
    out.push_back({s.substr(0, eq), strings::Split(s.substr(eq + 1), ',')});
  }
  return out;
}

// Everything a subcommand needs, built from flags + environment.
struct Client {
  SeededRng rng = SeededRng::FromEntropy();
  cloud::CurlHttpClient http;
  std::unique_ptr<cloud::ImdsClient> imds;
  std::unique_ptr<cloud::CachingCredentialsProvider> creds;
  std::unique_ptr<cloud::HttpEc2Api> ec2;
};

Result<std::unique_ptr<Client>> MakeClient(const Ec2Args& args, bool need_ec2) {
  auto c = std::make_unique<Client>();
  cloud::EnvMap env = ReadEnviron();
  cloud::ImdsOptions io;
  ASSIGN_OR_RETURN(io.endpoint, cloud::ResolveImdsEndpoint(env));
  io.retry.max_attempts = 2;
  c->imds = std::make_unique<cloud::ImdsClient>(c->http, SystemClock::Get(), c->rng, io);
  if (!need_ec2) {
    return c;
  }
  std::string region = args.region;
  if (region.empty()) {
    ASSIGN_OR_RETURN(region, cloud::ResolveRegion(env, [&c] { return c->imds->Region(); }));
  }
  std::string endpoint = args.endpoint;
  if (endpoint.empty()) {
    ASSIGN_OR_RETURN(endpoint, cloud::ResolveEc2Endpoint(env, region));
  }
  ASSIGN_OR_RETURN(c->creds, cloud::MakeDefaultCredentialsChain(env, region, c->http,
                                                                 c->imds.get(), SystemClock::Get()));
  cloud::HttpEc2ApiOptions opts;
  opts.endpoint = endpoint;
  opts.region = region;
  opts.user_agent = "vpc-cni/0.1 (vpcctl)";
  ASSIGN_OR_RETURN(c->ec2,
                   cloud::HttpEc2Api::Create(opts, c->http, *c->creds, SystemClock::Get(), nullptr));
  return c;
}

std::vector<std::string> Strings(const auto& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    out.push_back(v.ToString());
  }
  return out;
}

json EniJson(const cloud::NetworkInterface& e) {
  std::vector<std::string> ips;
  for (const auto& p : e.private_ips) {
    ips.push_back(p.address.ToString());
  }
  std::vector<std::string> groups;
  for (const auto& g : e.groups) {
    groups.push_back(g.id);
  }
  json j = {{"id", e.id},
            {"mac", e.mac.ToString()},
            {"subnet_id", e.subnet_id},
            {"vpc_id", e.vpc_id},
            {"availability_zone", e.availability_zone},
            {"status", e.status},
            {"interface_type", e.interface_type},
            {"description", e.description},
            {"private_ips", ips},
            {"ipv4_prefixes", Strings(e.ipv4_prefixes)},
            {"ipv6_addresses", Strings(e.ipv6_addresses)},
            {"ipv6_prefixes", Strings(e.ipv6_prefixes)},
            {"security_groups", groups},
            {"tags", e.tags}};
  if (e.attachment.has_value()) {
    j["attachment"] = {{"id", e.attachment->attachment_id},
                       {"instance_id", e.attachment->instance_id},
                       {"device_index", e.attachment->device_index},
                       {"network_card_index", e.attachment->network_card_index},
                       {"status", e.attachment->status},
                       {"delete_on_termination", e.attachment->delete_on_termination}};
  }
  return j;
}

void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) {
    width[i] = header[i].size();
    for (const auto& r : rows) {
      width[i] = std::max(width[i], r[i].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      out += cells[i];
      if (i + 1 < cells.size()) {
        out += std::string(width[i] - cells[i].size() + 2, ' ');
      }
    }
    std::cout << out << "\n";
  };
  line(header);
  for (const auto& r : rows) {
    line(r);
  }
}

int Fail(const std::string& what, const Error& e) {
  std::cerr << "vpcctl ec2 " << what << ": " << e.ToString() << "\n";
  return e.code == ErrorCode::kInvalidArgument ? 2 : 1;
}

int RunDescribeEnis(const Ec2Args& args) {
  auto filters = ParseFilters(args.filters);
  if (!filters.has_value()) {
    return Fail("describe-enis", filters.error());
  }
  auto client = MakeClient(args, true);
  if (!client.has_value()) {
    return Fail("describe-enis", client.error());
  }
  cloud::DescribeNetworkInterfacesRequest req;
  req.network_interface_ids = args.eni_ids;
  req.filters = *filters;
  if (!args.instance_id.empty()) {
    req.filters.push_back({"attachment.instance-id", {args.instance_id}});
  }
  auto enis = cloud::DescribeAllNetworkInterfaces(*(*client)->ec2, req);
  if (!enis.has_value()) {
    return Fail("describe-enis", enis.error());
  }
  if (args.output == "json") {
    json out = json::array();
    for (const auto& e : *enis) {
      out.push_back(EniJson(e));
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : *enis) {
    rows.push_back({e.id, e.attachment ? std::to_string(e.attachment->network_card_index) + "/" +
                                             std::to_string(e.attachment->device_index)
                                       : "-",
                    e.subnet_id, e.status, e.interface_type.empty() ? "interface" : e.interface_type,
                    std::to_string(e.private_ips.size()), std::to_string(e.ipv4_prefixes.size()),
                    std::to_string(e.ipv6_addresses.size() + e.ipv6_prefixes.size())});
  }
  PrintTable({"ENI", "CARD/DEV", "SUBNET", "STATUS", "TYPE", "IPV4", "PREFIXES", "IPV6"}, rows);
  return 0;
}

int RunDescribeSubnets(const Ec2Args& args) {
  auto filters = ParseFilters(args.filters);
  if (!filters.has_value()) {
    return Fail("describe-subnets", filters.error());
  }
  auto client = MakeClient(args, true);
  if (!client.has_value()) {
    return Fail("describe-subnets", client.error());
  }
  cloud::DescribeSubnetsRequest req;
  req.subnet_ids = args.subnet_ids;
  req.filters = *filters;
  auto subnets = cloud::DescribeAllSubnets(*(*client)->ec2, req);
  if (!subnets.has_value()) {
    return Fail("describe-subnets", subnets.error());
  }
  if (args.output == "json") {
    json out = json::array();
    for (const auto& s : *subnets) {
      out.push_back({{"id", s.id},
                     {"vpc_id", s.vpc_id},
                     {"availability_zone", s.availability_zone},
                     {"cidr", s.cidr ? s.cidr->ToString() : ""},
                     {"ipv6_cidrs", Strings(s.ipv6_cidrs)},
                     {"available_ip_address_count", s.available_ip_address_count},
                     {"tags", s.tags}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : *subnets) {
    rows.push_back({s.id, s.vpc_id, s.availability_zone, s.cidr ? s.cidr->ToString() : "-",
                    std::to_string(s.available_ip_address_count)});
  }
  PrintTable({"SUBNET", "VPC", "AZ", "CIDR", "FREE"}, rows);
  return 0;
}

int RunDescribeInstanceTypes(const Ec2Args& args) {
  if (args.instance_types.empty()) {
    std::cerr << "vpcctl ec2 describe-instance-types: --instance-type is required\n";
    return 2;
  }
  auto client = MakeClient(args, true);
  if (!client.has_value()) {
    return Fail("describe-instance-types", client.error());
  }
  cloud::DescribeInstanceTypesRequest req;
  req.instance_types = args.instance_types;
  auto types = cloud::DescribeAllInstanceTypes(*(*client)->ec2, req);
  if (!types.has_value()) {
    return Fail("describe-instance-types", types.error());
  }
  if (args.output == "json") {
    json out = json::array();
    for (const auto& t : *types) {
      out.push_back({{"instance_type", t.instance_type},
                     {"eni_limit", t.eni_limit},
                     {"ipv4_per_eni", t.ipv4_per_eni},
                     {"ipv6_per_eni", t.ipv6_per_eni},
                     {"network_cards", t.network_cards.size()},
                     {"hypervisor", t.hypervisor},
                     {"bare_metal", t.bare_metal}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : *types) {
    rows.push_back({t.instance_type, std::to_string(t.eni_limit), std::to_string(t.ipv4_per_eni),
                    std::to_string(t.ipv6_per_eni), std::to_string(t.network_cards.size()),
                    t.hypervisor});
  }
  PrintTable({"TYPE", "ENIS", "IPV4/ENI", "IPV6/ENI", "CARDS", "HYPERVISOR"}, rows);
  return 0;
}

int RunImds(const Ec2Args& args) {
  auto client = MakeClient(args, false);
  if (!client.has_value()) {
    return Fail("imds", client.error());
  }
  cloud::ImdsClient& imds = *(*client)->imds;
  auto id = imds.InstanceId();
  auto type = imds.InstanceType();
  auto ip = imds.LocalIpv4();
  auto region = imds.Region();
  for (const auto* r : {&id, &type, &region}) {
    if (!r->has_value()) {
      return Fail("imds", r->error());
    }
  }
  if (!ip.has_value()) {
    return Fail("imds", ip.error());
  }
  json out = {{"instance_id", *id},
              {"instance_type", *type},
              {"local_ipv4", ip->ToString()},
              {"region", *region}};
  if (args.imds_enis) {
    auto enis = imds.GetEnis();
    if (!enis.has_value()) {
      return Fail("imds", enis.error());
    }
    json arr = json::array();
    for (const auto& e : *enis) {
      arr.push_back({{"mac", e.mac.ToString()},
                     {"interface_id", e.interface_id},
                     {"device_number", e.device_number},
                     {"network_card", e.network_card},
                     {"primary", e.primary},
                     {"subnet_id", e.subnet_id},
                     {"subnet_ipv4_cidr", e.subnet_ipv4_cidr ? e.subnet_ipv4_cidr->ToString() : ""},
                     {"local_ipv4s", Strings(e.local_ipv4s)},
                     {"ipv4_prefixes", Strings(e.ipv4_prefixes)},
                     {"ipv6s", Strings(e.ipv6s)},
                     {"ipv6_prefixes", Strings(e.ipv6_prefixes)},
                     {"security_group_ids", e.security_group_ids}});
    }
    out["enis"] = arr;
  }
  if (args.output == "json") {
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << "instance " << *id << " (" << *type << ") in " << *region << ", "
            << ip->ToString() << "\n";
  if (args.imds_enis) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : out["enis"]) {
      rows.push_back({e["interface_id"].get<std::string>(), e["mac"].get<std::string>(),
                      std::to_string(e["network_card"].get<int>()) + "/" +
                          std::to_string(e["device_number"].get<int>()),
                      e["subnet_id"].get<std::string>(),
                      std::to_string(e["local_ipv4s"].size()),
                      std::to_string(e["ipv4_prefixes"].size())});
    }
    PrintTable({"ENI", "MAC", "CARD/DEV", "SUBNET", "IPV4", "PREFIXES"}, rows);
  }
  return 0;
}

void AddCommon(CLI::App* sub, const std::shared_ptr<Ec2Args>& args) {
  sub->add_option("--endpoint", args->endpoint,
                  "EC2 endpoint URL (default: AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL, regional)");
  sub->add_option("--region", args->region, "signing region (default: AWS_REGION, IMDS)");
  sub->add_option("--output,-o", args->output, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
}

}  // namespace

void RegisterEc2Command(CLI::App& app, int* exit_code) {
  CLI::App* ec2 = app.add_subcommand("ec2", "EC2 and IMDS debug queries (uses the AWS SDK env)");
  ec2->require_subcommand(1);
  auto args = std::make_shared<Ec2Args>();

  CLI::App* enis = ec2->add_subcommand("describe-enis", "list ENIs (DescribeNetworkInterfaces)");
  AddCommon(enis, args);
  enis->add_option("--instance-id", args->instance_id, "ENIs attached to this instance");
  enis->add_option("--eni-id", args->eni_ids, "ENI IDs");
  enis->add_option("--filter", args->filters, "EC2 filter name=v1,v2 (repeatable)");
  enis->callback([args, exit_code] { *exit_code = RunDescribeEnis(*args); });

  CLI::App* subnets = ec2->add_subcommand("describe-subnets", "list subnets and free addresses");
  AddCommon(subnets, args);
  subnets->add_option("--subnet-id", args->subnet_ids, "subnet IDs");
  subnets->add_option("--filter", args->filters, "EC2 filter name=v1,v2 (repeatable)");
  subnets->callback([args, exit_code] { *exit_code = RunDescribeSubnets(*args); });

  CLI::App* types =
      ec2->add_subcommand("describe-instance-types", "ENI and address limits from EC2");
  AddCommon(types, args);
  types->add_option("--instance-type", args->instance_types, "instance types")->required();
  types->callback([args, exit_code] { *exit_code = RunDescribeInstanceTypes(*args); });

  CLI::App* imds = ec2->add_subcommand("imds", "this instance's identity (and ENIs) from IMDS");
  AddCommon(imds, args);
  imds->add_flag("--enis", args->imds_enis, "also list the ENIs IMDS shows");
  imds->callback([args, exit_code] { *exit_code = RunImds(*args); });
}

}  // namespace vpccni::cli
