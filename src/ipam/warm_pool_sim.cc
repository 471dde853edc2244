#include "ipam/warm_pool_sim.h"

#include <memory>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/log.h"
#include "ipam/config.h"
#include "ipam/datastore.h"
#include "ipam/max_pods.h"
#include "ipam/pool_manager.h"
#include "ipam/warm_pool.h"
#include "vpcsim/model.h"
#include "vpcsim/model_ec2_api.h"

namespace vpccni::ipam {

namespace {

constexpr int kMaxPassesPerPod = 200;
// Longer than ENI youth (60 s), cool-down (30 s default), decrease interval (30 s) and the
// insufficient-CIDR back-off (120 s).
constexpr auto kJump = std::chrono::seconds(121);

// A clock that only moves when told; SleepFor advances it (detach polling).
class JumpClock : public Clock {
 public:
  explicit JumpClock(WallTime start) : now_(start) {}
  WallTime Now() const override { return now_; }
  MonoTime Mono() const override {
    return MonoTime(std::chrono::duration_cast<MonoTime::duration>(now_.time_since_epoch()));
  }
  void SleepFor(Duration d) override { Advance(d); }
  void Advance(Duration d) { now_ += std::chrono::duration_cast<WallTime::duration>(d); }

 private:
  WallTime now_;
};

Result<void> Converge(PoolManager& manager, JumpClock& clock) {
  for (int i = 0; i < kMaxPassesPerPod; ++i) {
    clock.Advance(kJump);
    PassReport report = manager.RunOnce();
    if (report.plan.Empty()) {
      return Ok();
    }
  }
  return MakeError(ErrorCode::kAborted, "warm pool did not reach a fixed point in {} passes: {}",
                   kMaxPassesPerPod, manager.PlanNow().ToString());
}

WarmPoolStep Snapshot(int pods, const PoolStats& stats) {
  WarmPoolStep step;
  step.pods = pods;
  step.enis = stats.eni_count;
  step.total_ips = stats.total;
  step.assigned = stats.assigned;
  step.unused = stats.total - stats.assigned;
  for (const auto& e : stats.enis) {
    step.ips_per_eni.push_back(e.total);
    step.prefixes_per_eni.push_back(e.prefixes);
  }
  return step;
}

}  // namespace

Result<WarmPoolSimResult> RunWarmPoolSim(const WarmPoolSimOptions& options) {
  if (options.pods.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "--pods: at least one pod count is required");
  }
  for (int n : options.pods) {
    if (n < 0) {
      return MakeError(ErrorCode::kInvalidArgument, "--pods: {} is negative", n);
    }
  }
  const cloud::InstanceLimitsTable& table =
      options.table != nullptr ? *options.table : cloud::InstanceLimitsTable::BuiltIn();
  ASSIGN_OR_RETURN(cloud::InstanceLimits limits, table.Lookup(options.instance_type));
  ASSIGN_OR_RETURN(PoolConfig config, PoolConfig::FromEnv(options.env));
  ASSIGN_OR_RETURN(PoolLimits pool_limits, PoolLimits::Derive(limits, config));

  WarmPoolSimResult result;
  if (options.max_pods) {
    if (*options.max_pods < 1) {
      return MakeError(ErrorCode::kInvalidArgument, "--max-pods: {} must be >= 1",
                       *options.max_pods);
    }
    result.max_pods = *options.max_pods;
  } else {
    MaxPodsOptions mp;
    mp.cni_version = "1.20.0";
    mp.prefix_delegation = config.prefix_delegation;
    mp.custom_networking = config.custom_networking;
    if (config.max_eni >= 1) {
      mp.max_eni = config.max_eni;
    }
    ASSIGN_OR_RETURN(result.max_pods, ComputeMaxPods(limits, mp));
  }

  // The VPC: one /16 with one /16 subnet, one instance of the type.
  JumpClock clock(FromUnixNanos(1'800'000'000'000'000'000));
  vpcsim::VpcModel::Options model_options;
  model_options.seed = 1;
  vpcsim::VpcModel model(model_options, clock.Now());
  if (model.InstanceTypes().Find(limits.instance_type) == nullptr) {
    model.UpsertInstanceType(limits);
  }
  vpcsim::CreateVpcRequest vpc_req;
  vpc_req.cidr_block = "10.0.0.0/16";
  ASSIGN_OR_RETURN(auto vpc, model.CreateVpc(vpc_req, clock.Now()));
  vpcsim::CreateSubnetRequest subnet_req;
  subnet_req.vpc_id = vpc.vpc.vpc_id;
  subnet_req.cidr_block = "10.0.0.0/16";
  ASSIGN_OR_RETURN(auto subnet, model.CreateSubnet(subnet_req, clock.Now()));
  vpcsim::RunInstancesRequest run_req;
  run_req.image_id = "ami-0123456789abcdef0";
  run_req.instance_type = limits.instance_type;
  run_req.subnet_id = subnet.subnet.subnet_id;
  ASSIGN_OR_RETURN(auto run, model.RunInstances(run_req, clock.Now()));
  if (run.instances.empty()) {
    return MakeError(ErrorCode::kInternal, "RunInstances returned no instance");
  }
  const vpcsim::Instance& instance = run.instances.front();

  vpcsim::ModelEc2Api ec2(std::move(model), clock);

  Datastore datastore(Datastore::Options{0, config.prefix_delegation, false, config.ipv6,
                                         config.ip_cooldown});
  EniSpec primary;
  primary.id = instance.primary_network_interface_id;
  primary.device_number = 0;
  primary.is_primary = true;
  primary.subnet_id = instance.subnet_id;
  primary.primary_ip = instance.private_ip_address;
  // ipamd adds ENIs at start-up, so the primary is "too young" for a minute there as well.
  RETURN_IF_ERROR(datastore.AddEni(primary, clock.Now()));

  PoolManager::Options mo;
  mo.config = config;
  mo.limits = pool_limits;
  mo.max_pods = result.max_pods;
  mo.node.instance_id = instance.instance_id;
  mo.node.subnet_id = instance.subnet_id;
  for (const auto& g : instance.security_groups) {
    mo.node.security_group_ids.push_back(g.group_id);
  }
  mo.node.cluster_name = "warm-pool-sim";
  PoolManager manager(ec2, clock, std::move(datastore), mo);

  RETURN_IF_ERROR(Converge(manager, clock));
  std::vector<IpamKey> running;
  int next_pod = 0;
  for (int target : options.pods) {
    // Pods beyond what the node can hold fail (ContainerCreating); they are not retried.
    int requested = static_cast<int>(running.size());
    while (requested < target) {
      ++requested;
      IpamKey key{"aws-cni", fmt::format("sim-{:06}", next_pod++), "eth0"};
      auto a = manager.WithDatastore(
          [&](Datastore& ds) { return ds.Assign(key, PodMetadata{"default", key.container_id, 1},
                                                clock.Now()); });
      if (a) {
        running.push_back(key);
      }
      RETURN_IF_ERROR(Converge(manager, clock));
    }
    while (static_cast<int>(running.size()) > target) {
      IpamKey key = running.back();
      running.pop_back();
      auto released =
          manager.WithDatastore([&](Datastore& ds) { return ds.Release(key, clock.Now()); });
      if (!released) {
        return released.error();
      }
      RETURN_IF_ERROR(Converge(manager, clock));
    }
    result.steps.push_back(Snapshot(target, manager.Stats()));
  }
  return result;
}

std::string RenderWarmPoolTable(const WarmPoolSimResult& result) {
  auto join = [](const std::vector<int>& v) {
    return v.empty() ? std::string("-") : fmt::format("[{}]", fmt::join(v, ","));
  };
  std::string out = fmt::format("{:>6} {:>5} {:>9} {:>8} {:>6}  {:<24} {}\n", "PODS", "ENIS",
                                "TOTAL_IPS", "ASSIGNED", "UNUSED", "IPS_PER_ENI",
                                "PREFIXES_PER_ENI");
  for (const auto& s : result.steps) {
    out += fmt::format("{:>6} {:>5} {:>9} {:>8} {:>6}  {:<24} {}\n", s.pods, s.enis, s.total_ips,
                       s.assigned, s.unused, join(s.ips_per_eni), join(s.prefixes_per_eni));
  }
  return out;
}

nlohmann::json RenderWarmPoolJson(const WarmPoolSimResult& result) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& s : result.steps) {
    arr.push_back({{"pods", s.pods},
                   {"enis", s.enis},
                   {"total_ips", s.total_ips},
                   {"assigned", s.assigned},
                   {"unused", s.unused},
                   {"ips_per_eni", s.ips_per_eni},
                   {"prefixes_per_eni", s.prefixes_per_eni}});
  }
  return arr;
}

}  // namespace vpccni::ipam
