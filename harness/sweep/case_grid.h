#pragma once
// The cases of a sweep: variant x batch x seqlen x heads x embed x mode, plus one floor case per
// mode (`fwd/empty/...`: an empty kernel through the same timing loop).
#include <regex>
#include <string>
#include <vector>

#include "report/case_key.h"
#include "sweep/sweep_config.h"

namespace fa {
struct Variant;
}

namespace fa::sweep {

// The variant name of the floor case.
inline constexpr const char* kFloorVariant = "empty";

struct SweepCase {
  report::CaseKey key;
  std::string name;                      // report::format_case_name(key)
  const fa::Variant* variant = nullptr;  // nullptr for the floor case
  bool causal = false;

  bool is_floor() const { return variant == nullptr; }
};

// Every case of `config` for `variants` and `modes`, in a stable order: per mode, the floor case
// first (named after the grid's first shape), then batch, seqlen, heads, embed, variant.
std::vector<SweepCase> build_case_grid(const SweepConfig& config,
                                       const std::vector<const fa::Variant*>& variants,
                                       const std::vector<std::string>& modes);

// The cases whose name `filter` matches anywhere (std::regex_search, ECMAScript).
std::vector<SweepCase> filter_cases(const std::vector<SweepCase>& cases, const std::regex& filter);

}  // namespace fa::sweep
