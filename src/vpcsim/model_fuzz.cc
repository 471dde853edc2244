// Fuzz target for the VPC model. Input starting with '{' is a snapshot: FromJsonText must
// never crash, and an accepted snapshot must pass CheckInvariants and round-trip. Any other
// input is an operation script: its bytes choose random operations on a small world; after
// each the invariants must hold and a failed call must change nothing.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "vpcsim/model.h"
#include "vpcsim/model_random_ops.h"

namespace {

using vpccni::WallTime;
using vpccni::vpcsim::VpcModel;
namespace ops = vpccni::vpcsim::testing_ops;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "vpcsim_model fuzz: %s\n", why.c_str());
  std::abort();
}

nlohmann::json StateOf(const VpcModel& m) {
  nlohmann::json j = m.ToJson();
  return nlohmann::json{{"resources", j["resources"]}, {"imds", j["imds"]}, {"ids", j["ids"]}};
}

void RunSnapshot(std::string_view text) {
  auto m = VpcModel::FromJsonText(text);
  if (!m.has_value()) {
    return;
  }
  auto inv = m->CheckInvariants();
  if (!inv.has_value())
    Die("accepted snapshot violates invariants: " + inv.error().message);
  nlohmann::json j = m->ToJson();
  auto again = VpcModel::FromJson(j);
  if (!again.has_value())
    Die("re-restore failed: " + again.error().message);
  if (again->ToJson() != j)
    Die("snapshot does not round-trip");
  // The restored model keeps working.
  ops::ByteSource src(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  ops::World w;
  w.subnets = m->SubnetIds();
  WallTime now = ops::Epoch();
  for (int i = 0; i < 20 && !w.subnets.empty(); ++i) {
    (void)ops::RunRandomOp(*m, w, src, now);
    auto ok = m->CheckInvariants();
    if (!ok.has_value())
      Die("invariants broken after an op on a restored model: " + ok.error().message);
  }
}

void RunScript(const uint8_t* data, size_t size) {
  VpcModel::Options o;
  o.attach_delay = std::chrono::milliseconds(500);
  o.detach_delay = std::chrono::milliseconds(500);
  VpcModel m(o, ops::Epoch());
  ops::World w = ops::BuildWorld(m);
  ops::ByteSource src(data, size);
  WallTime now = ops::Epoch();
  for (int step = 0; step < 400 && !src.Done(); ++step) {
    now += std::chrono::milliseconds(100 * src.Uniform(10));
    m.Advance(now);
    nlohmann::json before = StateOf(m);
    auto out = ops::RunRandomOp(m, w, src, now);
    if ((!out.ok || out.read_only) && StateOf(m) != before) {
      Die(out.action + " changed state although it " + (out.ok ? "only read" : "failed"));
    }
    auto inv = m.CheckInvariants();
    if (!inv.has_value())
      Die("after " + out.action + ": " + inv.error().message);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 0 && data[0] == '{') {
    RunSnapshot(std::string_view(reinterpret_cast<const char*>(data), size));
  } else {
    RunScript(data, size);
  }
  return 0;
}
