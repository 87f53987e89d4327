#include "common/core_call.h"

#include <cmath>

#include "common/nvtx.h"
#include "core/attention_fwd_cpu.h"

#ifdef FA_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>

#include "core/attention_fwd_cuda.h"
#endif

namespace fa {

AttentionParams make_attention_params(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                      const at::Tensor& out, const at::Tensor& softmax_lse,
                                      double softmax_scale, bool is_causal) {
  AttentionParams params;
  params.q = q.data_ptr();
  params.k = k.data_ptr();
  params.v = v.data_ptr();
  params.out = out.data_ptr();
  params.softmax_lse = softmax_lse.data_ptr<float>();

  params.q_batch_stride = q.stride(0);
  params.q_row_stride = q.stride(1);
  params.q_head_stride = q.stride(2);
  params.k_batch_stride = k.stride(0);
  params.k_row_stride = k.stride(1);
  params.k_head_stride = k.stride(2);
  params.v_batch_stride = v.stride(0);
  params.v_row_stride = v.stride(1);
  params.v_head_stride = v.stride(2);
  params.out_batch_stride = out.stride(0);
  params.out_row_stride = out.stride(1);
  params.out_head_stride = out.stride(2);

  params.batch = static_cast<int>(q.size(0));
  params.seqlen_q = static_cast<int>(q.size(1));
  params.num_heads = static_cast<int>(q.size(2));
  params.head_dim = static_cast<int>(q.size(3));
  params.seqlen_k = static_cast<int>(k.size(1));
  params.num_heads_k = static_cast<int>(k.size(2));

  params.softmax_scale = static_cast<float>(softmax_scale);
  params.softmax_scale_log2 = static_cast<float>(softmax_scale * M_LOG2E);
  params.is_causal = is_causal;
  params.element_type =
      q.scalar_type() == at::kBFloat16 ? ElementType::kBFloat16 : ElementType::kFloat16;
  return params;
}

LaunchTarget::LaunchTarget(const at::Device& device) : device_(device) {
  const nvtx::PhaseRange<nvtx::Phase<nvtx::PhaseId::kCoreDeviceGuard>> range;
  guard_.reset_device(device);
  if (device.is_cpu()) return;
#ifdef FA_WITH_CUDA
  TORCH_CHECK(device.is_cuda(), "q: device must be CPU or CUDA, got ", device);
  stream_ = at::cuda::getCurrentCUDAStream(device.index()).stream();
#else
  TORCH_CHECK(false, "q: device ", device, " is not supported: fa-versus was built without CUDA");
#endif
}

void launch_core(const AttentionParams& params, const LaunchTarget& target) {
  const nvtx::PhaseRange<nvtx::CoreLaunch> range;
  if (target.device().is_cpu()) {
    run_attention_fwd_cpu(params);
    return;
  }
#ifdef FA_WITH_CUDA
  launch_attention_fwd(params, static_cast<cudaStream_t>(target.stream()));
#endif
}

}  // namespace fa
