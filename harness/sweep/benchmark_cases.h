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
  // `log`. Returns the number of failed preparations.
  int prepare(std::FILE* log);
  // benchmark::RegisterBenchmark for every case, in the plan's order. `progress` may be null.
  void register_benchmarks(ProgressTracker* progress);
  // How kernel_us is measured in this run: "cupti", "cpu-core-steady-clock" or "off".
  std::string kernel_timing() const;
  // Frees every runner (CUDA graphs, inputs) while the CUDA context is alive.
  void release();

 private:
  const SweepPlan& plan_;
  std::vector<std::unique_ptr<CaseEntry>> entries_;
};

// The argv that fa-sweep hands to benchmark::Initialize: its own settings first (repetitions,
// random interleaving, min_time unless iterations are fixed, the output file), then the user's
// --benchmark_* flags, which win where they repeat one.
std::vector<std::string> benchmark_arguments(const SweepPlan& plan,
                                             const std::string& temporary_out,
                                             const std::vector<std::string>& user_flags);

// Whether random interleaving is on after `arguments` (the last occurrence wins).
bool random_interleaving_enabled(const std::vector<std::string>& arguments);

}  // namespace fa::sweep
