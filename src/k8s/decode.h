// File: decode.h
//
// Decoding and validation of Kubernetes manifests (YAML or JSON; several documents per file;
// `kind: List` with `items`). Pure: no I/O.
//
// Kinds decoded: v1 Namespace, Pod, Node; networking.k8s.io/v1 NetworkPolicy;
// networking.k8s.aws/v1alpha1 ClusterNetworkPolicy; crd.k8s.amazonaws.com/v1alpha1 ENIConfig.
// Other kinds (Deployment, Service, ...) are skipped and counted. An invalid object is rejected
// as a whole (never half-decoded) with a message naming the object and the field, e.g.
//   NetworkPolicy x/allow-b: spec.ingress[0].from[1].ipBlock.cidr: invalid CIDR "10.0.0/8"
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "k8s/objects.h"

namespace vpccni::k8s {

struct DecodeOutput {
  ObjectSet objects;          // only valid objects
  std::vector<Error> errors;  // one per rejected object (code kInvalidArgument)
  size_t skipped = 0;         // objects of kinds this decoder does not handle
};

// Decodes all documents of `text`. `source` names the input in messages (a file name).
// Returns kInvalidArgument when the text is not well-formed YAML/JSON (nothing is decoded then);
// otherwise invalid objects are reported in DecodeOutput::errors and left out.
Result<DecodeOutput> DecodeManifests(std::string_view text, std::string_view source);

// Parses a label selector given as JSON text (`{"matchLabels":{...},"matchExpressions":[...]}`).
// Errors: kInvalidArgument naming the bad field.
Result<LabelSelector> ParseLabelSelectorJson(std::string_view json_text);

}  // namespace vpccni::k8s
