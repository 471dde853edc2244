#include "metrics/awscni.h"

namespace vpccni::metrics {

Result<AwsCniMetrics> AwsCniMetrics::Create(Registry& r, const std::string& version) {
  AwsCniMetrics m;
  ASSIGN_OR_RETURN(m.ipamd_error_count,
                   r.AddCounter("awscni_ipamd_error_count", "The number of errors encountered in ipamd",
                                {"fn"}));
  ASSIGN_OR_RETURN(m.ipamd_action_inprogress,
                   r.AddGauge("awscni_ipamd_action_inprogress",
                              "The number of ipamd actions in progress", {"fn"}));
  ASSIGN_OR_RETURN(m.eni_max, r.AddGauge("awscni_eni_max",
                                         "The maximum number of ENIs that can be attached to the "
                                         "instance, accounting for unmanaged ENIs"));
  ASSIGN_OR_RETURN(m.ip_max, r.AddGauge("awscni_ip_max",
                                        "The maximum number of IP addresses that can be allocated "
                                        "to the instance"));
  ASSIGN_OR_RETURN(m.reconcile_count,
                   r.AddCounter("awscni_reconcile_count",
                                "The number of times ipamd reconciles on ENIs and IP/prefix "
                                "addresses",
                                {"fn"}));
  ASSIGN_OR_RETURN(m.add_ip_req_count,
                   r.AddCounter("awscni_add_ip_req_count",
                                "The number of add IP address requests"));
  ASSIGN_OR_RETURN(m.del_ip_req_count,
                   r.AddCounter("awscni_del_ip_req_count", "The number of delete IP address requests",
                                {"reason"}));
  ASSIGN_OR_RETURN(m.pod_eni_error_count,
                   r.AddCounter("awscni_pod_eni_error_count",
                                "The number of errors encountered for pod ENIs", {"fn"}));
  ASSIGN_OR_RETURN(m.aws_api_latency_ms,
                   r.AddSummary("awscni_aws_api_latency_ms", "AWS API call latency in ms",
                                {"api", "error", "status"}));
  ASSIGN_OR_RETURN(m.aws_api_error_count,
                   r.AddCounter("awscni_aws_api_error_count", "The number of times AWS API returns an error",
                                {"api", "error"}));
  ASSIGN_OR_RETURN(m.aws_utils_error_count,
                   r.AddCounter("awscni_aws_utils_error_count",
                                "The number of errors not handled in awsutils library",
                                {"fn", "error"}));
  ASSIGN_OR_RETURN(m.ec2api_req_count,
                   r.AddCounter("awscni_ec2api_req_count",
                                "The number of requests made to EC2 APIs by CNI", {"fn"}));
  ASSIGN_OR_RETURN(m.ec2api_error_count,
                   r.AddCounter("awscni_ec2api_error_count",
                                "The number of failed EC2 APIs requests", {"fn"}));
  ASSIGN_OR_RETURN(m.eni_allocated,
                   r.AddGauge("awscni_eni_allocated", "The number of ENIs allocated"));
  ASSIGN_OR_RETURN(m.total_ip_addresses,
                   r.AddGauge("awscni_total_ip_addresses",
                              "The total number of IP addresses"));
  ASSIGN_OR_RETURN(m.assigned_ip_addresses,
                   r.AddGauge("awscni_assigned_ip_addresses",
                              "The number of IP addresses assigned to pods"));
  ASSIGN_OR_RETURN(m.force_removed_enis,
                   r.AddCounter("awscni_force_removed_enis",
                                "The number of ENIs force removed while they had assigned pods"));
  ASSIGN_OR_RETURN(m.force_removed_ips,
                   r.AddCounter("awscni_force_removed_ips",
                                "The number of IPs force removed while they had assigned pods"));
  ASSIGN_OR_RETURN(m.total_ipv4_prefixes,
                   r.AddGauge("awscni_total_ipv4_prefixes", "The total number of IPv4 prefixes"));
  ASSIGN_OR_RETURN(m.assigned_ip_per_cidr,
                   r.AddGauge("awscni_assigned_ip_per_cidr",
                              "The total number of IP addresses assigned per cidr", {"cidr"}));
  ASSIGN_OR_RETURN(m.no_available_ip_addresses,
                   r.AddCounter("awscni_no_available_ip_addresses",
                                "The number of pod IP assignments that fail due to no available IP "
                                "addresses"));
  ASSIGN_OR_RETURN(m.assigned_ip_per_eni,
                   r.AddGauge("awscni_assigned_ip_per_eni",
                              "The number of IP addresses assigned per ENI", {"eni"}));
  const std::vector<double> startup_buckets = {0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300};
  ASSIGN_OR_RETURN(m.ipamd_startup_duration_seconds,
                   r.AddHistogram("awscni_ipamd_startup_duration_seconds",
                                  "Time taken by ipamd from start until it serves requests",
                                  {"success", "with_api_server", "failure_reason"},
                                  startup_buckets));
  ASSIGN_OR_RETURN(m.ipamd_node_initialization_duration_seconds,
                   r.AddHistogram("awscni_ipamd_node_initialization_duration_seconds",
                                  "Time taken by ipamd node initialization", {"success"},
                                  startup_buckets));
  ASSIGN_OR_RETURN(m.connmark_backend,
                   r.AddGauge("awscni_connmark_backend",
                              "The connmark/SNAT backend in use (1 for the active one)",
                              {"backend"}));
  ASSIGN_OR_RETURN(m.connmark_reconcile_total,
                   r.AddCounter("awscni_connmark_reconcile_total",
                                "Host SNAT/connmark rule reconciliations by result", {"result"}));
  ASSIGN_OR_RETURN(m.build_info,
                   r.AddGauge("awscni_build_info", "ipamd build information (constant 1)",
                              {"version", "compiler"}));

  ASSIGN_OR_RETURN(m.prefix_fallback_total,
                   r.AddCounter("awscni_prefix_fallback_total",
                                "Allocations that fell back from /28 prefixes to /32 secondary IPs",
                                {"reason"}));
  ASSIGN_OR_RETURN(m.cooling_ip_addresses,
                   r.AddGauge("awscni_cooling_ip_addresses",
                              "Unassigned IP addresses still within IP_COOLDOWN_PERIOD"));
  ASSIGN_OR_RETURN(m.warm_pool_plan_total,
                   r.AddCounter("awscni_warm_pool_plan_total",
                                "Warm-pool plans computed by the reconcile loop, by action",
                                {"action"}));
  ASSIGN_OR_RETURN(m.insufficient_cidr_backoff,
                   r.AddGauge("awscni_insufficient_cidr_backoff",
                              "1 while allocation is paused after an insufficient-address error"));
  ASSIGN_OR_RETURN(m.leaked_enis_deleted_total,
                   r.AddCounter("awscni_leaked_enis_deleted_total",
                                "ENIs leaked by this cluster that the clean-up deleted"));
  ASSIGN_OR_RETURN(m.rpc_duration_seconds,
                   r.AddHistogram("awscni_rpc_duration_seconds",
                                  "Time ipamd spent handling a plugin RPC", {"method"},
                                  ExponentialBuckets(0.00005, 2, 14)));

  // Label-less series exist from the start (value 0), as client_golang does.
  for (GaugeFamily* g : {m.eni_max, m.ip_max, m.eni_allocated, m.total_ip_addresses,
                         m.assigned_ip_addresses, m.total_ipv4_prefixes, m.cooling_ip_addresses,
                         m.insufficient_cidr_backoff}) {
    g->Set(0);
  }
  for (CounterFamily* c : {m.add_ip_req_count, m.force_removed_enis, m.force_removed_ips,
                           m.no_available_ip_addresses, m.leaked_enis_deleted_total}) {
    c->Touch();
  }
  m.connmark_reconcile_total->Touch({"success"});
  m.connmark_reconcile_total->Touch({"error"});
  m.build_info->Set({version, std::string(__VERSION__)}, 1);
  return m;
}

}  // namespace vpccni::metrics
