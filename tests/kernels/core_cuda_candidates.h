#pragma once
// Tile shapes the tuning bench (core_cuda_tune.cu) times against the shipped configuration, and
// the CPU emulator (core_cuda_emulator/) checks for correctness: a candidate must compute the
// same function before its time means anything. docs/kernel-notes.md has the outcomes.
#include <string>
#include <tuple>

#include "core/attention_fwd_traits.cuh"

namespace fa_tune {

// AttentionFwdTraits<head_dim, block_m, block_n, warps, min_blocks_per_sm, Element, sum_on_tc>
template <typename Element>
using HeadDim16Candidates = std::tuple<
    fa::AttentionFwdTraits<16, 128, 128, 8, 2, Element, false>,  // v1: 16 warps/SM
    fa::AttentionFwdTraits<16, 64, 64, 4, 6, Element, true>,     // v2 (shipped): 24 warps/SM
    fa::AttentionFwdTraits<16, 64, 64, 4, 6, Element, false>,    // v2 with row sums on FMA
    fa::AttentionFwdTraits<16, 64, 64, 4, 7, Element, true>,     // 28 warps/SM (72 registers)
    fa::AttentionFwdTraits<16, 64, 64, 2, 8, Element, true>,     // 32 rows per warp
    fa::AttentionFwdTraits<16, 64, 128, 4, 4, Element, true>>;   // long K/V tiles, 16 warps/SM

template <typename Element>
using HeadDim128Candidates = std::tuple<
    fa::AttentionFwdTraits<128, 128, 32, 4, 1, Element, false>,  // v1
    fa::AttentionFwdTraits<128, 128, 32, 4, 1, Element, true>,   // v1 tiles, row sums on TC
    fa::AttentionFwdTraits<128, 64, 32, 4, 3, Element, true>>;   // v2 (shipped): 12 warps/SM

// "128x64 w4 b2 tc": tile, warps, min CTAs per SM, where the row sums are computed.
template <typename Traits>
std::string candidate_name() {
  return std::to_string(Traits::kBlockM) + "x" + std::to_string(Traits::kBlockN) + " w" +
         std::to_string(Traits::kNWarps) + " b" + std::to_string(Traits::kMinBlocksPerSm) +
         (Traits::kSumOnTensorCores ? " tc" : " fma");
}

}  // namespace fa_tune
