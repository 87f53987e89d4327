// Bad inputs through both paths: each error is a c10::Error naming the argument and the
// expected value.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "test_tensors.h"
#include "variants.h"

namespace fa::testing {
namespace {

class BadInputs : public ::testing::TestWithParam<const char*> {
 protected:
  // Runs the variant on (q, k, v) and expects an error whose message contains `expected`.
  void expect_error(const Qkv& qkv, const std::string& expected) {
    const Variant* variant = find_variant(GetParam());
    ASSERT_NE(variant, nullptr);
    try {
      variant->forward(qkv.q, qkv.k, qkv.v, AttentionOptions{});
      ADD_FAILURE() << GetParam() << " accepted inputs that should fail with: " << expected;
    } catch (const c10::Error& error) {
      const std::string message = error.what_without_backtrace();
      EXPECT_NE(message.find(expected), std::string::npos)
          << GetParam() << ": expected a message containing '" << expected << "', got '" << message
          << "'";
    }
  }

  Qkv valid(QkvShape shape = {}) { return random_qkv(shape, at::kHalf, at::kCPU, fresh_seed()); }
};

TEST_P(BadInputs, Fp32Input) {
  Qkv qkv = valid();
  qkv.q = qkv.q.to(at::kFloat);
  qkv.k = qkv.k.to(at::kFloat);
  qkv.v = qkv.v.to(at::kFloat);
  expect_error(qkv, "q: dtype must be float16 or bfloat16, got Float");
}

TEST_P(BadInputs, MixedDtypes) {
  Qkv qkv = valid();
  qkv.k = qkv.k.to(at::kBFloat16);
  expect_error(qkv, "k: dtype must equal q's (Half), got BFloat16");
}

TEST_P(BadInputs, DifferentDevices) {
  if (!cuda_available()) GTEST_SKIP() << "needs a CUDA GPU: q on the GPU, k on the CPU";
  Qkv qkv = valid();
  qkv.q = qkv.q.to(at::Device(at::kCUDA, 0));
  qkv.v = qkv.v.to(at::Device(at::kCUDA, 0));
  expect_error(qkv, "k: must be on q's device (cuda:0), got cpu");
}

TEST_P(BadInputs, ThreeDimensionalTensor) {
  Qkv qkv = valid();
  qkv.q = qkv.q.flatten(0, 1);
  expect_error(qkv, "q must be 4-D (batch, seqlen, heads, head_dim), got 3-D");
}

TEST_P(BadInputs, MismatchedBatch) {
  QkvShape other;
  other.batch = 3;
  Qkv qkv = valid();
  const Qkv wrong = valid(other);
  qkv.k = wrong.k;
  qkv.v = wrong.v;
  expect_error(qkv, "k: shape must be (batch 2, seqlen_k, num_heads_k, head_dim 16), got [3,");
}

TEST_P(BadInputs, MismatchedHeadDim) {
  QkvShape other;
  other.head_dim = 32;
  Qkv qkv = valid();
  qkv.k = valid(other).k;
  expect_error(qkv, "k: shape must be (batch 2, seqlen_k, num_heads_k, head_dim 16)");
}

TEST_P(BadInputs, MismatchedHeadsBetweenKAndV) {
  QkvShape other;
  other.heads = other.heads_k = 2;
  Qkv qkv = valid();
  qkv.v = valid(other).v;
  expect_error(qkv, "v: shape must equal k's [2, 50, 4, 16], got [2, 50, 2, 16]");
}

TEST_P(BadInputs, HeadDimAbove256) {
  QkvShape shape;
  shape.head_dim = 264;
  expect_error(valid(shape), "q: head_dim must be at most 256, got 264");
}

TEST_P(BadInputs, BatchZero) {
  QkvShape shape;
  shape.batch = 0;
  expect_error(valid(shape), "q: batch size must be positive, got 0");
}

TEST_P(BadInputs, HeadsNotDivisibleByKvHeads) {
  QkvShape shape;
  shape.heads = 16;
  shape.heads_k = 5;
  expect_error(valid(shape),
               "k: num_heads of q (16) must be divisible by the number of key/value heads, got 5");
}

INSTANTIATE_TEST_SUITE_P(BothPaths, BadInputs, ::testing::Values("v2.6.3", "v2.7.0"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return std::string(info.param == std::string("v2.6.3") ? "v263"
                                                                                  : "v270");
                         });

}  // namespace
}  // namespace fa::testing
