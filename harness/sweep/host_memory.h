#pragma once
// What the CPU backend's inputs cost in host memory, and what the machine can give. fa-sweep
// prepares every case's inputs before the first benchmark runs, so a config whose cases each fit
// but together do not must be refused up front (issue 15 item 6: the OOM killer ended such a run
// after minutes, with no message).
#include <string>
#include <vector>

#include "report/case_key.h"

namespace fa::sweep {

// The bytes a CPU case's tensors take: q, k, v drawn in fp32 and converted, the core's output
// and the variant's, the log-sum-exp.
double cpu_case_bytes(const report::CaseKey& key);

struct MemoryBudget {
  double bytes = 0;   // <= 0: unknown (no check)
  std::string where;  // "this machine has" | "FA_SWEEP_MEMORY_BUDGET allows"
};

// The machine's physical memory, or the environment variable FA_SWEEP_MEMORY_BUDGET (bytes,
// with an optional K, M or G suffix: powers of 1024) when set: lets a test prove the check
// without allocating much, and a user keep a sweep within part of a shared machine.
MemoryBudget host_memory_budget();

// "<what> need N GiB, <where> M GiB" when `bytes` exceeds the budget, else "".
std::string memory_shortfall(const std::string& what, double bytes, const MemoryBudget& budget);

}  // namespace fa::sweep
