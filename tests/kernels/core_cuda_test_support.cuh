#pragma once
// What the CUDA core's standalone GPU programs share (core_cuda_selftest.cu checks correctness,
// core_cuda_tune.cu times tile shapes): tensor layouts, device buffers, AttentionParams for a
// problem, random device inputs and the float64 reference comparison. No torch, no gtest.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/attention_params.h"
#include "core/cuda_check.h"
#include "core/element_convert.h"

namespace fa_test {

constexpr uint16_t kPoison = 0xffff;  // NaN in fp16 and bf16

// (batch, seqlen, heads, head_dim), unit last stride; `strided` leaves gaps after each head, row
// and batch (multiples of 8 elements), which must never be written.
struct Layout {
  int64_t batch_stride = 0, row_stride = 0, head_stride = 0;
  size_t elements = 0;
  int64_t at(int b, int s, int h, int c) const {
    return b * batch_stride + s * row_stride + h * head_stride + c;
  }
};

inline Layout make_layout(int batch, int seqlen, int heads, int head_dim, bool strided) {
  Layout l;
  l.head_stride = head_dim + (strided ? 8 : 0);
  l.row_stride = heads * l.head_stride + (strided ? 16 : 0);
  l.batch_stride = seqlen * l.row_stride + (strided ? 8 : 0);
  l.elements = static_cast<size_t>(batch) * l.batch_stride;
  return l;
}

class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t bytes) : bytes_(bytes) {
    FA_CUDA_CHECK(cudaMalloc(&pointer_, std::max<size_t>(bytes, 16)));
  }
  ~DeviceBuffer() { cudaFree(pointer_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void* get() const { return pointer_; }
  size_t bytes() const { return bytes_; }

 private:
  void* pointer_ = nullptr;
  size_t bytes_ = 0;
};

inline float decode(uint16_t bits, bool bf16) {
  return bf16 ? fa::bf16_to_float(bits) : fa::half_to_float(bits);
}
inline uint16_t encode(float value, bool bf16) {
  return bf16 ? fa::float_to_bf16(value) : fa::float_to_half(value);
}

struct Problem {
  int batch = 1, heads = 4, heads_k = 2, seqlen_q = 1, seqlen_k = 1, head_dim = 16;
  bool causal = false, bf16 = false, strided = false;
  double scale = 0;  // 0: 1 / sqrt(head_dim)
  double softmax_scale() const { return scale != 0 ? scale : 1.0 / std::sqrt(double(head_dim)); }
};

inline fa::AttentionParams make_params(const Problem& pr, const Layout& lq, const Layout& lk,
                                       const Layout& lo, const void* q, const void* k,
                                       const void* v, void* out, float* lse) {
  fa::AttentionParams p;
  p.q = q;
  p.k = k;
  p.v = v;
  p.out = out;
  p.softmax_lse = lse;
  p.q_batch_stride = lq.batch_stride;
  p.q_row_stride = lq.row_stride;
  p.q_head_stride = lq.head_stride;
  p.k_batch_stride = lk.batch_stride;
  p.k_row_stride = lk.row_stride;
  p.k_head_stride = lk.head_stride;
  p.v_batch_stride = lk.batch_stride;
  p.v_row_stride = lk.row_stride;
  p.v_head_stride = lk.head_stride;
  p.out_batch_stride = lo.batch_stride;
  p.out_row_stride = lo.row_stride;
  p.out_head_stride = lo.head_stride;
  p.batch = pr.batch;
  p.seqlen_q = pr.seqlen_q;
  p.seqlen_k = pr.seqlen_k;
  p.num_heads = pr.heads;
  p.num_heads_k = pr.heads_k;
  p.head_dim = pr.head_dim;
  p.softmax_scale = static_cast<float>(pr.softmax_scale());
  p.softmax_scale_log2 = static_cast<float>(pr.softmax_scale() * 1.4426950408889634);
  p.is_causal = pr.causal;
  p.element_type = pr.bf16 ? fa::ElementType::kBFloat16 : fa::ElementType::kFloat16;
  return p;
}

// Accumulates the float64 reference of one (batch, head) slice against the kernel's output.
struct Comparison {
  double err2 = 0, ref2 = 0, lse_err = 0;
  long bad = 0;  // NaN outputs, or a wrong lse of a row with no visible key
  void add_slice(const Problem& pr, int b, int h, const std::vector<uint16_t>& q,
                 const std::vector<uint16_t>& k, const std::vector<uint16_t>& v,
                 const std::vector<uint16_t>& out, const std::vector<float>& lse, const Layout& lq,
                 const Layout& lk, const Layout& lo) {
    const int hk = h / (pr.heads / pr.heads_k);
    const double scale = pr.softmax_scale();
    const int d = pr.head_dim;
    std::vector<double> kf(static_cast<size_t>(pr.seqlen_k) * d), vf(kf.size());
    for (int j = 0; j < pr.seqlen_k; ++j) {
      for (int c = 0; c < d; ++c) {
        kf[static_cast<size_t>(j) * d + c] = decode(k[lk.at(b, j, hk, c)], pr.bf16);
        vf[static_cast<size_t>(j) * d + c] = decode(v[lk.at(b, j, hk, c)], pr.bf16);
      }
    }
    std::vector<double> qf(d), scores(pr.seqlen_k), row(d);
    for (int i = 0; i < pr.seqlen_q; ++i) {
      for (int c = 0; c < d; ++c) qf[c] = decode(q[lq.at(b, i, h, c)], pr.bf16);
      const int visible =
          pr.causal ? std::clamp(i + pr.seqlen_k - pr.seqlen_q + 1, 0, pr.seqlen_k) : pr.seqlen_k;
      double mx = -INFINITY;
      for (int j = 0; j < visible; ++j) {
        double dot = 0;
        for (int c = 0; c < d; ++c) dot += qf[c] * kf[static_cast<size_t>(j) * d + c];
        scores[j] = dot * scale;
        mx = std::max(mx, scores[j]);
      }
      double sum = 0;
      std::fill(row.begin(), row.end(), 0.0);
      for (int j = 0; j < visible; ++j) {
        const double w = std::exp(scores[j] - mx);
        sum += w;
        for (int c = 0; c < d; ++c) row[c] += w * vf[static_cast<size_t>(j) * d + c];
      }
      const float got_lse = lse[(static_cast<size_t>(b) * pr.heads + h) * pr.seqlen_q + i];
      if (visible == 0) {
        if (!(std::isinf(got_lse) && got_lse > 0)) ++bad;
      } else if (std::isnan(got_lse)) {
        ++bad;
      } else {
        lse_err = std::max(lse_err, std::fabs(double(got_lse) - (mx + std::log(sum))));
      }
      for (int c = 0; c < d; ++c) {
        const double ref = visible == 0 ? 0.0 : row[c] / sum;
        const double got = decode(out[lo.at(b, i, h, c)], pr.bf16);
        if (std::isnan(got)) ++bad;
        err2 += (got - ref) * (got - ref);
        ref2 += ref * ref;
      }
    }
  }
  double rel() const { return ref2 > 0 ? std::sqrt(err2 / ref2) : std::sqrt(err2); }
};

template <typename T>
void download(std::vector<T>& host, const DeviceBuffer& device) {
  host.resize(device.bytes() / sizeof(T));
  FA_CUDA_CHECK(cudaMemcpy(host.data(), device.get(), device.bytes(), cudaMemcpyDeviceToHost));
}

// Runs `launch` on outputs poisoned with NaN (so a position the kernel never writes is caught),
// waits for it, and downloads the output and the log-sum-exp.
template <typename Launch>
void run_on_poisoned_outputs(DeviceBuffer& dout, DeviceBuffer& dlse, Launch&& launch,
                             std::vector<uint16_t>& out, std::vector<float>& lse) {
  FA_CUDA_CHECK(cudaMemset(dout.get(), 0xff, dout.bytes()));
  FA_CUDA_CHECK(cudaMemset(dlse.get(), 0xff, dlse.bytes()));
  launch();
  FA_CUDA_CHECK(cudaDeviceSynchronize());
  download(out, dout);
  download(lse, dlse);
}

__global__ void fill_random_kernel(uint16_t* data, size_t count, uint32_t seed, bool bf16) {
  for (size_t i = blockIdx.x * size_t{blockDim.x} + threadIdx.x; i < count;
       i += size_t{gridDim.x} * blockDim.x) {
    uint32_t x = static_cast<uint32_t>(i) * 2654435761u ^ seed;
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    const float value = (static_cast<float>(x >> 8) * (1.f / 16777216.f)) * 4.f - 2.f;
    data[i] = bf16 ? __bfloat16_as_ushort(__float2bfloat16_rn(value))
                   : __half_as_ushort(__float2half_rn(value));
  }
}

}  // namespace fa_test
