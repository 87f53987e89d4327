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
using Shipped16 = fa::AttentionFwdTraits<16, 64, 64, 4, 6, Element, true>;

// The shipped d=16 tiles with other exponentials (issue 17; docs/kernel-notes.md has the
// predictions): packed 16-bit MUFU, and 1 or 2 of the 8 n8 tiles of S on the FMA pipe.
template <typename Element>
using Packed16 = fa::WithSoftmaxExp<Shipped16<Element>, fa::SoftmaxExp::kMufuPacked>;
template <typename Element>
using Poly16OneEighth = fa::WithSoftmaxExp<Shipped16<Element>, fa::SoftmaxExp::kSplitPoly, 1>;
template <typename Element>
using Poly16OneQuarter = fa::WithSoftmaxExp<Shipped16<Element>, fa::SoftmaxExp::kSplitPoly, 2>;
// The shipped d=16 tiles rescaling O only when a row's max grew by more than 2^8 (FA4).
template <typename Element>
using Lazy16 = fa::WithLazyRescale<Shipped16<Element>>;

template <typename Element>
using HeadDim16Candidates = std::tuple<
    fa::AttentionFwdTraits<16, 128, 128, 8, 2, Element, false>,  // v1: 16 warps/SM
    Shipped16<Element>,                                          // v2 (shipped): 24 warps/SM
    fa::AttentionFwdTraits<16, 64, 64, 4, 6, Element, false>,    // v2 with row sums on FMA
    fa::AttentionFwdTraits<16, 64, 64, 4, 7, Element, true>,     // 28 warps/SM (72 registers)
    fa::AttentionFwdTraits<16, 64, 64, 2, 8, Element, true>,     // 32 rows per warp
    fa::AttentionFwdTraits<16, 64, 128, 4, 4, Element, true>,    // long K/V tiles, 16 warps/SM
    Packed16<Element>, Poly16OneEighth<Element>, Poly16OneQuarter<Element>, Lazy16<Element>>;

// The candidates that change the softmax, for the accuracy checks on adversarial inputs
// (core_cuda_emulator exp, core_cuda_tune): the shipped kernel first, as the baseline.
template <typename Element>
using SoftmaxExpCandidates =
    std::tuple<Shipped16<Element>, Packed16<Element>, Poly16OneEighth<Element>,
               Poly16OneQuarter<Element>, Lazy16<Element>>;

template <typename Element>
using HeadDim128Candidates = std::tuple<
    fa::AttentionFwdTraits<128, 128, 32, 4, 1, Element, false>,  // v1
    fa::AttentionFwdTraits<128, 128, 32, 4, 1, Element, true>,   // v1 tiles, row sums on TC
    fa::AttentionFwdTraits<128, 64, 32, 4, 3, Element, true>>;   // v2 (shipped): 12 warps/SM

// "128x64 w4 b2 tc": tile, warps, min CTAs per SM, where the row sums are computed; then the
// exponentials where they are not the shipped fp32 MUFU: "ex2x2" (packed 16-bit) or "poly2/8"
// (2 of 8 n8 tiles by the polynomial); "lazy" for the rescaling skipped while the max holds.
template <typename Traits>
std::string candidate_name() {
  std::string name = std::to_string(Traits::kBlockM) + "x" + std::to_string(Traits::kBlockN) +
                     " w" + std::to_string(Traits::kNWarps) + " b" +
                     std::to_string(Traits::kMinBlocksPerSm) +
                     (Traits::kSumOnTensorCores ? " tc" : " fma");
  if constexpr (Traits::kSoftmaxExp == fa::SoftmaxExp::kMufuPacked) name += " ex2x2";
  if constexpr (Traits::kSoftmaxExp == fa::SoftmaxExp::kSplitPoly) {
    name += " poly" + std::to_string(Traits::kPolyNTiles) + "/" + std::to_string(Traits::kNTiles);
  }
  if constexpr (Traits::kLazyRescale) name += " lazy";
  return name;
}

}  // namespace fa_tune
