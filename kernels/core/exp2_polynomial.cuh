#pragma once
// 2^x on the FMA and integer pipes instead of the SFU, for the softmax's exponentials (x <= 0
// after the row max is subtracted): 2^x = 2^j * 2^f with j = round(x) and f = x - j in
// [-0.5, 0.5], 2^f by the cubic 1 + c1 f + c2 f^2 + c3 f^3 (minimax relative error 1.0e-4 =
// 2^-13.3 with p(0) = 1 exact, below the 2^-11 of the fp16 rounding P gets next), 2^j by adding j
// to the exponent bits: 8 instructions (FMNMX, 3 FADD, 3 FFMA, IMAD) for one MUFU.EX2.
// FlashAttention-4 splits its exponentials between MUFU and such a polynomial.
// Plain arithmetic, no PTX: the CPU emulator runs this source as it is.
#include <cstdint>

#include "core/warp_primitives.cuh"

namespace fa {

// For x <= ~1 (the softmax's arguments exceed 0 only by the rounding of the max), -inf included.
// x is clamped at -127 first, so j >= -127 keeps the exponent arithmetic from wrapping, and
// x <= -127 (a masked score: -inf) gives exactly +0, as ex2.approx does: p(0) = 1 exactly, whose
// bits 127 << 23 the 2^-127 takes away. A row that sees no key must sum to 0 (bf16 would keep a
// 2^-126). Between -127 and -126 the result is some value below 2^-126, which the fp16/bf16
// rounding of P makes 0 or leaves negligible.
__device__ __forceinline__ float exp2_polynomial(float x) {
  constexpr float kRound = 12582912.f;  // 1.5 * 2^23: x + kRound keeps round(x) in the low bits
  x = fmaxf(x, -127.f);
  const float shifted = x + kRound;
  const float j = shifted - kRound;  // round(x), exact
  const float f = x - j;             // [-0.5, 0.5], exact
  float p = fmaf(0.05500895157456398f, f, 0.2422110140323639f);
  p = fmaf(p, f, 0.6932829022407532f);
  p = fmaf(p, f, 1.f);
  // The low bits of `shifted` hold j in two's complement; shifted left by 23 they add j to p's
  // exponent (the bits of kRound itself shift out of the word).
  return ptx::bits_float(ptx::float_bits(p) + (ptx::float_bits(shifted) << 23));
}

}  // namespace fa
