// Fuzz target: arbitrary request bodies through the EC2 Query parser and the typed accessors.
// Every input must yield a request or an error carrying an EC2 code, never a crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "vpcsim/query_params.h"
#include "vpcsim/query_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t split = in.find('?');
  std::string_view qs = split == std::string_view::npos ? std::string_view() : in.substr(0, split);
  std::string_view body = split == std::string_view::npos ? in : in.substr(split + 1);
  auto req = vpccni::vpcsim::ParseEc2Request(qs, body);
  if (!req.has_value()) {
    if (req.error().reason.empty()) {
      std::abort();  // every parser error must carry an EC2 code
    }
    (void)vpccni::vpcsim::RenderErrorXml(req.error().reason, req.error().message, "fuzz");
    return 0;
  }
  const auto& p = req->params;
  (void)p.GetFilters();
  (void)p.GetTags();
  (void)p.GetTagSpecifications();
  (void)p.GetList("PrivateIpAddress");
  (void)p.GetMembers("PrivateIpAddresses");
  (void)p.GetInt("MaxResults", 5, 1000);
  (void)p.GetBool("DryRun");
  vpccni::vpcsim::XmlWriter w(req->action, "fuzz");
  for (const auto& [k, v] : p.All()) {
    w.Leaf("item", v);
  }
  (void)std::move(w).Finish();
  return 0;
}
