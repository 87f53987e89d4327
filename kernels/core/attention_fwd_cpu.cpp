#include "attention_fwd_cpu.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "element_convert.h"

namespace fa {
namespace {

void check_params(const AttentionParams& p) {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("run_attention_fwd_cpu: " + what);
  };
  require(p.q && p.k && p.v && p.out && p.softmax_lse, "q, k, v, out and softmax_lse must be set");
  require(p.batch > 0 && p.seqlen_q > 0 && p.seqlen_k > 0, "batch and seqlens must be positive");
  require(p.head_dim > 0 && p.head_dim <= 256,
          "head_dim must be in [1, 256], got " + std::to_string(p.head_dim));
  require(p.num_heads > 0 && p.num_heads_k > 0 && p.num_heads % p.num_heads_k == 0,
          "num_heads must be a positive multiple of num_heads_k");
}

float load(const void* base, int64_t index, ElementType type) {
  const uint16_t bits = static_cast<const uint16_t*>(base)[index];
  return type == ElementType::kFloat16 ? half_to_float(bits) : bf16_to_float(bits);
}

void store(void* base, int64_t index, float value, ElementType type) {
  static_cast<uint16_t*>(base)[index] =
      type == ElementType::kFloat16 ? float_to_half(value) : float_to_bf16(value);
}

// One (batch, head): K and V rows are converted to fp32 once, then each query row runs a
// two-pass softmax (max, then exp and sums) in fp32.
void attention_one_head(const AttentionParams& p, int b, int h, std::vector<float>& k_rows,
                        std::vector<float>& v_rows, std::vector<float>& scores) {
  const int d = p.head_dim;
  const int h_k = h / (p.num_heads / p.num_heads_k);
  const ElementType type = p.element_type;
  k_rows.resize(static_cast<size_t>(p.seqlen_k) * d);
  v_rows.resize(static_cast<size_t>(p.seqlen_k) * d);
  scores.resize(p.seqlen_k);
  for (int j = 0; j < p.seqlen_k; ++j) {
    const int64_t k_base = b * p.k_batch_stride + j * p.k_row_stride + h_k * p.k_head_stride;
    const int64_t v_base = b * p.v_batch_stride + j * p.v_row_stride + h_k * p.v_head_stride;
    for (int c = 0; c < d; ++c) {
      k_rows[static_cast<size_t>(j) * d + c] = load(p.k, k_base + c, type);
      v_rows[static_cast<size_t>(j) * d + c] = load(p.v, v_base + c, type);
    }
  }
  std::vector<float> q_row(d), out_row(d);
  for (int i = 0; i < p.seqlen_q; ++i) {
    const int64_t q_base = b * p.q_batch_stride + i * p.q_row_stride + h * p.q_head_stride;
    const int64_t o_base = b * p.out_batch_stride + i * p.out_row_stride + h * p.out_head_stride;
    for (int c = 0; c < d; ++c) q_row[c] = load(p.q, q_base + c, type);
    // Keys visible to row i: all, or j <= i + seqlen_k - seqlen_q when causal (bottom-right).
    const int visible =
        p.is_causal ? std::clamp(i + p.seqlen_k - p.seqlen_q + 1, 0, p.seqlen_k) : p.seqlen_k;
    float* lse = p.softmax_lse + (static_cast<int64_t>(b) * p.num_heads + h) * p.seqlen_q + i;
    if (visible == 0) {
      for (int c = 0; c < d; ++c) store(p.out, o_base + c, 0.f, type);
      *lse = std::numeric_limits<float>::infinity();
      continue;
    }
    float row_max = -std::numeric_limits<float>::infinity();
    for (int j = 0; j < visible; ++j) {
      const float* k_row = &k_rows[static_cast<size_t>(j) * d];
      float dot = 0.f;
      for (int c = 0; c < d; ++c) dot += q_row[c] * k_row[c];
      scores[j] = dot * p.softmax_scale;
      row_max = std::max(row_max, scores[j]);
    }
    float row_sum = 0.f;
    std::fill(out_row.begin(), out_row.end(), 0.f);
    for (int j = 0; j < visible; ++j) {
      const float weight = std::exp(scores[j] - row_max);
      row_sum += weight;
      const float* v_row = &v_rows[static_cast<size_t>(j) * d];
      for (int c = 0; c < d; ++c) out_row[c] += weight * v_row[c];
    }
    for (int c = 0; c < d; ++c) store(p.out, o_base + c, out_row[c] / row_sum, type);
    *lse = row_max + std::log(row_sum);
  }
}

}  // namespace

void run_attention_fwd_cpu(const AttentionParams& params) {
  check_params(params);
  const int64_t heads_total = static_cast<int64_t>(params.batch) * params.num_heads;
  const double work =
      static_cast<double>(heads_total) * params.seqlen_q * params.seqlen_k * params.head_dim;
  // Threads cost tens of microseconds to start: small problems run on the caller's thread.
  const int64_t hardware = std::max(1u, std::thread::hardware_concurrency());
  const int64_t workers = work < 4e6 ? 1 : std::min(hardware, heads_total);

  auto run_range = [&params, heads_total, workers](int64_t worker) {
    std::vector<float> k_rows, v_rows, scores;
    for (int64_t bh = worker; bh < heads_total; bh += workers) {
      attention_one_head(params, static_cast<int>(bh / params.num_heads),
                         static_cast<int>(bh % params.num_heads), k_rows, v_rows, scores);
    }
  };
  if (workers == 1) {
    run_range(0);
    return;
  }
  std::vector<std::thread> threads;
  threads.reserve(workers - 1);
  for (int64_t w = 1; w < workers; ++w) threads.emplace_back(run_range, w);
  run_range(0);
  for (std::thread& t : threads) t.join();
}

}  // namespace fa
