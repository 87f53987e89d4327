#include "sweep/nvtx_case_range.h"

namespace fa::sweep {

uint32_t variant_colour(const std::string& variant) {
  if (variant == "v2.6.3") return 0xFF81C784;  // light green (its phases: green)
  if (variant == "v2.7.0") return 0xFFE57373;  // light red (its phases: red, orange)
  if (variant == "empty") return 0xFF9E9E9E;   // grey: the harness floor
  // Any other variant: a stable colour from its name.
  static const uint32_t palette[] = {0xFFBA68C8, 0xFF4DD0E1, 0xFFFFD54F, 0xFFA1887F, 0xFF7986CB};
  uint32_t hash = 2166136261u;
  for (const unsigned char c : variant) hash = (hash ^ c) * 16777619u;
  return palette[hash % (sizeof(palette) / sizeof(palette[0]))];
}

#ifdef FA_HAVE_NVTX
CaseRange::CaseRange(const std::string& message, const std::string& variant, int64_t payload,
                     bool enabled)
    : enabled_(enabled) {
  if (!enabled_) return;
  message_ = std::make_unique<nvtx3::registered_string_in<fa::nvtx::Domain>>(message);
  const uint32_t argb = variant_colour(variant);
  attributes_ = std::make_unique<nvtx3::event_attributes>(
      *message_,
      nvtx3::argb{static_cast<uint8_t>(argb >> 24), static_cast<uint8_t>(argb >> 16),
                  static_cast<uint8_t>(argb >> 8), static_cast<uint8_t>(argb)},
      nvtx3::payload{payload});
}
#endif

}  // namespace fa::sweep
