// Fuzz target: the sweep config parser fa-sweep runs on --config (fa::sweep::parse_sweep_config).
// Whatever the bytes, it must return a config that satisfies its own rules or throw the one-line
// UsageError of the DESIGN: any other exception, a crash, a hang or unbounded memory is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sweep/sweep_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string> kVariants{"v2.6.3", "v2.7.0", "sdpa-flash"};
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const fa::sweep::SweepConfig config =
        fa::sweep::parse_sweep_config(text, "fuzz-config.json", kVariants);
    const fa::sweep::SweepGrid& grid = config.grid;
    if (grid.batch.empty() || grid.seqlen.empty() || grid.heads.empty() || grid.embed.empty() ||
        config.variants.empty() || config.modes.empty() || config.repetitions <= 0) {
      std::abort();
    }
    for (const int heads : grid.heads) {
      for (const int embed : grid.embed) {
        if (heads <= 0 || embed % heads != 0 || embed / heads > 256) std::abort();
      }
    }
  } catch (const fa::sweep::UsageError& error) {
    if (std::string_view(error.what()).find('\n') != std::string_view::npos) std::abort();
  }
  return 0;
}
