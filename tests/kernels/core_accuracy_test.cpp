// The kernel core (CUDA and CPU backends) against a float64 reference, on fresh random inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <tuple>

#include "common/core_call.h"
#include "test_tensors.h"

namespace fa::testing {
namespace {

constexpr double kFp16Tolerance = 5e-3;
constexpr double kBf16Tolerance = 2e-2;
constexpr double kLseTolerance = 1e-2;

struct CoreResult {
  at::Tensor out, softmax_lse;
};

// Calls the core directly on outputs poisoned with NaN, so an element it never writes fails.
CoreResult run_core(const Qkv& qkv, double scale, bool causal) {
  const at::Tensor& q = qkv.q;
  at::Tensor out = at::full_like(q, std::numeric_limits<double>::quiet_NaN());
  at::Tensor lse =
      at::full({q.size(0), q.size(2), q.size(1)}, std::numeric_limits<double>::quiet_NaN(),
               q.options().dtype(at::kFloat));
  const AttentionParams params = make_attention_params(q, qkv.k, qkv.v, out, lse, scale, causal);
  const LaunchTarget target(q.device());
  launch_core(params, target);
  return {out, lse};
}

void expect_matches_reference(const QkvShape& shape, at::ScalarType dtype, bool causal,
                              const at::Device& device) {
  const uint64_t seed = fresh_seed();
  SCOPED_TRACE(describe(shape) + ", " + std::string(c10::toString(dtype)) +
               (causal ? ", causal" : ", not causal") + ", " + device.str() + ", " +
               seed_note(seed));
  const Qkv qkv = random_qkv(shape, dtype, device, seed);
  const double scale = 1.0 / std::sqrt(static_cast<double>(shape.head_dim));
  const CoreResult result = run_core(qkv, scale, causal);
  const Reference ref = reference_attention(qkv.q, qkv.k, qkv.v, scale, causal);
  const double tolerance = dtype == at::kHalf ? kFp16Tolerance : kBf16Tolerance;
  EXPECT_LT(relative_error(result.out, ref.out), tolerance);
  EXPECT_LT(max_lse_error(result.softmax_lse, ref.softmax_lse), kLseTolerance);
}

using CoreCase = std::tuple<at::ScalarType, int64_t /*head_dim*/, int64_t /*seqlen*/, bool>;

class CoreAccuracy : public ::testing::TestWithParam<CoreCase> {};

TEST_P(CoreAccuracy, MatchesFloat64Reference) {
  const auto [dtype, head_dim, seqlen, causal] = GetParam();
  QkvShape shape;
  shape.seqlen_q = shape.seqlen_k = seqlen;
  shape.head_dim = head_dim;
  for (const at::Device& device : test_devices()) {
    expect_matches_reference(shape, dtype, causal, device);
  }
}

std::string core_case_name(const ::testing::TestParamInfo<CoreCase>& info) {
  const auto [dtype, head_dim, seqlen, causal] = info.param;
  return std::string(dtype == at::kHalf ? "fp16" : "bf16") + "_d" + std::to_string(head_dim) +
         "_s" + std::to_string(seqlen) + (causal ? "_causal" : "");
}

INSTANTIATE_TEST_SUITE_P(Grid, CoreAccuracy,
                         ::testing::Combine(::testing::Values(at::kHalf, at::kBFloat16),
                                            ::testing::Values(16, 32, 64, 128),
                                            ::testing::Values(1, 50, 150, 257, 300),
                                            ::testing::Bool()),
                         core_case_name);

TEST(CoreAccuracyShapes, GroupedQueryAttention) {
  QkvShape shape;
  shape.heads = 8;
  shape.heads_k = 2;
  shape.seqlen_q = shape.seqlen_k = 150;
  shape.head_dim = 64;
  for (const at::Device& device : test_devices()) {
    expect_matches_reference(shape, at::kHalf, false, device);
    expect_matches_reference(shape, at::kHalf, true, device);
  }
}

TEST(CoreAccuracyShapes, DifferentQueryAndKeyLengths) {
  for (const auto& [seqlen_q, seqlen_k] : {std::pair<int64_t, int64_t>{50, 300}, {300, 50}}) {
    QkvShape shape;
    shape.seqlen_q = seqlen_q;
    shape.seqlen_k = seqlen_k;
    shape.head_dim = 32;
    for (const at::Device& device : test_devices()) {
      expect_matches_reference(shape, at::kBFloat16, false, device);
      expect_matches_reference(shape, at::kBFloat16, true, device);  // 300 > 50: hidden rows
    }
  }
}

TEST(CoreAccuracyShapes, LargeHeadDimAndPaddedHeadDim) {
  for (int64_t head_dim : {24, 40, 256}) {
    QkvShape shape;
    shape.seqlen_q = shape.seqlen_k = 130;
    shape.head_dim = head_dim;
    for (const at::Device& device : test_devices()) {
      expect_matches_reference(shape, at::kHalf, head_dim == 256, device);
    }
  }
}

TEST(CoreAccuracyShapes, StridedViewsWithoutCopies) {
  // (batch, heads, seqlen, d) memory viewed as (batch, seqlen, heads, d): unit last stride only.
  for (const at::Device& device : test_devices()) {
    const uint64_t seed = fresh_seed();
    SCOPED_TRACE(seed_note(seed) + ", " + device.str());
    QkvShape shape;
    shape.seqlen_q = shape.seqlen_k = 77;
    shape.head_dim = 64;
    Qkv qkv = random_qkv(shape, at::kHalf, device, seed);
    qkv.q = qkv.q.permute({0, 2, 1, 3}).contiguous().permute({0, 2, 1, 3});
    qkv.k = qkv.k.permute({0, 2, 1, 3}).contiguous().permute({0, 2, 1, 3});
    ASSERT_FALSE(qkv.q.is_contiguous());
    const double scale = 0.125;
    const CoreResult result = run_core(qkv, scale, false);
    const Reference ref = reference_attention(qkv.q, qkv.k, qkv.v, scale, false);
    EXPECT_LT(relative_error(result.out, ref.out), kFp16Tolerance);
  }
}

}  // namespace
}  // namespace fa::testing
