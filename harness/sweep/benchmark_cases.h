#pragma once
// Registers one Google Benchmark per case and owns the timing loop:
//
//   warm-up: warmup_iterations calls (and at least warmup_s), untimed, before every repetition
//   for each iteration:  t0 | case range push, launch() | t1 | synchronize(), range pop | t2
//       manual time = e2e = t2 - t0;  host = t1 - t0
//   kernel time: CUPTI over kernel_samples extra calls after the timed loop (--kernel-timing
//       after, the default: tracing never slows the timed calls), or over the timed calls
//       themselves (inline); on the CPU backend, direct calls of the core
//   counters (per repetition): the medians of e2e_us, host_us, kernel_us over its iterations;
//       overhead_us = e2e_us - kernel_us; tflops and gbps of the kernel
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "report/case_key.h"
#include "report/case_status.h"
#include "sweep/sweep_plan.h"

namespace fa::sweep {

class ProgressTracker;
struct CaseEntry;

class SweepCases {
 public:
  explicit SweepCases(const SweepPlan& plan);
  ~SweepCases();
  SweepCases(const SweepCases&) = delete;
  SweepCases& operator=(const SweepCases&) = delete;

  // Creates every case's runner and prepares it (inputs, graph capture). A case that cannot run
  // here is marked skipped; one whose preparation throws is marked failed; both are printed to
  // `log`. Returns the number of failed preparations. On the CPU backend, throws UsageError
  // first, allocating nothing, when the cases' inputs together exceed the host's memory
  // (host_memory.h).
  int prepare(std::FILE* log);
  // benchmark::RegisterBenchmark for every case, in the plan's order. `progress` may be null.
  void register_benchmarks(ProgressTracker* progress);
  // How kernel_us is measured in this run: "cupti", "cpu-core-steady-clock" or "off".
  std::string kernel_timing() const;
  // Frees every runner (CUDA graphs, inputs) while the CUDA context is alive.
  void release();

  // What the report needs of case `case_name` beyond Google Benchmark's run: its key, and the
  // status of a run of it that Google Benchmark did not measure (skipped: it cannot run here;
  // failed: preparation or the loop threw). nullopt for a name that is not a case of the plan.
  struct Outcome {
    report::CaseKey key;
    report::CaseStatus not_measured;
  };
  std::optional<Outcome> outcome(const std::string& case_name) const;

 private:
  void require_memory_for_all_cases() const;
  const SweepPlan& plan_;
  std::vector<std::unique_ptr<CaseEntry>> entries_;
};

// The argv that fa-sweep hands to benchmark::Initialize: its own settings (repetitions, random
// interleaving, min_time unless iterations are fixed), then the user's other --benchmark_*
// flags. fa-sweep's reporter collects the runs and writes the report itself: no --benchmark_out.
std::vector<std::string> benchmark_arguments(const SweepPlan& plan,
                                             const std::vector<std::string>& user_flags);

}  // namespace fa::sweep
