#pragma once
// Case names are the stable keys that join a sweep, its report and a comparison:
//   fwd/<variant>/b:<B>/s:<S>/h:<H>/d:<D>/<dtype>/<mode>
#include <optional>
#include <string>
#include <string_view>

namespace fa::report {

struct CaseKey {
  std::string variant;  // "v2.6.3", "v2.7.0", "empty" (the harness floor), ...
  int batch = 0;
  int seqlen = 0;
  int heads = 0;
  int head_dim = 0;
  std::string dtype;  // "fp16" | "bf16"
  std::string mode;   // "eager" | "graph"

  bool operator==(const CaseKey& other) const;
};

std::string format_case_name(const CaseKey& key);
// std::nullopt for anything that is not a well-formed case name.
std::optional<CaseKey> parse_case_name(std::string_view name);
// The same case with another variant: how two variants of one run are paired.
std::string case_name_without_variant(const CaseKey& key);

}  // namespace fa::report
