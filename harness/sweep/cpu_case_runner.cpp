// The CPU backend. kernel_us here is the core's own time: run_attention_fwd_cpu called directly
// on this case's prepared inputs and timed with the steady clock, in a separate set of calls
// after each repetition's timed loop (the variant's own call cannot be split without touching
// kernels/). The report says so: kernel_timing = "cpu-core-steady-clock".
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "common/core_call.h"
#include "core/attention_fwd_cpu.h"
#include "sweep/case_runner.h"
#include "sweep/host_memory.h"
#include "variants.h"

namespace fa::sweep {
namespace {

using Clock = std::chrono::steady_clock;

// Not inlined, called through a volatile pointer: an honest empty call for the floor case.
__attribute__((noinline)) void empty_call() {
  asm volatile("");
}
void (*volatile g_empty_call)() = &empty_call;

at::ScalarType scalar_type(const std::string& dtype) {
  return dtype == "bf16" ? at::kBFloat16 : at::kHalf;
}

class CpuFloorRunner final : public CaseRunner {
 public:
  void prepare() override {}
  void launch() override { g_empty_call(); }
  void synchronize() override {}
  std::vector<double> direct_kernel_samples(int count) override {
    std::vector<double> samples;
    for (int i = 0; i < count; ++i) {
      const auto start = Clock::now();
      g_empty_call();
      samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
    return samples;
  }
  std::string kernel_timing() const override { return "cpu-core-steady-clock"; }
};

// Refuses a case whose tensors exceed the machine's memory (host_memory.h), before allocating
// them: where the kernel grants any allocation (vm.overcommit_memory = 1) a too-large case would
// not fail, it would fill the machine while drawing its random inputs.
void require_host_memory(const report::CaseKey& key) {
  const std::string shortfall =
      memory_shortfall("the case's tensors", cpu_case_bytes(key), host_memory_budget());
  if (!shortfall.empty()) throw std::runtime_error("out of memory: " + shortfall);
}

class CpuVariantRunner final : public CaseRunner {
 public:
  CpuVariantRunner(const SweepCase& sweep_case, const RunnerSettings& settings)
      : case_(sweep_case), settings_(settings) {}

  void prepare() override {
    const report::CaseKey& key = case_.key;
    require_host_memory(key);
    // Random normal inputs (drawn in fp32: older LibTorch has no fp16 normal on the CPU).
    at::Generator generator =
        at::detail::createCPUGenerator(static_cast<uint64_t>(settings_.seed) * 1000003u +
                                       static_cast<uint64_t>(settings_.case_index));
    const std::vector<int64_t> shape{key.batch, key.seqlen, key.heads, key.head_dim};
    const at::ScalarType dtype = scalar_type(key.dtype);
    q_ = at::randn(shape, generator, at::kFloat).to(dtype);
    k_ = at::randn(shape, generator, at::kFloat).to(dtype);
    v_ = at::randn(shape, generator, at::kFloat).to(dtype);
    options_.causal = case_.causal;
    // For direct_kernel_samples: the core's own outputs and params, as the paths fill them.
    out_ = at::empty_like(q_);
    lse_ = at::empty({key.batch, key.heads, key.seqlen}, q_.options().dtype(at::kFloat));
    params_ = fa::make_attention_params(
        q_, k_, v_, out_, lse_, 1.0 / std::sqrt(static_cast<double>(key.head_dim)), case_.causal);
  }

  void launch() override { outputs_ = case_.variant->forward(q_, k_, v_, options_); }
  void synchronize() override {}

  std::vector<double> direct_kernel_samples(int count) override {
    std::vector<double> samples;
    for (int i = 0; i < count; ++i) {
      const auto start = Clock::now();
      fa::run_attention_fwd_cpu(params_);
      samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
    return samples;
  }
  std::string kernel_timing() const override { return "cpu-core-steady-clock"; }
  void release_outputs() override { outputs_ = {}; }

 private:
  SweepCase case_;
  RunnerSettings settings_;
  at::Tensor q_, k_, v_, out_, lse_;
  fa::AttentionOptions options_;
  fa::AttentionParams params_;
  fa::AttentionOutputs outputs_;
};

}  // namespace

std::unique_ptr<CaseRunner> make_cpu_case_runner(const SweepCase& sweep_case,
                                                 const RunnerSettings& settings) {
  if (sweep_case.is_floor()) return std::make_unique<CpuFloorRunner>();
  return std::make_unique<CpuVariantRunner>(sweep_case, settings);
}

}  // namespace fa::sweep
