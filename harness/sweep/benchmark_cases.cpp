#include "sweep/benchmark_cases.h"

#include <c10/util/Exception.h>
#include <fmt/format.h>

#include <chrono>
#include <exception>

#include "report/case_work.h"
#include "report/median.h"
#include "report/metric.h"
#include "report/text.h"
#include "sweep/benchmark_compat.h"
#include "sweep/case_runner.h"
#include "sweep/host_memory.h"
#include "sweep/nvtx_case_range.h"
#include "sweep/phase_pass.h"
#include "sweep/progress_reporter.h"
#include "variants.h"

namespace fa::sweep {

std::string gbench::min_time_flag_value(double seconds) {
#ifdef FA_BENCHMARK_1_8
  return fmt::format("{}s", seconds);
#else
  return fmt::format("{}", seconds);
#endif
}

struct CaseEntry {
  int index = 0;
  SweepCase sweep_case;
  std::unique_ptr<CaseRunner> runner;
  std::unique_ptr<CaseRange> range;         // around every call the loop makes
  std::unique_ptr<CaseRange> kernel_range;  // around the extra calls that give kernel_us
  std::string unavailable;                  // non-empty: skipped with this reason
  std::string prepare_error;                // non-empty: failed with this message
  std::string run_error;                    // the last exception a repetition's loop threw
  double flops = 0.0;
  double bytes = 0.0;
  bool first_repetition_done = false;  // progress: later calls are whole repetitions
};

namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kMaxIterations = 1000000000;  // Google Benchmark's kMaxIterations

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

std::string error_text(const std::exception& error) {
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&error)) {
    return report::one_line(c10_error->what_without_backtrace());
  }
  return report::one_line(error.what());
}

struct LoopSettings {
  std::optional<int> iterations;
  double min_time_s = 0;
  int warmup_iterations = 0;
  double warmup_s = 0;
  int kernel_samples = 0;
  KernelTiming kernel_timing = KernelTiming::kAfter;
  int phase_samples = 0;
};

// One call as the loop makes it outside the timed window, inside the case range.
void untimed_call(CaseRunner& runner, const CaseRange& range) {
  {
    const CaseRangeScope scope(range);
    runner.launch();
    runner.synchronize();
  }
  runner.release_outputs();
}

void warm_up(CaseEntry& entry, const LoopSettings& settings) {
  const Clock::time_point start = Clock::now();
  for (int i = 0;
       i < settings.warmup_iterations || seconds_between(start, Clock::now()) < settings.warmup_s;
       ++i) {
    untimed_call(*entry.runner, *entry.range);
  }
}

std::vector<double> kernel_samples_after(CaseEntry& entry, KernelTracer* tracer, int count) {
  if (tracer == nullptr) return entry.runner->direct_kernel_samples(count);
  tracer->begin_phase();
  for (int i = 0; i < count; ++i) {
    tracer->begin_iteration();
    {
      const CaseRangeScope scope(*entry.kernel_range);
      entry.runner->launch();
      entry.runner->synchronize();
    }
    tracer->end_iteration();
    entry.runner->release_outputs();
  }
  return tracer->end_phase();
}

void run_case(benchmark::State& state, CaseEntry& entry, const LoopSettings& settings,
              ProgressTracker* progress) {
  state.SetLabel(entry.sweep_case.name.c_str());
  double manual_seconds = 0.0;
  [&] {
    if (!entry.unavailable.empty()) {
      gbench::skip(state, "skipped: " + entry.unavailable);
      return;
    }
    if (!entry.prepare_error.empty()) {
      gbench::fail(state, "failed: " + entry.prepare_error);
      return;
    }
    CaseRunner& runner = *entry.runner;
    KernelTracer* tracer = settings.kernel_timing == KernelTiming::kOff ? nullptr : runner.tracer();
    const bool trace_inline = tracer != nullptr && settings.kernel_timing == KernelTiming::kInline;
    std::vector<double> e2e, host;
    try {
      warm_up(entry, settings);
      const auto reserve = static_cast<size_t>(std::min<int64_t>(state.max_iterations, 1 << 24));
      e2e.reserve(reserve);
      host.reserve(reserve);

      if (trace_inline) tracer->begin_phase();
      for (auto _ : state) {
        static_cast<void>(_);
        if (trace_inline) tracer->begin_iteration();
        const Clock::time_point t0 = Clock::now();
        Clock::time_point t1;
        {
          const CaseRangeScope scope(*entry.range);
          runner.launch();
          t1 = Clock::now();
          runner.synchronize();
        }
        const Clock::time_point t2 = Clock::now();
        if (trace_inline) tracer->end_iteration();
        runner.release_outputs();
        const double seconds = seconds_between(t0, t2);
        state.SetIterationTime(seconds);
        manual_seconds += seconds;
        e2e.push_back(seconds);
        host.push_back(seconds_between(t0, t1));
      }

      std::vector<double> kernel;
      if (trace_inline) {
        kernel = tracer->end_phase();
      } else if (settings.kernel_timing != KernelTiming::kOff) {
        kernel = kernel_samples_after(entry, tracer, settings.kernel_samples);
      }
      // After the timed loop and kernel timing: the phase recorder sees neither.
      for (const auto& [phase, us] : run_phase_pass(runner, settings.phase_samples)) {
        state.counters[report::phase_counter_name(phase)] = us;
      }

      using report::Metric;
      auto counter = [&state](std::string_view name) -> double& {
        return state.counters[std::string(name)].value;
      };
      const double e2e_us = report::median(e2e) * 1e6;
      counter(report::metric_counter(Metric::e2e)) = e2e_us;
      counter(report::metric_counter(Metric::host)) = report::median(host) * 1e6;
      if (!kernel.empty()) {
        const double kernel_us = report::median(kernel);
        counter(report::metric_counter(Metric::kernel)) = kernel_us;
        counter(report::metric_counter(Metric::overhead)) = e2e_us - kernel_us;
        // Not for the floor: it does no work (and an all-zero counter has no finite cv).
        if (!entry.sweep_case.is_floor() && kernel_us > 0) {
          counter(report::kTflopsCounter) = report::throughput_tflops(entry.flops, kernel_us);
          counter(report::kGbpsCounter) = report::throughput_gbps(entry.bytes, kernel_us);
        }
      }
    } catch (const std::exception& error) {
      if (tracer != nullptr) tracer->cancel_phase();
      runner.release_outputs();
      entry.run_error = error_text(error);
      gbench::fail(state, "failed: " + entry.run_error);
    }
  }();

  if (progress != nullptr) {
    // A call completes a repetition when Google Benchmark accepts its iteration count: a
    // skip, a fixed count, or enough manual time (its rule); later calls of the case reuse the
    // count, so each is a repetition.
    const bool completed = gbench::skipped(state) || settings.iterations.has_value() ||
                           entry.first_repetition_done || manual_seconds >= settings.min_time_s ||
                           state.iterations() >= kMaxIterations;
    if (completed) {
      entry.first_repetition_done = true;
      progress->repetition_done(entry.index, entry.sweep_case.name, entry.sweep_case.key.variant);
    }
  }
}

}  // namespace

SweepCases::SweepCases(const SweepPlan& plan) : plan_(plan) {
  int index = 0;
  for (const SweepCase& sweep_case : plan.cases) {
    auto entry = std::make_unique<CaseEntry>();
    entry->index = index++;
    entry->sweep_case = sweep_case;
    entry->flops =
        sweep_case.is_floor() ? 0.0 : report::attention_flops(sweep_case.key, sweep_case.causal);
    entry->bytes = sweep_case.is_floor() ? 0.0 : report::attention_bytes(sweep_case.key);
    entries_.push_back(std::move(entry));
  }
}

SweepCases::~SweepCases() {
  release();
}

void SweepCases::release() {
  for (auto& entry : entries_) entry->runner.reset();
}

void SweepCases::require_memory_for_all_cases() const {
  // Every case's inputs live from prepare() to release(): their sum must fit. A case that alone
  // exceeds the budget fails by itself (cpu_case_runner.cpp) and is not counted here.
  const MemoryBudget budget = host_memory_budget();
  double total = 0;
  int counted = 0;
  for (const auto& entry : entries_) {
    if (entry->sweep_case.is_floor()) continue;
    const double bytes = cpu_case_bytes(entry->sweep_case.key);
    if (!memory_shortfall("", bytes, budget).empty()) continue;
    total += bytes;
    ++counted;
  }
  const std::string shortfall = memory_shortfall("the inputs of its " + std::to_string(counted) +
                                                     " cases, all prepared before the first runs,",
                                                 total, budget);
  if (!shortfall.empty()) {
    throw UsageError("fa-sweep: " + plan_.config.path + ": " + shortfall +
                     ": run fewer or smaller cases (--filter, the grid)");
  }
}

int SweepCases::prepare(std::FILE* log) {
  int failed = 0;
  const bool cuda = plan_.backend == Backend::kCuda;
  const at::Device device = cuda ? at::Device(at::kCUDA) : at::Device(at::kCPU);
  if (!cuda) require_memory_for_all_cases();
  prepare_phase_pass(plan_.phase_samples, log);  // before any call of a dispatch path
  for (auto& entry : entries_) {
    const SweepCase& sweep_case = entry->sweep_case;
    entry->range = std::make_unique<CaseRange>(sweep_case.name, sweep_case.key.variant,
                                               sweep_case.key.batch, plan_.nvtx);
    entry->kernel_range =
        std::make_unique<CaseRange>(sweep_case.name + " [kernel timing]", sweep_case.key.variant,
                                    sweep_case.key.batch, plan_.nvtx);
    if (!sweep_case.is_floor() && sweep_case.variant->unavailable_reason != nullptr) {
      entry->unavailable = report::one_line(sweep_case.variant->unavailable_reason(device));
      if (!entry->unavailable.empty()) {
        std::fprintf(log, "[fa-sweep] %s: skipped: %s\n", sweep_case.name.c_str(),
                     entry->unavailable.c_str());
        continue;
      }
    }
    RunnerSettings settings;
    settings.seed = plan_.config.seed;
    settings.case_index = entry->index;
    settings.trace_kernels = plan_.kernel_timing != KernelTiming::kOff;
    try {
      entry->runner = cuda ? make_cuda_case_runner(sweep_case, settings)
                           : make_cpu_case_runner(sweep_case, settings);
      const CaseRangeScope scope(*entry->range);  // graph capture shows under the case
      entry->runner->prepare();
    } catch (const std::exception& error) {
      entry->runner.reset();
      entry->prepare_error = error_text(error);
      std::fprintf(log, "[fa-sweep] %s: failed to prepare: %s\n", sweep_case.name.c_str(),
                   entry->prepare_error.c_str());
      ++failed;
    }
  }
  return failed;
}

void SweepCases::register_benchmarks(ProgressTracker* progress) {
  LoopSettings settings;
  settings.iterations = plan_.config.iterations;
  settings.min_time_s = plan_.config.min_time_s;
  settings.warmup_iterations = plan_.config.warmup_iterations;
  settings.warmup_s = plan_.config.warmup_s;
  settings.kernel_samples = plan_.config.kernel_samples;
  settings.kernel_timing = plan_.kernel_timing;
  settings.phase_samples = plan_.phase_samples;
  for (auto& owned : entries_) {
    CaseEntry* entry = owned.get();
    benchmark::internal::Benchmark* bench = benchmark::RegisterBenchmark(
        entry->sweep_case.name.c_str(), [entry, settings, progress](benchmark::State& state) {
          run_case(state, *entry, settings, progress);
        });
    bench->UseManualTime()->Unit(benchmark::kMicrosecond);
    if (plan_.config.iterations) bench->Iterations(*plan_.config.iterations);
  }
}

std::string SweepCases::kernel_timing() const {
  if (plan_.kernel_timing == KernelTiming::kOff) return "off";
  for (const auto& entry : entries_) {
    if (entry->runner) return entry->runner->kernel_timing();
  }
  return plan_.backend == Backend::kCuda ? "cupti" : "cpu-core-steady-clock";
}

std::optional<SweepCases::Outcome> SweepCases::outcome(const std::string& case_name) const {
  for (const auto& entry : entries_) {
    if (entry->sweep_case.name != case_name) continue;
    Outcome outcome{entry->sweep_case.key, report::CaseStatus::ok()};
    if (!entry->unavailable.empty()) {
      outcome.not_measured = report::CaseStatus::skipped(entry->unavailable);
    } else if (!entry->prepare_error.empty()) {
      outcome.not_measured = report::CaseStatus::failed(entry->prepare_error);
    } else {
      outcome.not_measured = report::CaseStatus::failed(
          entry->run_error.empty() ? "not measured (no error recorded)" : entry->run_error);
    }
    return outcome;
  }
  return std::nullopt;
}

std::vector<std::string> benchmark_arguments(const SweepPlan& plan,
                                             const std::vector<std::string>& user_flags) {
  std::vector<std::string> arguments{
      "fa-sweep",
      "--benchmark_repetitions=" + std::to_string(plan.config.repetitions),
      std::string("--benchmark_enable_random_interleaving=") +
          (plan.random_interleaving ? "true" : "false"),
  };
  if (!plan.config.iterations) {
    arguments.push_back("--benchmark_min_time=" +
                        gbench::min_time_flag_value(plan.config.min_time_s));
  }
  arguments.insert(arguments.end(), user_flags.begin(), user_flags.end());
  return arguments;
}

}  // namespace fa::sweep
