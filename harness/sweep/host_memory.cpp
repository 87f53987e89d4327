#include "sweep/host_memory.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "sweep/sweep_config.h"

namespace fa::sweep {

double cpu_case_bytes(const report::CaseKey& key) {
  const double elements = static_cast<double>(key.batch) * static_cast<double>(key.seqlen) *
                          static_cast<double>(key.heads) * static_cast<double>(key.head_dim);
  return elements * (3 * (4 + 2) + 2 * 2) +
         static_cast<double>(key.batch) * key.heads * key.seqlen * 4;
}

MemoryBudget host_memory_budget() {
  if (const char* text = std::getenv("FA_SWEEP_MEMORY_BUDGET"); text != nullptr && *text) {
    char* end = nullptr;
    double bytes = std::strtod(text, &end);
    const std::string suffix = end == nullptr ? "" : end;
    if (suffix == "K" || suffix == "k") bytes *= 1024.0;
    if (suffix == "M" || suffix == "m") bytes *= 1024.0 * 1024.0;
    if (suffix == "G" || suffix == "g") bytes *= 1024.0 * 1024.0 * 1024.0;
    const bool known = suffix.empty() || (suffix.size() == 1 &&
                                          std::string("KkMmGg").find(suffix) != std::string::npos);
    if (!known || !(bytes > 0)) {
      throw UsageError(std::string("fa-sweep: FA_SWEEP_MEMORY_BUDGET: expected bytes with an "
                                   "optional K, M or G suffix, got '") +
                       text + "'");
    }
    return {bytes, "FA_SWEEP_MEMORY_BUDGET allows"};
  }
  const double physical =
      static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGE_SIZE));
  return {physical, "this machine has"};
}

std::string memory_shortfall(const std::string& what, double bytes, const MemoryBudget& budget) {
  if (!(budget.bytes > 0) || bytes <= budget.bytes) return "";
  char message[300];
  std::snprintf(message, sizeof message, "%s need %.1f GiB, %s %.1f GiB", what.c_str(),
                bytes / (1 << 30), budget.where.c_str(), budget.bytes / (1 << 30));
  return message;
}

}  // namespace fa::sweep
