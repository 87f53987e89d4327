// The CUDA backend: eager calls and CUDA-graph replays on the current (default) stream.
//
// Graph mode captures ONE call with at::cuda::CUDAGraph on a side stream, after warming the call
// up on that stream, and times replays. A replay re-runs only the captured device work: the host
// code of the dispatch path (checks, padding decisions, the dispatcher hop, tensor allocation,
// the output slice) ran once, at capture; the output lives in the graph's private memory pool
// and is overwritten by every replay. So graph mode shows what remains of a call when its host
// cost is removed, the C++ analogue of the compilation that hid the overhead in the flash-attn
// study.
#include "sweep/case_runner.h"

#ifdef FA_WITH_CUDA

#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAGeneratorImpl.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "core/attention_fwd_cuda.h"
#include "core/cuda_check.h"
#include "variants.h"

#ifdef FA_HAVE_CUPTI
#include "sweep/cupti_kernel_timer.h"
#endif

namespace fa::sweep {
namespace {

// Substring of the floor's kernel name (kernels/core/empty_kernel.cu).
constexpr const char* kEmptyKernelName = "empty_kernel";
constexpr int kCaptureWarmupCalls = 3;

class CudaRunner final : public CaseRunner {
 public:
  CudaRunner(const SweepCase& sweep_case, const RunnerSettings& settings)
      : case_(sweep_case), settings_(settings), graph_mode_(sweep_case.key.mode == "graph") {
#ifdef FA_HAVE_CUPTI
    if (settings.trace_kernels) {
      const std::string filter = sweep_case.is_floor()
                                     ? std::string(kEmptyKernelName)
                                     : std::string(sweep_case.variant->kernel_name_tag);
      tracer_ = std::make_unique<CuptiKernelTimer>(filter);
    }
#endif
  }

  void prepare() override {
    const c10::DeviceIndex device = c10::cuda::current_device();
    stream_ = at::cuda::getCurrentCUDAStream(device).stream();
    if (!case_.is_floor()) {
      const report::CaseKey& key = case_.key;
      at::Generator generator = at::cuda::detail::createCUDAGenerator(device);
      generator.set_current_seed(static_cast<uint64_t>(settings_.seed) * 1000003u +
                                 static_cast<uint64_t>(settings_.case_index));
      const auto options = at::TensorOptions()
                               .device(at::Device(at::kCUDA, device))
                               .dtype(key.dtype == "bf16" ? at::kBFloat16 : at::kHalf);
      const std::vector<int64_t> shape{key.batch, key.seqlen, key.heads, key.head_dim};
      q_ = at::randn(shape, generator, options);
      k_ = at::randn(shape, generator, options);
      v_ = at::randn(shape, generator, options);
      options_.causal = case_.causal;
    }
    // The inputs were drawn on the current stream; the capture's side stream does not wait for it.
    FA_CUDA_CHECK(cudaStreamSynchronize(stream_));
    if (graph_mode_) capture();
    FA_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }

  void launch() override {
    if (graph_mode_) {
      graph_->replay();
    } else if (case_.is_floor()) {
      fa::launch_empty_kernel(stream_);
    } else {
      outputs_ = case_.variant->forward(q_, k_, v_, options_);
    }
  }

  void synchronize() override {
    FA_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  void release_outputs() override {
    outputs_ = {};
  }

  KernelTracer* tracer() override {
    return tracer_.get();
  }
  std::string kernel_timing() const override {
    return tracer_ ? "cupti" : "off";
  }

 private:
  // One call on the current stream, as a user makes it.
  void call_on_current_stream() {
    if (case_.is_floor()) {
      fa::launch_empty_kernel(at::cuda::getCurrentCUDAStream().stream());
    } else {
      captured_ = case_.variant->forward(q_, k_, v_, options_);
    }
  }

  void capture() {
    c10::cuda::CUDAStream side = at::cuda::getStreamFromPool();
    {
      const c10::cuda::CUDAStreamGuard guard(side);
      for (int i = 0; i < kCaptureWarmupCalls; ++i) call_on_current_stream();
      FA_CUDA_CHECK(cudaStreamSynchronize(side.stream()));
      captured_ = {};
      graph_ = std::make_unique<at::cuda::CUDAGraph>();
      graph_->capture_begin();
      try {
        call_on_current_stream();
      } catch (...) {
        try {
          graph_->capture_end();
        } catch (...) {
          // The first error is the one to report.
        }
        graph_.reset();
        throw;
      }
      graph_->capture_end();
    }
    // One replay on the stream the loop uses, to fail here rather than in the timed loop.
    graph_->replay();
  }

  SweepCase case_;
  RunnerSettings settings_;
  bool graph_mode_;
  cudaStream_t stream_ = nullptr;
  at::Tensor q_, k_, v_;
  fa::AttentionOptions options_;
  fa::AttentionOutputs outputs_;   // eager: the last call's outputs
  fa::AttentionOutputs captured_;  // graph: the captured call's outputs (in the graph's pool)
  std::unique_ptr<at::cuda::CUDAGraph> graph_;
  std::unique_ptr<KernelTracer> tracer_;
};

}  // namespace

std::unique_ptr<CaseRunner> make_cuda_case_runner(const SweepCase& sweep_case,
                                                  const RunnerSettings& settings) {
  return std::make_unique<CudaRunner>(sweep_case, settings);
}

}  // namespace fa::sweep

#else  // !FA_WITH_CUDA

#include <stdexcept>

namespace fa::sweep {

std::unique_ptr<CaseRunner> make_cuda_case_runner(const SweepCase&, const RunnerSettings&) {
  throw std::runtime_error("this build has no CUDA backend (LibTorch without CUDA or no nvcc)");
}

}  // namespace fa::sweep

#endif
