// File: awscni.h
//
// The ipamd metric set: every upstream `awscni_*` metric that applies to this implementation
// (same names, types and label names as the reference's §8.1) plus our own additions. Created
// once per process on a Registry; the family pointers are owned by that Registry and stay valid
// for its lifetime. Thread-safe like the families themselves.
#pragma once

#include <string>

#include "base/result.h"
#include "metrics/registry.h"

namespace vpccni::metrics {

struct AwsCniMetrics {
  // --- upstream names ---
  CounterFamily* ipamd_error_count = nullptr;            // {fn}
  GaugeFamily* ipamd_action_inprogress = nullptr;        // {fn}
  GaugeFamily* eni_max = nullptr;
  GaugeFamily* ip_max = nullptr;
  CounterFamily* reconcile_count = nullptr;              // {fn}
  CounterFamily* add_ip_req_count = nullptr;
  CounterFamily* del_ip_req_count = nullptr;             // {reason}
  CounterFamily* pod_eni_error_count = nullptr;          // {fn}
  SummaryFamily* aws_api_latency_ms = nullptr;           // {api,error,status}
  CounterFamily* aws_api_error_count = nullptr;          // {api,error}
  CounterFamily* aws_utils_error_count = nullptr;        // {fn,error}
  CounterFamily* ec2api_req_count = nullptr;             // {fn}
  CounterFamily* ec2api_error_count = nullptr;           // {fn}
  GaugeFamily* eni_allocated = nullptr;
  GaugeFamily* total_ip_addresses = nullptr;
  GaugeFamily* assigned_ip_addresses = nullptr;
  CounterFamily* force_removed_enis = nullptr;
  CounterFamily* force_removed_ips = nullptr;
  GaugeFamily* total_ipv4_prefixes = nullptr;
  GaugeFamily* assigned_ip_per_cidr = nullptr;           // {cidr}
  CounterFamily* no_available_ip_addresses = nullptr;
  GaugeFamily* assigned_ip_per_eni = nullptr;            // {eni}
  HistogramFamily* ipamd_startup_duration_seconds = nullptr;  // {success,with_api_server,failure_reason}
  HistogramFamily* ipamd_node_initialization_duration_seconds = nullptr;  // {success}
  GaugeFamily* connmark_backend = nullptr;               // {backend}
  CounterFamily* connmark_reconcile_total = nullptr;     // {result}
  GaugeFamily* build_info = nullptr;                     // {version,compiler}

  // --- ours ---
  // Prefix delegation fell back to /32 secondary IPs; reason = EC2 error code or "fragmented".
  CounterFamily* prefix_fallback_total = nullptr;        // {reason}
  // Unassigned addresses still in their IP_COOLDOWN_PERIOD.
  GaugeFamily* cooling_ip_addresses = nullptr;
  // Warm-pool plans computed by the reconcile loop, by action (none/assign/unassign/create_eni/...).
  CounterFamily* warm_pool_plan_total = nullptr;         // {action}
  // 1 while allocation is paused after InsufficientCidrBlocks / InsufficientFreeAddressesInSubnet.
  GaugeFamily* insufficient_cidr_backoff = nullptr;
  // ENIs deleted by the leaked-ENI clean-up.
  CounterFamily* leaked_enis_deleted_total = nullptr;
  // AddNetwork/DelNetwork handling latency inside ipamd, seconds.
  HistogramFamily* rpc_duration_seconds = nullptr;       // {method}

  // Registers every family on `registry` and pre-creates the label-less series and the
  // connmark_reconcile_total{result=success|error} series. Fails only if a name is taken.
  static Result<AwsCniMetrics> Create(Registry& registry, const std::string& version);
};

}  // namespace vpccni::metrics
