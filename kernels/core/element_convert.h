#pragma once
// fp16 and bf16 <-> fp32 conversions for the CPU backend, bit-exact with the CUDA intrinsics
// (__float2half_rn, __float2bfloat16_rn: round to nearest even), without torch or CUDA headers.
#include <cstdint>
#include <cstring>

namespace fa {

inline float bits_to_float(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

inline uint32_t float_to_bits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

inline float bf16_to_float(uint16_t bf16) {
  return bits_to_float(uint32_t{bf16} << 16);
}

inline uint16_t float_to_bf16(float value) {
  const uint32_t bits = float_to_bits(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);  // NaN
  const uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

inline float half_to_float(uint16_t half) {
  const uint32_t sign = uint32_t{half & 0x8000u} << 16;
  const uint32_t exponent = (half >> 10) & 0x1fu;
  uint32_t mantissa = half & 0x3ffu;
  if (exponent == 0x1f) return bits_to_float(sign | 0x7f800000u | (mantissa << 13));  // inf, NaN
  if (exponent != 0) return bits_to_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
  if (mantissa == 0) return bits_to_float(sign);
  // Subnormal: normalise the mantissa.
  int shift = 0;
  while ((mantissa & 0x400u) == 0) {
    mantissa <<= 1;
    ++shift;
  }
  mantissa &= 0x3ffu;
  return bits_to_float(sign | (uint32_t(113 - shift) << 23) | (mantissa << 13));
}

inline uint16_t float_to_half(float value) {
  const uint32_t bits = float_to_bits(value);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) return sign | 0x7e00u;            // NaN
  if (magnitude >= 0x477ff000u) return sign | 0x7c00u;           // rounds to inf
  if (magnitude < 0x33000001u) return sign;                      // rounds to zero
  const int exponent = static_cast<int>(magnitude >> 23) - 127;  // unbiased
  if (exponent < -14) {
    // Subnormal half: value = m * 2^-24 with m < 1024; shift the 24-bit significand.
    const uint32_t significand = (magnitude & 0x7fffffu) | 0x800000u;
    const int shift = -exponent - 1;  // 14..24
    const uint32_t half_mantissa = significand >> shift;
    const uint32_t remainder = significand & ((1u << shift) - 1);
    const uint32_t halfway = 1u << (shift - 1);
    const uint32_t round_up =
        remainder > halfway || (remainder == halfway && (half_mantissa & 1u)) ? 1u : 0u;
    return static_cast<uint16_t>(sign | (half_mantissa + round_up));
  }
  const uint32_t rebased = magnitude - (112u << 23);  // exponent bias 127 -> 15
  const uint32_t remainder = rebased & 0x1fffu;
  uint32_t result = rebased >> 13;
  if (remainder > 0x1000u || (remainder == 0x1000u && (result & 1u))) ++result;
  return static_cast<uint16_t>(sign | result);
}

}  // namespace fa
