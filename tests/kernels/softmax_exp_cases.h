#pragma once
// The cases that check the softmax-exponential candidates (SoftmaxExpCandidates in
// core_cuda_candidates.h) against float64, shared by the CPU emulator (`core_cuda_emulator exp`)
// and the GPU tuning bench (core_cuda_tune), so both see the same values: normal q, k, v drawn in
// (batch, seqlen, head, column) order, then rewritten for the adversarial kinds. Host code only.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "core/element_convert.h"

namespace fa_test {

// What q, k and v hold. kNormal: N(0, 1) everywhere. kDominantKey: each query row is 5 x one of
// the keys it sees, so that key's score stands ~20 logits above the rest (P ~ 1 for it, ~1e-4 or
// less for the others). kEqualKeys: every key of a head is the same vector, so every visible
// score of a row is equal (P = 1 everywhere, out = the mean of v). kRisingKeys: key j is
// (0.5 + j / seqlen_k) times key 0, so a row's scores rise (or fall) steadily along the keys and
// its max grows tile after tile, a little (lazy rescaling keeps the old max) or a lot.
enum class Inputs { kNormal, kDominantKey, kEqualKeys, kRisingKeys };

// One check: batch 1, head_dim 16 (the candidates' head_dim).
struct ExpCheckCase {
  int heads, heads_k, seqlen_q, seqlen_k;
  bool causal, bf16, strided;
  double scale;  // 0: 1 / sqrt(16)
  Inputs inputs;
};

// Random, GQA with a key tail and hidden causal rows, large logits (scale 30 and -60: logits of
// about +-120 and +-240), one dominant key per row, all keys equal with large logits, rising
// keys at the default scale and at scale 30.
inline std::vector<ExpCheckCase> softmax_exp_check_cases() {
  return {
      {2, 2, 300, 300, false, false, false, 0, Inputs::kNormal},
      {2, 1, 300, 300, true, true, false, 0, Inputs::kNormal},
      {2, 1, 130, 70, true, false, true, -0.3, Inputs::kNormal},
      {2, 2, 257, 257, true, false, false, 30, Inputs::kNormal},
      {2, 2, 150, 150, false, true, false, -60, Inputs::kNormal},
      {2, 2, 300, 300, true, false, false, 0, Inputs::kDominantKey},
      {2, 1, 300, 300, false, true, false, 0, Inputs::kDominantKey},
      {2, 2, 300, 300, false, false, false, 30, Inputs::kEqualKeys},
      {2, 1, 130, 70, true, true, false, 30, Inputs::kEqualKeys},
      {2, 2, 300, 300, true, false, false, 0, Inputs::kRisingKeys},
      {2, 1, 300, 300, false, true, false, 30, Inputs::kRisingKeys},
  };
}

// The seed of case i's values.
inline uint32_t exp_check_seed(size_t case_index) {
  return 777u + static_cast<uint32_t>(case_index);
}

inline uint16_t encode_element(float value, bool bf16) {
  return bf16 ? fa::float_to_bf16(value) : fa::float_to_half(value);
}
inline float decode_element(uint16_t bits, bool bf16) {
  return bf16 ? fa::bf16_to_float(bits) : fa::half_to_float(bits);
}

// bits[index(b, s, h, c)] = N(0, 1) for every logical element, in (b, s, h, c) order.
template <typename Index>
void fill_normal(std::vector<uint16_t>& bits, Index index, int batch, int seqlen, int heads,
                 int head_dim, bool bf16, std::mt19937& rng,
                 std::normal_distribution<float>& normal) {
  for (int b = 0; b < batch; ++b)
    for (int s = 0; s < seqlen; ++s)
      for (int h = 0; h < heads; ++h)
        for (int c = 0; c < head_dim; ++c)
          bits[index(b, s, h, c)] = encode_element(normal(rng), bf16);
}

// Rewrites normal q (kDominantKey) or k (kEqualKeys, kRisingKeys) into the adversarial kind. Rows
// of a causal case see keys j <= i + seqlen_k - seqlen_q (bottom-right), as the kernel does.
template <typename QIndex, typename KIndex>
void make_adversarial(Inputs kind, int batch, int heads, int heads_k, int seqlen_q, int seqlen_k,
                      int head_dim, bool causal, bool bf16, std::vector<uint16_t>& q,
                      QIndex q_index, std::vector<uint16_t>& k, KIndex k_index) {
  const int group = heads / heads_k;
  if (kind == Inputs::kDominantKey) {
    for (int b = 0; b < batch; ++b)
      for (int i = 0; i < seqlen_q; ++i)
        for (int h = 0; h < heads; ++h) {
          const int visible =
              causal ? std::min(std::max(i + seqlen_k - seqlen_q + 1, 0), seqlen_k) : seqlen_k;
          if (visible == 0) continue;
          const int j = static_cast<int>((i * 7919u + h * 104729u) % unsigned(visible));
          for (int c = 0; c < head_dim; ++c) {
            q[q_index(b, i, h, c)] =
                encode_element(5.f * decode_element(k[k_index(b, j, h / group, c)], bf16), bf16);
          }
        }
  } else if (kind == Inputs::kEqualKeys || kind == Inputs::kRisingKeys) {
    for (int b = 0; b < batch; ++b)
      for (int j = 1; j < seqlen_k; ++j)
        for (int h = 0; h < heads_k; ++h)
          for (int c = 0; c < head_dim; ++c) {
            const uint16_t first = k[k_index(b, 0, h, c)];
            const float factor = 0.5f + static_cast<float>(j) / static_cast<float>(seqlen_k);
            k[k_index(b, j, h, c)] =
                kind == Inputs::kEqualKeys
                    ? first
                    : encode_element(factor * decode_element(first, bf16), bf16);
          }
  }
}

}  // namespace fa_test
