// The CPU backend's own fp16/bf16 conversions against c10's, bit for bit.
#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <stdexcept>

#include "core/element_convert.h"
#include "test_tensors.h"

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
  const uint64_t seed = fa::testing::fresh_seed();
  SCOPED_TRACE(fa::testing::seed_note(seed));
  std::mt19937_64 generator(seed);
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

// FA_TEST_SEED replays a failure's seed: the inputs drawn from it are the same bits again.
TEST(TestSeeds, FaTestSeedReplaysASeed) {
  ::setenv("FA_TEST_SEED", "12345", 1);
  const uint64_t first = fa::testing::fresh_seed();
  const uint64_t second = fa::testing::fresh_seed();
  ::setenv("FA_TEST_SEED", "twelve", 1);
  EXPECT_THROW(fa::testing::fresh_seed(), std::invalid_argument);
  ::unsetenv("FA_TEST_SEED");
  EXPECT_EQ(first, 12345u);
  EXPECT_EQ(second, 12345u);
  EXPECT_EQ(fa::testing::seed_note(first), "seed 12345 (replay: FA_TEST_SEED=12345)");
  const fa::testing::QkvShape shape;
  const fa::testing::Qkv a = fa::testing::random_qkv(shape, at::kHalf, at::kCPU, first);
  const fa::testing::Qkv b = fa::testing::random_qkv(shape, at::kHalf, at::kCPU, second);
  EXPECT_TRUE(a.q.equal(b.q) && a.k.equal(b.k) && a.v.equal(b.v));
}

}  // namespace
}  // namespace fa
