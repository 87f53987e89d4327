#include "common/input_checks.h"

#include <array>

#ifdef FA_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#endif

namespace fa {
namespace {

void check_4d(const at::Tensor& t, const char* name) {
  TORCH_CHECK(t.dim() == 4, name, " must be 4-D (batch, seqlen, heads, head_dim), got ", t.dim(),
              "-D with shape ", t.sizes());
}

}  // namespace

void check_device_supported(const at::Tensor& q) {
#ifdef FA_WITH_CUDA
  if (q.is_cuda()) {
    const cudaDeviceProp* properties = at::cuda::getCurrentDeviceProperties();
    TORCH_CHECK(properties->major >= 8, "q: FlashAttention needs an sm80 or newer GPU, got sm",
                properties->major, properties->minor);
  }
#endif
}

AttentionShape check_attention_inputs(const at::Tensor& q, const at::Tensor& k,
                                      const at::Tensor& v) {
  const auto q_dtype = q.scalar_type();
  TORCH_CHECK(q_dtype == at::kHalf || q_dtype == at::kBFloat16,
              "q: dtype must be float16 or bfloat16, got ", q_dtype);
  TORCH_CHECK(k.scalar_type() == q_dtype, "k: dtype must equal q's (", q_dtype, "), got ",
              k.scalar_type());
  TORCH_CHECK(v.scalar_type() == q_dtype, "v: dtype must equal q's (", q_dtype, "), got ",
              v.scalar_type());

  TORCH_CHECK(k.device() == q.device(), "k: must be on q's device (", q.device(), "), got ",
              k.device());
  TORCH_CHECK(v.device() == q.device(), "v: must be on q's device (", q.device(), "), got ",
              v.device());

  check_4d(q, "q");
  check_4d(k, "k");
  check_4d(v, "v");
  TORCH_CHECK(q.stride(-1) == 1, "q: last dimension must be contiguous (stride 1), got stride ",
              q.stride(-1));
  TORCH_CHECK(k.stride(-1) == 1, "k: last dimension must be contiguous (stride 1), got stride ",
              k.stride(-1));
  TORCH_CHECK(v.stride(-1) == 1, "v: last dimension must be contiguous (stride 1), got stride ",
              v.stride(-1));

  AttentionShape shape;
  shape.batch = q.size(0);
  shape.seqlen_q = q.size(1);
  shape.num_heads = q.size(2);
  shape.head_dim = q.size(3);
  shape.seqlen_k = k.size(1);
  shape.num_heads_k = k.size(2);

  TORCH_CHECK(shape.batch > 0, "q: batch size must be positive, got ", shape.batch);
  TORCH_CHECK(shape.head_dim <= 256, "q: head_dim must be at most 256, got ", shape.head_dim);
  TORCH_CHECK(shape.num_heads_k > 0 && shape.num_heads % shape.num_heads_k == 0,
              "k: num_heads of q (", shape.num_heads,
              ") must be divisible by the number of key/value heads, got ", shape.num_heads_k);

  const std::array<int64_t, 4> expected_kv_sizes{shape.batch, shape.seqlen_k, shape.num_heads_k,
                                                 shape.head_dim};
  const at::IntArrayRef expected_kv(expected_kv_sizes);
  TORCH_CHECK(k.sizes() == expected_kv, "k: shape must be (batch ", shape.batch,
              ", seqlen_k, num_heads_k, head_dim ", shape.head_dim, "), got ", k.sizes());
  TORCH_CHECK(v.sizes() == expected_kv, "v: shape must equal k's ", expected_kv, ", got ",
              v.sizes());
  TORCH_CHECK(shape.seqlen_q > 0 && shape.seqlen_k > 0, "q: seqlen must be positive, got q ",
              shape.seqlen_q, " and k ", shape.seqlen_k);
  return shape;
}

}  // namespace fa
