#pragma once
// Compile-time shape of one attention forward kernel instantiation: tile sizes, warp layout,
// fragment counts and the shared-memory layout. The per-head_dim choices are in
// AttentionFwdConfig below; docs/kernel-notes.md says why each was picked.
#include <cstddef>

namespace fa {

// How the online softmax computes its exponentials P = 2^(s * scale - max * scale). The shipped
// configurations use kMufuF32; the other two are tuning candidates (WithSoftmaxExp below).
enum class SoftmaxExp {
  kMufuF32,     // ex2.approx.ftz.f32 per score (MUFU.EX2), P rounded to fp16/bf16 afterwards
  kMufuPacked,  // argument in fp32, rounded to a 16-bit pair, ex2.approx.f16x2 / .bf16x2: P packed
  kSplitPoly,   // kPolyNTiles of the kNTiles n8 tiles on the FMA pipe (exp2_polynomial.cuh)
};

template <int kHeadDim_, int kBlockM_, int kBlockN_, int kNWarps_, int kMinBlocksPerSm_,
          typename Element_, bool kSumOnTensorCores_ = false>
struct AttentionFwdTraits {
  using Element = Element_;
  static constexpr int kHeadDim = kHeadDim_;  // padded head_dim (columns >= head_dim are zero)
  static constexpr int kBlockM = kBlockM_;    // query rows per CTA
  static constexpr int kBlockN = kBlockN_;    // keys per K/V tile
  static constexpr int kNWarps = kNWarps_;
  static constexpr int kNThreads = kNWarps * 32;
  static constexpr int kMinBlocksPerSm = kMinBlocksPerSm_;  // __launch_bounds__ hint
  // Row sums of P from one more mma per 16-key chunk (P times a column of ones) instead of one
  // FADD per score: worth it where the softmax, not the tensor cores, is the bottleneck (small
  // head_dim). The sum is then of the rounded P that O is made of.
  static constexpr bool kSumOnTensorCores = kSumOnTensorCores_;
  // Exponentials on MUFU in fp32: the shipped kernels. A static member, so a candidate that
  // changes it (WithSoftmaxExp) is a new type while these keep their names and code.
  static constexpr SoftmaxExp kSoftmaxExp = SoftmaxExp::kMufuF32;
  static constexpr int kPolyNTiles = 0;
  // Rescale O, the sums and the max after every tile (shipped); WithLazyRescale skips it while no
  // row's max grew much (attention_fwd_kernel.cuh, kLazyRescaleLog2).
  static constexpr bool kLazyRescale = false;

  // Each warp owns kWarpRows consecutive query rows: kMTiles mma tiles of 16 rows.
  static constexpr int kWarpRows = kBlockM / kNWarps;
  static constexpr int kMTiles = kWarpRows / 16;
  static constexpr int kNTiles = kBlockN / 8;      // n8 tiles of S per K/V tile
  static constexpr int kKeyChunks = kBlockN / 16;  // 16-key chunks: k16 steps of O += P V
  static constexpr int kQkSteps = kHeadDim / 16;   // k16 steps of S = Q K^T
  static constexpr int kDTiles = kHeadDim / 8;     // n8 tiles of O
  static constexpr int kRowChunks = kHeadDim / 8;  // 16-byte chunks per shared-memory row

  // Shared memory: rows of kHeadDim elements padded by 8 (16 bytes), so the 8 row addresses of
  // an ldmatrix (and the fragment stores of the epilogue) fall into 8 distinct 4-bank groups.
  static constexpr int kRowElems = kHeadDim + 8;
  static constexpr int kRowBytes = kRowElems * 2;
  static constexpr int kStages = 2;  // K/V tiles in flight: tile n+1 loads while n computes
  static constexpr int kQElems = kBlockM * kRowElems;
  static constexpr int kKvTileElems = kBlockN * kRowElems;
  static constexpr size_t kSmemBytes =
      static_cast<size_t>(kQElems + 2 * kStages * kKvTileElems) * sizeof(Element);

  // Q fragments stay in registers for the whole K/V loop when they are few; else each tile
  // reloads them from shared memory (head_dim 128 and 256 need the registers for O).
  static constexpr bool kQInRegisters = kMTiles * kHeadDim <= 128;

  static_assert(sizeof(Element) == 2, "fp16 or bf16 elements");
  static_assert(kHeadDim % 16 == 0 && kHeadDim >= 16 && kHeadDim <= 256, "head_dim tile");
  static_assert(kBlockM % (16 * kNWarps) == 0, "each warp owns whole 16-row mma tiles");
  static_assert(kBlockN % 16 == 0, "K/V tiles are whole 16-key chunks");
  static_assert(kDTiles % 2 == 0 && kNTiles % 2 == 0, "ldmatrix.x4 loads n8 tiles in pairs");
};

// A tuning candidate: the tile shape of `Base` with another way of computing the exponentials.
// kPolyNTiles_: with kSplitPoly, how many of the kNTiles n8 tiles of S take the polynomial.
template <typename Base, SoftmaxExp kSoftmaxExp_, int kPolyNTiles_ = 0>
struct WithSoftmaxExp : Base {
  static constexpr SoftmaxExp kSoftmaxExp = kSoftmaxExp_;
  static constexpr int kPolyNTiles = kPolyNTiles_;
  // The packed P goes straight into the P V mma, so its row sums must come from that mma too.
  static_assert(kSoftmaxExp_ != SoftmaxExp::kMufuPacked || Base::kSumOnTensorCores,
                "packed exponentials need the row sums on the tensor cores");
  static_assert(kSoftmaxExp_ == SoftmaxExp::kSplitPoly
                    ? kPolyNTiles_ > 0 && kPolyNTiles_ <= Base::kNTiles
                    : kPolyNTiles_ == 0,
                "kPolyNTiles: 1..kNTiles with kSplitPoly, else 0");
};

// A tuning candidate: `Base` with the rescaling after a tile skipped (a warp-uniform branch) while
// no row of the warp has its max grown by more than 2^8, as FlashAttention-4 does: saves the
// alpha exponentials and the FMULs of O and the sums in most tiles, for a compare per row, a vote
// and a branch.
template <typename Base>
struct WithLazyRescale : Base {
  static constexpr bool kLazyRescale = true;
  static_assert(Base::kSumOnTensorCores, "lazy rescaling is written for row sums on tensor cores");
};

// The tile configuration per padded head_dim (16, 32, 64, 128, 256).
template <int kHeadDim, typename Element>
struct AttentionFwdConfig;

// Registers per thread and spills of every instantiation are in docs/kernel-notes.md, and the
// measurements that chose these shapes (tests/kernels/core_cuda_tune.cu) in results/h200/tune/.
// Every head_dim takes its row sums from the tensor cores (one more mma per 16 keys instead of
// one FADD per score): 2-8% faster at head_dim 16 and 128 on the H200.
//
// head_dim 16: bound by issue slots and latency (the softmax's FMNMX, FFMA, MUFU.EX2 per score),
// not by tensor cores or memory. 64 x 64 tiles on 4 warps (16 rows each) fit in 80 registers, so
// six CTAs (24 warps) share an SM to hide the latencies; 64-row tiles waste few rows at short
// sequences (seq 50: one tile, every warp busy; seq 300: 304 of 320 rows). Faster than 128 x 128
// on 8 warps (16 warps/SM) by 1.4x at (512, 300) and 2.6x at (512, 50).
template <typename Element>
struct AttentionFwdConfig<16, Element> {
  using Traits = AttentionFwdTraits<16, 64, 64, 4, 6, Element, true>;
};
// head_dim 32 and 64: two m16 tiles per warp, so every K/V fragment read from shared memory feeds
// two mma and shared-memory traffic stays below the exponential and mma time; 4 warps, about 250
// registers, two CTAs per SM (flash-attn 2 uses 128 x 128 on 4 warps for these head_dims).
template <typename Element>
struct AttentionFwdConfig<32, Element> {
  using Traits = AttentionFwdTraits<32, 128, 128, 4, 1, Element, true>;
};
template <typename Element>
struct AttentionFwdConfig<64, Element> {
  using Traits = AttentionFwdTraits<64, 128, 64, 4, 2, Element, true>;
};
// head_dim 128: one m16 tile per warp keeps O at 64 registers and Q in registers; 64 x 32 tiles
// fit in 168 registers, so three CTAs (12 warps) share an SM. 1-11% faster (three tune runs) than
// v1's 128 x 32 tiles on 4 warps (32 rows per warp, one CTA per SM) at (512, 300) on the H200.
template <typename Element>
struct AttentionFwdConfig<128, Element> {
  using Traits = AttentionFwdTraits<128, 64, 32, 4, 3, Element, true>;
};
// head_dim 256: O alone takes 128 registers per thread: one m16 tile per warp, 64 x 32 tiles,
// about 100 KB of shared memory so two CTAs fit on an SM.
template <typename Element>
struct AttentionFwdConfig<256, Element> {
  using Traits = AttentionFwdTraits<256, 64, 32, 4, 2, Element, true>;
};

}  // namespace fa
