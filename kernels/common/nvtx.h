#pragma once
// NVTX ranges of fa-versus, in one domain (`fa_bench`). Strings are registered once, so a range
// costs two calls into an empty function table when no tool is attached.
#include <cstdint>

#ifdef FA_HAVE_NVTX
#include <nvtx3/nvtx3.hpp>
#endif

namespace fa::nvtx {

struct Domain {
  static constexpr const char* name{"fa_bench"};
};

// One struct per phase; `message` is the range's name in Nsight Systems.
struct ChecksV263 {
  static constexpr const char* message{"v2.6.3/checks"};
  static constexpr uint32_t argb{0xFF2E7D32};  // green: v2.6.3
};
struct PrechecksV270 {
  static constexpr const char* message{"v2.7.0/prechecks"};
  static constexpr uint32_t argb{0xFFC62828};  // red: v2.7.0
};
struct DispatchV270 {
  static constexpr const char* message{"v2.7.0/dispatch"};
  static constexpr uint32_t argb{0xFFEF6C00};
};
struct CoreLaunch {
  static constexpr const char* message{"core/launch"};
  static constexpr uint32_t argb{0xFF1565C0};  // blue: the shared core
};

#ifdef FA_HAVE_NVTX
template <typename Phase>
class PhaseRange {
 public:
  PhaseRange()
      : range_{nvtx3::event_attributes{nvtx3::registered_string_in<Domain>::get<Phase>(),
                                       nvtx3::argb{static_cast<uint8_t>(Phase::argb >> 24),
                                                   static_cast<uint8_t>(Phase::argb >> 16),
                                                   static_cast<uint8_t>(Phase::argb >> 8),
                                                   static_cast<uint8_t>(Phase::argb)}}} {}

 private:
  nvtx3::scoped_range_in<Domain> range_;
};
#else
template <typename Phase>
class PhaseRange {
 public:
  PhaseRange() {}
};
#endif

}  // namespace fa::nvtx
