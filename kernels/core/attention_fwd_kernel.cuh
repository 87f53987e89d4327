#pragma once
// FlashAttention-2 forward: one CTA per (query tile, head, batch). Each warp owns kWarpRows query
// rows; Q stays resident (registers or shared memory), K/V tiles stream through a two-stage
// cp.async pipeline, S = Q K^T and O += P V run on mma.sync m16n8k16 with fp32 accumulators, and
// the softmax is online (running max and sum per row in fp32, exp2 with log2(e) folded into the
// scale). P never leaves registers: the S accumulator layout is the A-operand layout of the
// second mma. O is normalised once at the end, staged in shared memory and stored in 16-byte
// rows; softmax_lse gets max * scale + log(sum) per row (natural log).
//
// Fragment layouts (lane = 4 * g + t): an A tile (16x16) is a0 = (row g, cols 2t, 2t+1),
// a1 = (row g+8, same cols), a2 = (row g, cols 2t+8, 2t+9), a3 = (row g+8, cols 2t+8, 2t+9);
// a B tile (16x8, k x n) is b0 = (k 2t, 2t+1; n g), b1 = (k 2t+8, 2t+9; n g); a C tile (16x8) is
// c0, c1 = (row g, cols 2t, 2t+1), c2, c3 = (row g+8, cols 2t, 2t+1). So each thread holds two
// rows of S (g and g+8) and a row's statistics are reduced over the 4 lanes of a quad.
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>

#include "core/attention_fwd_traits.cuh"
#include "core/attention_params.h"
#include "core/exp2_polynomial.cuh"
#include "core/warp_primitives.cuh"

namespace fa {
namespace attention_detail {

constexpr float kLn2 = 0.6931471805599453f;
// kLazyRescale's threshold, in log2 units: P may reach 2^8 = 256 before the max is moved on
// (fp16 and bf16 hold it; the row sums and O are fp32).
constexpr float kLazyRescaleLog2 = 8.f;

// Copies rows [row0, row0 + kRows) of a (seqlen, head_dim) slice at `gmem` (unit column stride)
// into shared memory at `smem` (rows of Traits::kRowBytes) with cp.async; rows >= seqlen and
// columns >= head_dim are zero-filled, never read. kThreads threads share the copy.
// Thread `thread` copies column chunk thread % kRowChunks of rows thread / kRowChunks + i * kStep:
// one running pointer, so no per-chunk 64-bit addresses stay live across the K/V loop.
template <typename Traits, int kRows, int kThreads>
__device__ __forceinline__ void copy_rows_async(const typename Traits::Element* gmem,
                                                int64_t row_stride, int row0, int seqlen,
                                                int head_dim, uint32_t smem, int thread) {
  constexpr int kRowChunks = Traits::kRowChunks;
  static_assert(kThreads % kRowChunks == 0, "every thread copies the same column chunk");
  constexpr int kStep = kThreads / kRowChunks;  // rows covered by one pass of the threads
  constexpr int kIters = (kRows + kStep - 1) / kStep;
  const int row = thread / kRowChunks;
  const int col = (thread % kRowChunks) * 8;
  const bool col_valid = col < head_dim;
  const typename Traits::Element* src = gmem + static_cast<int64_t>(row0 + row) * row_stride + col;
  const int64_t src_step = kStep * row_stride;
  const uint32_t dst = smem + row * Traits::kRowBytes + col * 2;
#pragma unroll
  for (int i = 0; i < kIters; ++i) {
    if (kRows % kStep == 0 || row + i * kStep < kRows) {
      const bool valid = col_valid && row0 + row + i * kStep < seqlen;
      ptx::cp_async_16(dst + i * kStep * Traits::kRowBytes, valid ? src : gmem, valid);
    }
    src += src_step;
  }
}

// This thread's share of the copy of every K/V tile: a running source pointer per tensor, moved
// on by one tile per copy, so the K/V loop does no 64-bit index arithmetic. Rows >= seqlen_k and
// columns >= head_dim are zero-filled (never read from global memory).
template <typename Traits>
class KvTileCopy {
 public:
  using Element = typename Traits::Element;

  __device__ __forceinline__ KvTileCopy(const AttentionParams& params, const Element* k,
                                        const Element* v, int thread)
      : row_(thread / kRowChunks),
        col_valid_((thread % kRowChunks) * 8 < params.head_dim),
        dst_(row_ * Traits::kRowBytes + (thread % kRowChunks) * 16),
        k_src_(k + row_ * params.k_row_stride + (thread % kRowChunks) * 8),
        v_src_(v + row_ * params.v_row_stride + (thread % kRowChunks) * 8) {}

  // Issues the copies of the tile starting at key n0 into smem_k / smem_v (one stage each).
  __device__ __forceinline__ void copy_next(const AttentionParams& params, int n0, uint32_t smem_k,
                                            uint32_t smem_v) {
#pragma unroll
    for (int i = 0; i < kIters; ++i) {
      if (Traits::kBlockN % kStep == 0 || row_ + i * kStep < Traits::kBlockN) {
        const bool valid = col_valid_ && n0 + row_ + i * kStep < params.seqlen_k;
        const uint32_t dst = dst_ + i * kStep * Traits::kRowBytes;
        ptx::cp_async_16(smem_k + dst, valid ? k_src_ + i * kStep * params.k_row_stride : params.k,
                         valid);
        ptx::cp_async_16(smem_v + dst, valid ? v_src_ + i * kStep * params.v_row_stride : params.v,
                         valid);
      }
    }
    k_src_ += Traits::kBlockN * params.k_row_stride;
    v_src_ += Traits::kBlockN * params.v_row_stride;
  }

 private:
  static constexpr int kRowChunks = Traits::kRowChunks;
  static_assert(Traits::kNThreads % kRowChunks == 0, "every thread copies the same column chunk");
  static constexpr int kStep = Traits::kNThreads / kRowChunks;  // rows per pass of the threads
  static constexpr int kIters = (Traits::kBlockN + kStep - 1) / kStep;
  int row_;  // first row of the tile this thread copies (then every kStep-th)
  bool col_valid_;
  uint32_t dst_;  // shared-memory byte offset of that row's chunk within a stage
  const Element* k_src_;
  const Element* v_src_;
};

// Per-warp state carried across K/V tiles.
template <typename Traits>
struct WarpAccumulators {
  // Running row sums of P. On the FMA pipe: [r] is this lane's partial sum of row g + 8r
  // (quad-reduced only at the end). On tensor cores: a C fragment of P times ones, so [2r] and
  // [2r + 1] both hold the full sum of row g + 8r.
  static constexpr int kSumRegs = Traits::kSumOnTensorCores ? 4 : 2;

  float o[Traits::kMTiles][Traits::kDTiles][4];  // unnormalised O, C-fragment layout
  float row_max[Traits::kMTiles][2];             // raw (unscaled) running max of rows g, g+8
  float row_sum[Traits::kMTiles][kSumRegs];
};

// Which keys of a K/V tile the rows of one warp see, for a tile that needs a mask. Both are
// warp-uniform (they live in uniform registers); a row's own limit adds its offset.
struct TileMask {
  int key_limit;   // keys n0 + col with col < key_limit exist (seqlen_k - n0)
  int diag_limit;  // causal: row warp_first_row + i sees col < diag_limit + i
};

// One K/V tile for one warp: S = Q K^T, mask (kMask), online softmax, O += P V.
// q_regs: Q fragments [k16 step][m tile] when Traits::kQInRegisters; else they are reloaded from
// shared memory at q_smem (this lane's ldmatrix address of the warp's first row).
// k_smem / v_smem: this lane's ldmatrix addresses inside the stage holding the tile.
// A masked tile runs the same straight-line code plus one select per score: skipping invisible
// 16-key chunks took a branch per chunk, and those small blocks cost more than the work saved.
template <typename Traits, bool kMask, bool kIsCausal>
__device__ __forceinline__ void attend_tile(
    const uint32_t (&q_regs)[Traits::kQInRegisters ? Traits::kQkSteps : 1][Traits::kMTiles][4],
    uint32_t q_smem, uint32_t q_sign, uint32_t k_smem, uint32_t v_smem, TileMask mask, int quad_row,
    int quad_col, float scale_log2, WarpAccumulators<Traits>& acc) {
  using Element = typename Traits::Element;
  using Mma = ptx::Mma16816<Element>;
  constexpr int kMTiles = Traits::kMTiles;
  constexpr int kNTiles = Traits::kNTiles;
  constexpr int kKeyChunks = Traits::kKeyChunks;
  constexpr int kRowBytes = Traits::kRowBytes;

  // ---- S = Q K^T (raw dot products, fp32) ----
  float s[kMTiles][kNTiles][4];
#pragma unroll
  for (int mt = 0; mt < kMTiles; ++mt) {
#pragma unroll
    for (int nt = 0; nt < kNTiles; ++nt) {
#pragma unroll
      for (int e = 0; e < 4; ++e) s[mt][nt][e] = 0.f;
    }
  }
  auto qk_step = [&](const uint32_t(&qa)[kMTiles][4], int ks) {
#pragma unroll
    for (int c = 0; c < kKeyChunks; ++c) {
      uint32_t kb[4];  // b0, b1 of n tile 2c, then b0, b1 of n tile 2c + 1
      ptx::ldmatrix_x4(kb, k_smem + c * 16 * kRowBytes + ks * 32);
#pragma unroll
      for (int mt = 0; mt < kMTiles; ++mt) {
        Mma::run(s[mt][2 * c], qa[mt], kb[0], kb[1]);
        Mma::run(s[mt][2 * c + 1], qa[mt], kb[2], kb[3]);
      }
    }
  };
#pragma unroll
  for (int ks = 0; ks < Traits::kQkSteps; ++ks) {
    if constexpr (Traits::kQInRegisters) {
      qk_step(q_regs[ks], ks);
    } else {
      uint32_t qa[kMTiles][4];
#pragma unroll
      for (int mt = 0; mt < kMTiles; ++mt) {
        ptx::ldmatrix_x4(qa[mt], q_smem + mt * 16 * kRowBytes + ks * 32);
#pragma unroll
        for (int e = 0; e < 4; ++e) qa[mt][e] ^= q_sign;
      }
      qk_step(qa, ks);
    }
  }

  // ---- mask: keys past seqlen_k, and (causal) past the diagonal ----
  if constexpr (kMask) {
#pragma unroll
    for (int mt = 0; mt < kMTiles; ++mt) {
#pragma unroll
      for (int r = 0; r < 2; ++r) {
        const int limit = kIsCausal
                              ? min(mask.key_limit, mask.diag_limit + mt * 16 + quad_row + 8 * r)
                              : mask.key_limit;
#pragma unroll
        for (int nt = 0; nt < kNTiles; ++nt) {
#pragma unroll
          for (int e = 0; e < 2; ++e) {
            if (nt * 8 + quad_col + e >= limit) s[mt][nt][2 * r + e] = -INFINITY;
          }
        }
      }
    }
  }

  // ---- online softmax: new max, rescale factor, P = exp2(S * scale - max * scale) ----
  constexpr SoftmaxExp kExp = Traits::kSoftmaxExp;
  // The running max of row g + 8r of m tile mt, this tile's scores included.
  auto new_row_max = [&](int mt, int r) {
    // Four independent max (and sum) chains per row keep the FMNMX latency off the path.
    float part[4];
#pragma unroll
    for (int j = 0; j < 4; ++j) part[j] = s[mt][j / 2][2 * r + j % 2];
#pragma unroll
    for (int nt = 2; nt < kNTiles; ++nt) {
      part[2 * (nt % 2)] = fmaxf(part[2 * (nt % 2)], s[mt][nt][2 * r]);
      part[2 * (nt % 2) + 1] = fmaxf(part[2 * (nt % 2) + 1], s[mt][nt][2 * r + 1]);
    }
    float row_max = fmaxf(fmaxf(part[0], part[1]), fmaxf(part[2], part[3]));
    row_max = fmaxf(row_max, __shfl_xor_sync(0xffffffffu, row_max, 1));
    row_max = fmaxf(row_max, __shfl_xor_sync(0xffffffffu, row_max, 2));
    return fmaxf(row_max, acc.row_max[mt][r]);
  };
  // The rest of the tile: P, the rescaling (`rescale`) and O += P V. lazy_max: with
  // kLazyRescale, the rows' new maxima (else unused: the maxima are computed here).
  // Called with a constant `rescale` at each call site and inlined, so each call is its own copy.
  auto softmax_and_pv = [&](const bool rescale, const float(&lazy_max)[kMTiles][2]) {
    // kMufuPacked keeps P as the 16-bit pairs the P V mma reads: [m tile][n tile][row g, g + 8].
    [[maybe_unused]] uint32_t p_pairs[kMTiles][kNTiles][kExp == SoftmaxExp::kMufuPacked ? 2 : 1];
#pragma unroll
    for (int mt = 0; mt < kMTiles; ++mt) {
#pragma unroll
      for (int r = 0; r < 2; ++r) {
        const float old_max = acc.row_max[mt][r];
        float row_max = old_max;
        if constexpr (Traits::kLazyRescale) {
          if (rescale) row_max = lazy_max[mt][r];
        } else {
          row_max = new_row_max(mt, r);
        }
        // A row with nothing visible yet keeps max -inf: subtract 0 so exp2(-inf) = 0, no NaN.
        const float max_scaled = row_max == -INFINITY ? 0.f : row_max * scale_log2;
        float alpha = 1.f;
        if (rescale) {
          alpha = old_max == -INFINITY ? 0.f : ptx::exp2_approx((old_max - row_max) * scale_log2);
          acc.row_max[mt][r] = row_max;
        }

        float sum[4] = {0.f, 0.f, 0.f, 0.f};
        if constexpr (kExp == SoftmaxExp::kMufuF32) {
#pragma unroll
          for (int nt = 0; nt < kNTiles; ++nt) {
#pragma unroll
            for (int e = 0; e < 2; ++e) {
              float& x = s[mt][nt][2 * r + e];
              x = ptx::exp2_approx(fmaf(x, scale_log2, -max_scaled));
              if constexpr (!Traits::kSumOnTensorCores) sum[2 * (nt % 2) + e] += x;
            }
          }
        } else if constexpr (kExp == SoftmaxExp::kMufuPacked) {
          // The argument is <= 0 (the max is subtracted in fp32 first), so its 16-bit rounding
          // cannot overflow and 2^x lies in [0, ~1]: safe in fp16 and bf16. Raw scores are not
          // (|q.k| may exceed 65504), which is why the max and the scaling stay in fp32.
#pragma unroll
          for (int nt = 0; nt < kNTiles; ++nt) {
            const float x0 = fmaf(s[mt][nt][2 * r], scale_log2, -max_scaled);
            const float x1 = fmaf(s[mt][nt][2 * r + 1], scale_log2, -max_scaled);
            p_pairs[mt][nt][r] = ptx::exp2_approx_x2<Element>(ptx::pack2<Element>(x0, x1));
          }
        } else {
          // kSplitPoly: n tile nt takes the polynomial when it is one of kPolyNTiles spread evenly
          // over the kNTiles (a compile-time choice once the loop is unrolled).
#pragma unroll
          for (int nt = 0; nt < kNTiles; ++nt) {
            constexpr int kPoly = Traits::kPolyNTiles;
            const bool on_fma = (nt + 1) * kPoly / kNTiles != nt * kPoly / kNTiles;
#pragma unroll
            for (int e = 0; e < 2; ++e) {
              float& x = s[mt][nt][2 * r + e];
              const float arg = fmaf(x, scale_log2, -max_scaled);
              x = on_fma ? exp2_polynomial(arg) : ptx::exp2_approx(arg);
              if constexpr (!Traits::kSumOnTensorCores) sum[2 * (nt % 2) + e] += x;
            }
          }
        }
        if constexpr (Traits::kSumOnTensorCores) {
          if (rescale) {
            acc.row_sum[mt][2 * r] *= alpha;  // this tile's P is added by the P V loop below
            acc.row_sum[mt][2 * r + 1] *= alpha;
          }
        } else {
          acc.row_sum[mt][r] =
              fmaf(acc.row_sum[mt][r], alpha, (sum[0] + sum[1]) + (sum[2] + sum[3]));
        }
        if (rescale) {
#pragma unroll
          for (int dt = 0; dt < Traits::kDTiles; ++dt) {
            acc.o[mt][dt][2 * r] *= alpha;
            acc.o[mt][dt][2 * r + 1] *= alpha;
          }
        }
      }
    }

    // ---- O += P V: P (fp16/bf16) straight from the S registers as the A operand ----
#pragma unroll
    for (int c = 0; c < kKeyChunks; ++c) {
      uint32_t pa[kMTiles][4];
#pragma unroll
      for (int mt = 0; mt < kMTiles; ++mt) {
        if constexpr (kExp == SoftmaxExp::kMufuPacked) {
          pa[mt][0] = p_pairs[mt][2 * c][0];
          pa[mt][1] = p_pairs[mt][2 * c][1];
          pa[mt][2] = p_pairs[mt][2 * c + 1][0];
          pa[mt][3] = p_pairs[mt][2 * c + 1][1];
        } else {
          pa[mt][0] = ptx::pack2<Element>(s[mt][2 * c][0], s[mt][2 * c][1]);
          pa[mt][1] = ptx::pack2<Element>(s[mt][2 * c][2], s[mt][2 * c][3]);
          pa[mt][2] = ptx::pack2<Element>(s[mt][2 * c + 1][0], s[mt][2 * c + 1][1]);
          pa[mt][3] = ptx::pack2<Element>(s[mt][2 * c + 1][2], s[mt][2 * c + 1][3]);
        }
      }
#pragma unroll
      for (int dp = 0; dp < Traits::kDTiles / 2; ++dp) {
        uint32_t vb[4];  // b0, b1 of d tile 2dp, then b0, b1 of d tile 2dp + 1
        ptx::ldmatrix_x4_trans(vb, v_smem + c * 16 * kRowBytes + dp * 32);
#pragma unroll
        for (int mt = 0; mt < kMTiles; ++mt) {
          Mma::run(acc.o[mt][2 * dp], pa[mt], vb[0], vb[1]);
          Mma::run(acc.o[mt][2 * dp + 1], pa[mt], vb[2], vb[3]);
        }
      }
      if constexpr (Traits::kSumOnTensorCores) {
        constexpr uint32_t kOnes = ptx::kOnePair<Element>;
#pragma unroll
        for (int mt = 0; mt < kMTiles; ++mt) Mma::run(acc.row_sum[mt], pa[mt], kOnes, kOnes);
      }
    }
  };
  float lazy_max[kMTiles][2];
  if constexpr (Traits::kLazyRescale) {
    // The warp keeps its rows' old maxima (no alpha, no rescaling of O and the sums) unless some
    // row's max grew by more than kLazyRescaleLog2 (so P stays below 2^that): a warp-uniform
    // branch between two copies of the rest of the tile. A row seeing its first keys (old max
    // -inf) counts as grown; -inf - -inf is NaN: not grown.
    bool grown = false;
#pragma unroll
    for (int mt = 0; mt < kMTiles; ++mt) {
#pragma unroll
      for (int r = 0; r < 2; ++r) {
        lazy_max[mt][r] = new_row_max(mt, r);
        grown = grown || (lazy_max[mt][r] - acc.row_max[mt][r]) * scale_log2 > kLazyRescaleLog2;
      }
    }
    if (__any_sync(0xffffffffu, grown)) {
      softmax_and_pv(true, lazy_max);
    } else {
      softmax_and_pv(false, lazy_max);
    }
  } else {
    softmax_and_pv(true, lazy_max);
  }
}

// Rows [m0, min(m0 + kBlockM, seqlen_q)) of a CTA whose rows see no key at all (causal with
// seqlen_q > seqlen_k): out = 0, lse = +inf.
template <typename Traits>
__device__ void write_fully_masked_rows(typename Traits::Element* out, int64_t out_row_stride,
                                        float* lse, int m0, int seqlen_q, int head_dim) {
  constexpr int kChunks = Traits::kBlockM * Traits::kRowChunks;
  for (int index = static_cast<int>(threadIdx.x); index < kChunks; index += Traits::kNThreads) {
    const int row = m0 + index / Traits::kRowChunks;
    const int col = (index % Traits::kRowChunks) * 8;
    if (row < seqlen_q && col < head_dim) {
      *reinterpret_cast<uint4*>(out + static_cast<int64_t>(row) * out_row_stride + col) =
          make_uint4(0u, 0u, 0u, 0u);
    }
  }
  for (int row = m0 + static_cast<int>(threadIdx.x); row < m0 + Traits::kBlockM;
       row += Traits::kNThreads) {
    if (row < seqlen_q) lse[row] = INFINITY;
  }
}

}  // namespace attention_detail

// grid (ceil(seqlen_q / kBlockM), num_heads, batch), block kNThreads, dynamic shared memory
// Traits::kSmemBytes. The launcher (attention_fwd_cuda.cu) has validated `params`.
template <typename Traits, bool kIsCausal>
__global__ void __launch_bounds__(Traits::kNThreads, Traits::kMinBlocksPerSm)
    attention_fwd_kernel(const AttentionParams params) {
  using Element = typename Traits::Element;
  using namespace attention_detail;
  constexpr int kBlockM = Traits::kBlockM;
  constexpr int kBlockN = Traits::kBlockN;
  constexpr int kMTiles = Traits::kMTiles;
  constexpr int kWarpRows = Traits::kWarpRows;
  constexpr int kRowBytes = Traits::kRowBytes;
  constexpr int kKvTileBytes = Traits::kKvTileElems * 2;

  extern __shared__ __align__(16) unsigned char smem[];
  const uint32_t smem_q = ptx::smem_address(smem);  // [kBlockM] rows; O is staged here at the end
  const uint32_t smem_k = smem_q + Traits::kQElems * 2;             // [kStages][kBlockN] rows
  const uint32_t smem_v = smem_k + Traits::kStages * kKvTileBytes;  // [kStages][kBlockN] rows

  const int m_block = blockIdx.x;
  const int head = blockIdx.y;
  const int batch = blockIdx.z;
  const int tid = threadIdx.x;
  const int warp = tid / 32;
  const int lane = tid % 32;
  const int quad_row = lane / 4;        // g: rows g and g + 8 of each m16 tile
  const int quad_col = 2 * (lane % 4);  // 2t: columns 2t, 2t + 1 of each n8 tile

  const int seqlen_q = params.seqlen_q;
  const int seqlen_k = params.seqlen_k;
  const int head_dim = params.head_dim;
  // Plain multi-head attention skips the two integer divisions (50 SASS instructions per warp).
  const int kv_head = params.num_heads == params.num_heads_k
                          ? head
                          : head / (params.num_heads / params.num_heads_k);
  const Element* q = static_cast<const Element*>(params.q) + batch * params.q_batch_stride +
                     head * params.q_head_stride;
  const Element* k = static_cast<const Element*>(params.k) + batch * params.k_batch_stride +
                     kv_head * params.k_head_stride;
  const Element* v = static_cast<const Element*>(params.v) + batch * params.v_batch_stride +
                     kv_head * params.v_head_stride;
  Element* out = static_cast<Element*>(params.out) + batch * params.out_batch_stride +
                 head * params.out_head_stride;
  float* lse = params.softmax_lse + (static_cast<int64_t>(batch) * params.num_heads + head) *
                                        static_cast<int64_t>(seqlen_q);

  // Key j is visible to query i iff j < seqlen_k and (causal) j <= i + diag (bottom-right).
  const int m0 = m_block * kBlockM;
  const int diag = seqlen_k - seqlen_q;
  const int rows_end = min(m0 + kBlockM, seqlen_q);
  const int key_end = kIsCausal ? min(seqlen_k, rows_end + diag) : seqlen_k;
  if (key_end <= 0) {
    write_fully_masked_rows<Traits>(out, params.out_row_stride, lse, m0, seqlen_q, head_dim);
    return;
  }
  const int n_tiles = (key_end + kBlockN - 1) / kBlockN;
  // Tiles below n_full need no mask: all their keys exist and are visible to the first row.
  const int full_keys = kIsCausal ? min(seqlen_k, m0 + diag + 1) : seqlen_k;
  const int n_full = max(full_keys, 0) / kBlockN;

  // Q: each warp copies its own rows (only it reads them), K/V tile 0 by the whole CTA.
  const int warp_row0 = warp * kWarpRows;  // within the CTA's tile
  const int warp_first_row = m0 + warp_row0;
  const bool warp_active = warp_first_row < seqlen_q;  // warp-uniform
  if (warp_active) {
    copy_rows_async<Traits, kWarpRows, 32>(q, params.q_row_stride, warp_first_row, seqlen_q,
                                           head_dim, smem_q + warp_row0 * kRowBytes, lane);
  }
  ptx::cp_async_commit();
  KvTileCopy<Traits> kv_copy(params, k, v, tid);
  kv_copy.copy_next(params, 0, smem_k, smem_v);
  ptx::cp_async_commit();

  // A negative scale is folded into Q's sign so the kernel works with |scale| (> 0, which the
  // masked -inf scores and the raw-max trick need).
  const uint32_t q_sign = params.softmax_scale_log2 < 0.f ? 0x80008000u : 0u;
  const float scale_log2 = fmaxf(fabsf(params.softmax_scale_log2), 1e-30f);

  // This lane's ldmatrix row addresses. A operand (Q) and V^T: matrix i = lane / 8 covers rows
  // 8 * (i % 2) and columns 8 * (i / 2) of a 16x16 block, so row lane % 16, column 8 * (lane / 16).
  // K (B operand of two n8 tiles): keys (lane % 8) + 8 * (lane / 16), columns 8 * ((lane / 8) % 2).
  const uint32_t a_lane = (lane % 16) * kRowBytes + (lane / 16) * 16;
  const uint32_t k_lane = ((lane % 8) + (lane / 16) * 8) * kRowBytes + ((lane / 8) % 2) * 16;
  const uint32_t q_smem = smem_q + warp_row0 * kRowBytes + a_lane;

  uint32_t q_regs[Traits::kQInRegisters ? Traits::kQkSteps : 1][kMTiles][4];
  if constexpr (Traits::kQInRegisters) {
    ptx::cp_async_wait<1>();  // this lane's Q copies landed
    __syncwarp();             // and every lane's are visible to the warp
    if (warp_active) {
#pragma unroll
      for (int ks = 0; ks < Traits::kQkSteps; ++ks) {
#pragma unroll
        for (int mt = 0; mt < kMTiles; ++mt) {
          ptx::ldmatrix_x4(q_regs[ks][mt], q_smem + mt * 16 * kRowBytes + ks * 32);
#pragma unroll
          for (int e = 0; e < 4; ++e) q_regs[ks][mt][e] ^= q_sign;
        }
      }
    }
  }

  WarpAccumulators<Traits> acc;
#pragma unroll
  for (int mt = 0; mt < kMTiles; ++mt) {
#pragma unroll
    for (int dt = 0; dt < Traits::kDTiles; ++dt) {
#pragma unroll
      for (int e = 0; e < 4; ++e) acc.o[mt][dt][e] = 0.f;
    }
#pragma unroll
    for (int r = 0; r < 2; ++r) acc.row_max[mt][r] = -INFINITY;
#pragma unroll
    for (int e = 0; e < WarpAccumulators<Traits>::kSumRegs; ++e) acc.row_sum[mt][e] = 0.f;
  }

  for (int it = 0; it < n_tiles; ++it) {
    ptx::cp_async_wait<0>();  // tile `it` (and Q) landed for this thread's copies
    __syncthreads();          // for everyone's; and every warp is done with tile it - 1
    if (it + 1 < n_tiles) {   // prefetch tile it + 1 into the stage tile it - 1 used
      const uint32_t stage = ((it + 1) & 1) * kKvTileBytes;
      kv_copy.copy_next(params, (it + 1) * kBlockN, smem_k + stage, smem_v + stage);
    }
    ptx::cp_async_commit();
    if (!warp_active) continue;

    const uint32_t stage = (it & 1) * kKvTileBytes;
    const uint32_t k_smem = smem_k + stage + k_lane;
    const uint32_t v_smem = smem_v + stage + a_lane;
    const int n0 = it * kBlockN;
    if (it < n_full) {
      attend_tile<Traits, false, kIsCausal>(q_regs, q_smem, q_sign, k_smem, v_smem, TileMask{},
                                            quad_row, quad_col, scale_log2, acc);
    } else {
      const TileMask mask{seqlen_k - n0, warp_first_row + diag + 1 - n0};
      attend_tile<Traits, true, kIsCausal>(q_regs, q_smem, q_sign, k_smem, v_smem, mask, quad_row,
                                           quad_col, scale_log2, acc);
    }
  }

  // ---- epilogue: normalise, stage O in this warp's Q rows, store 16-byte row chunks ----
  if (!warp_active) return;  // all its rows are past seqlen_q
  __syncwarp();              // every lane is done reading the warp's Q rows
#pragma unroll
  for (int mt = 0; mt < kMTiles; ++mt) {
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float sum = acc.row_sum[mt][Traits::kSumOnTensorCores ? 2 * r : r];
      if constexpr (!Traits::kSumOnTensorCores) {
        sum += __shfl_xor_sync(0xffffffffu, sum, 1);
        sum += __shfl_xor_sync(0xffffffffu, sum, 2);
      }
      // sum == 0 only when no key is visible to the row: out 0, lse +inf.
      // The approximate reciprocal and log2 (MUFU, relative error ~2^-22) are far below the
      // output's 16-bit rounding; the IEEE versions took a slow-path call per row.
      const float inv_sum = sum == 0.f ? 0.f : ptx::rcp_approx(sum);
      const int tile_row = warp_row0 + mt * 16 + quad_row + 8 * r;
      if (lane % 4 == 0 && m0 + tile_row < seqlen_q) {
        lse[m0 + tile_row] =
            sum == 0.f ? INFINITY
                       : fmaf(acc.row_max[mt][r], scale_log2, ptx::log2_approx(sum)) * kLn2;
      }
#pragma unroll
      for (int dt = 0; dt < Traits::kDTiles; ++dt) {
        const uint32_t packed =
            ptx::pack2<Element>(acc.o[mt][dt][2 * r] * inv_sum, acc.o[mt][dt][2 * r + 1] * inv_sum);
        *reinterpret_cast<uint32_t*>(smem + tile_row * kRowBytes + (dt * 8 + quad_col) * 2) =
            packed;
      }
    }
  }
  __syncwarp();
  constexpr int kChunks = kWarpRows * Traits::kRowChunks;
#pragma unroll
  for (int i = 0; i < (kChunks + 31) / 32; ++i) {
    const int index = lane + i * 32;
    const int row = index / Traits::kRowChunks;  // within the warp's rows
    const int col = (index % Traits::kRowChunks) * 8;
    if ((kChunks % 32 == 0 || index < kChunks) && warp_first_row + row < seqlen_q &&
        col < head_dim) {
      *reinterpret_cast<uint4*>(
          out + static_cast<int64_t>(warp_first_row + row) * params.out_row_stride + col) =
          *reinterpret_cast<const uint4*>(smem + (warp_row0 + row) * kRowBytes + col * 2);
    }
  }
}

}  // namespace fa
