// The CPU backend's own fp16/bf16 conversions against c10's, bit for bit.
#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>

#include "core/element_convert.h"

namespace fa {
namespace {

TEST(ElementConvert, HalfToFloatMatchesC10ForEveryBitPattern) {
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    const float expected =
        static_cast<float>(c10::Half(static_cast<uint16_t>(bits), c10::Half::from_bits()));
    const float actual = half_to_float(static_cast<uint16_t>(bits));
    if (std::isnan(expected)) {
      EXPECT_TRUE(std::isnan(actual)) << "bits 0x" << std::hex << bits;
    } else {
      EXPECT_EQ(float_to_bits(actual), float_to_bits(expected)) << "bits 0x" << std::hex << bits;
    }
  }
}

TEST(ElementConvert, FloatToHalfAndBf16RoundLikeC10) {
  std::mt19937 generator(std::random_device{}());
  std::uniform_int_distribution<uint32_t> any_bits;
  for (int i = 0; i < 1'000'000; ++i) {
    const float value = bits_to_float(any_bits(generator));
    if (std::isnan(value)) continue;
    ASSERT_EQ(float_to_half(value), c10::Half(value).x) << "value " << value;
    ASSERT_EQ(float_to_bf16(value), c10::BFloat16(value).x) << "value " << value;
  }
  // Ties, subnormals and the overflow edge, where rounding mistakes hide.
  for (float value : {65504.f, 65519.f, 65520.f, 5.9604645e-8f, 2.9802322e-8f, 2.9802326e-8f,
                      6.1035156e-5f, 1.0009766f, 1.0004883f, -0.f, 1e-30f}) {
    EXPECT_EQ(float_to_half(value), c10::Half(value).x) << "value " << value;
    EXPECT_EQ(float_to_bf16(value), c10::BFloat16(value).x) << "value " << value;
  }
}

}  // namespace
}  // namespace fa
