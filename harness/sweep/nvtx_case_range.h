#pragma once
// The NVTX range of one case, in the `fa_bench` domain of the dispatch paths' phase ranges: its
// message is the case name (variant, batch, seqlen, heads, head_dim, dtype, mode), its colour
// the variant's, its payload the batch size. The string is registered once per case, so a push
// and a pop cost two calls into an empty function table when no tool is attached.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/nvtx.h"

namespace fa::sweep {

// ARGB colour of a variant's case ranges (lighter than its phase ranges).
uint32_t variant_colour(const std::string& variant);

#ifdef FA_HAVE_NVTX
class CaseRange {
 public:
  // `enabled` false: push and pop do nothing (fa-sweep --no-nvtx).
  CaseRange(const std::string& message, const std::string& variant, int64_t payload, bool enabled);

  bool enabled() const { return enabled_; }
  const nvtx3::event_attributes& attributes() const { return *attributes_; }

 private:
  bool enabled_;
  std::unique_ptr<nvtx3::registered_string_in<fa::nvtx::Domain>> message_;
  std::unique_ptr<nvtx3::event_attributes> attributes_;
};

// RAII: the range is open while the scope lives.
class CaseRangeScope {
 public:
  explicit CaseRangeScope(const CaseRange& range) {
    if (range.enabled()) scope_.emplace(range.attributes());
  }

 private:
  std::optional<nvtx3::scoped_range_in<fa::nvtx::Domain>> scope_;
};
#else
class CaseRange {
 public:
  CaseRange(const std::string&, const std::string&, int64_t, bool) {}
  bool enabled() const { return false; }
};

class CaseRangeScope {
 public:
  explicit CaseRangeScope(const CaseRange&) {}
};
#endif

// Whether this build emits NVTX ranges at all (FA_HAVE_NVTX: the CUDA toolkit's nvtx3 headers).
constexpr bool nvtx_compiled_in() {
#ifdef FA_HAVE_NVTX
  return true;
#else
  return false;
#endif
}

}  // namespace fa::sweep
