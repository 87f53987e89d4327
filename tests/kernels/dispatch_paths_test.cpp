// The two dispatch paths: padding, non-contiguous inputs, the registered op, and exact parity.
#include <ATen/core/dispatch/Dispatcher.h>
#include <gtest/gtest.h>

#include <cmath>

#include "test_tensors.h"
#include "v2_6_3/mha_fwd.h"
#include "v2_7_0/flash_attn_func.h"
#include "v2_7_0/flash_attn_op.h"
#include "variants.h"

namespace fa::testing {
namespace {

constexpr double kFp16Tolerance = 5e-3;

AttentionOutputs run_variant(const char* name, const Qkv& qkv, bool causal = false) {
  const Variant* variant = find_variant(name);
  EXPECT_NE(variant, nullptr) << name;
  return variant->forward(qkv.q, qkv.k, qkv.v, AttentionOptions{0.0, causal});
}

TEST(VariantRegistry, ListsBothPathsByName) {
  EXPECT_EQ(variant_names(), "v2.6.3, v2.7.0, sdpa-flash, sdpa-cudnn, sdpa-efficient");
  ASSERT_NE(find_variant("v2.6.3"), nullptr);
  ASSERT_NE(find_variant("v2.7.0"), nullptr);
  EXPECT_EQ(find_variant("v2.8.0"), nullptr);
}

TEST(DispatchPaths, PadHeadDimNotMultipleOfEight) {
  for (int64_t head_dim : {20, 25}) {
    for (const at::Device& device : test_devices()) {
      const uint64_t seed = fresh_seed();
      SCOPED_TRACE("head_dim " + std::to_string(head_dim) + ", " + device.str() + ", " +
                   seed_note(seed));
      QkvShape shape;
      shape.head_dim = head_dim;
      shape.seqlen_q = shape.seqlen_k = 90;
      const Qkv qkv = random_qkv(shape, at::kHalf, device, seed);
      const Reference ref =
          reference_attention(qkv.q, qkv.k, qkv.v, 1.0 / std::sqrt(double(head_dim)), false);
      for (const char* name : {"v2.6.3", "v2.7.0"}) {
        const AttentionOutputs result = run_variant(name, qkv);
        EXPECT_EQ(result.out.sizes(), qkv.q.sizes()) << name;
        EXPECT_LT(relative_error(result.out, ref.out), kFp16Tolerance) << name;
        EXPECT_LT(max_lse_error(result.softmax_lse, ref.softmax_lse), 1e-2) << name;
      }
    }
  }
}

TEST(DispatchPaths, V263ReturnsPaddedTensorsLikeFlashAttn) {
  QkvShape shape;
  shape.head_dim = 20;
  const Qkv qkv = random_qkv(shape, at::kHalf, at::kCPU, fresh_seed());
  c10::optional<at::Tensor> out;
  const std::vector<at::Tensor> outputs = fa263::mha_fwd(qkv.q, qkv.k, qkv.v, out, 0.2, false);
  ASSERT_EQ(outputs.size(), 8u);
  EXPECT_EQ(outputs[0].size(-1), 20);  // out, sliced
  EXPECT_EQ(outputs[1].size(-1), 24);  // q_padded
  EXPECT_EQ(outputs[4].size(-1), 24);  // out_padded
  EXPECT_FALSE(outputs[6].defined());  // p: only with return_softmax
  EXPECT_EQ(outputs[7].numel(), 2);    // rng_state
}

TEST(DispatchPaths, NonContiguousLastDim) {
  for (const at::Device& device : test_devices()) {
    const uint64_t seed = fresh_seed();
    SCOPED_TRACE(device.str() + ", " + seed_note(seed));
    QkvShape wide;
    wide.head_dim = 32;
    Qkv qkv = random_qkv(wide, at::kHalf, device, seed);
    // Every other element of the last dimension: stride(-1) == 2.
    qkv.q = qkv.q.slice(-1, 0, 32, 2);
    qkv.k = qkv.k.slice(-1, 0, 32, 2);
    qkv.v = qkv.v.slice(-1, 0, 32, 2);
    ASSERT_EQ(qkv.q.stride(-1), 2);

    // 2.7.0's host layer copies (maybe_contiguous) and computes the right answer.
    const AttentionOutputs result = run_variant("v2.7.0", qkv);
    const Reference ref = reference_attention(qkv.q, qkv.k, qkv.v, 0.25, false);
    EXPECT_LT(relative_error(result.out, ref.out), kFp16Tolerance);

    // 2.6.3's C++ entry rejects it, as flash-attn's CHECK on stride(-1) did.
    try {
      run_variant("v2.6.3", qkv);
      ADD_FAILURE() << "v2.6.3 accepted a strided last dimension";
    } catch (const c10::Error& error) {
      EXPECT_NE(std::string(error.what_without_backtrace())
                    .find("q: last dimension must be "
                          "contiguous"),
                std::string::npos)
          << error.what_without_backtrace();
    }
  }
}

TEST(DispatchPaths, BitwiseIdenticalOutputs) {
  for (const at::Device& device : test_devices()) {
    for (int64_t head_dim : {16, 20, 64}) {
      for (bool causal : {false, true}) {
        for (at::ScalarType dtype : {at::kHalf, at::kBFloat16}) {
          const uint64_t seed = fresh_seed();
          SCOPED_TRACE(device.str() + ", head_dim " + std::to_string(head_dim) +
                       (causal ? ", causal" : "") + ", " + seed_note(seed));
          QkvShape shape;
          shape.head_dim = head_dim;
          shape.seqlen_q = shape.seqlen_k = 150;
          const Qkv qkv = random_qkv(shape, dtype, device, seed);
          const AttentionOutputs a = run_variant("v2.6.3", qkv, causal);
          const AttentionOutputs b = run_variant("v2.7.0", qkv, causal);
          EXPECT_TRUE(at::equal(a.out, b.out));
          EXPECT_TRUE(at::equal(a.softmax_lse, b.softmax_lse));
        }
      }
    }
  }
}

TEST(RegisteredOp, HasCpuCudaAndMetaKernels) {
  const auto handle = c10::Dispatcher::singleton().findSchema({fa270::kOpName, ""});
  ASSERT_TRUE(handle.has_value()) << fa270::kOpName << " is not registered";
  EXPECT_TRUE(handle->hasKernelForDispatchKey(c10::DispatchKey::CPU));
  EXPECT_TRUE(handle->hasKernelForDispatchKey(c10::DispatchKey::CUDA));
  EXPECT_TRUE(handle->hasKernelForDispatchKey(c10::DispatchKey::Meta));
  EXPECT_TRUE(handle->hasKernelForDispatchKey(c10::DispatchKey::Autograd));
}

TEST(RegisteredOp, RefusesInputsThatRequireGrad) {
  Qkv qkv = random_qkv(QkvShape{}, at::kHalf, at::kCPU, fresh_seed());
  qkv.q.requires_grad_(true);
  try {
    find_variant("v2.7.0")->forward(qkv.q, qkv.k, qkv.v, AttentionOptions{});
    ADD_FAILURE() << "the op accepted q that requires grad";
  } catch (const c10::Error& error) {
    EXPECT_NE(std::string(error.what_without_backtrace()).find("must not require grad"),
              std::string::npos)
        << error.what_without_backtrace();
  }
}

auto typed_op() {
  return c10::Dispatcher::singleton()
      .findSchemaOrThrow(fa270::kOpName, "")
      .typed<fa270::FlashAttnForwardSignature>();
}

TEST(RegisteredOp, MetaKernelShapesOutputsWithoutData) {
  const auto options = at::TensorOptions().device(at::kMeta).dtype(at::kHalf);
  const at::Tensor q = at::empty({2, 50, 16, 16}, options);
  const auto [out, lse, p, rng_state] =
      typed_op().call(q, q, q, 0.0, 0.25, false, -1, -1, 0.0, c10::nullopt, false);
  EXPECT_TRUE(out.is_meta());
  EXPECT_EQ(out.sizes(), q.sizes());
  EXPECT_EQ(lse.sizes(), (at::IntArrayRef{2, 16, 50}));
  EXPECT_EQ(lse.scalar_type(), at::kFloat);
  EXPECT_EQ(p.numel(), 0);
  EXPECT_EQ(rng_state.numel(), 2);
}

TEST(RegisteredOp, RejectsHeadDimNotMultipleOfEight) {
  QkvShape shape;
  shape.head_dim = 20;
  const Qkv qkv = random_qkv(shape, at::kHalf, at::kCPU, fresh_seed());
  try {
    typed_op().call(qkv.q, qkv.k, qkv.v, 0.0, 0.25, false, -1, -1, 0.0, c10::nullopt, false);
    ADD_FAILURE() << "the op accepted head_dim 20";
  } catch (const c10::Error& error) {
    EXPECT_NE(std::string(error.what_without_backtrace())
                  .find("q: head_dim must be a multiple of 8, got 20"),
              std::string::npos)
        << error.what_without_backtrace();
  }
}

TEST(RegisteredOp, RejectsOptionsTheStandInDoesNotImplement) {
  const Qkv qkv = random_qkv(QkvShape{}, at::kHalf, at::kCPU, fresh_seed());
  EXPECT_THROW(
      typed_op().call(qkv.q, qkv.k, qkv.v, 0.1, 0.25, false, -1, -1, 0.0, c10::nullopt, false),
      c10::Error);
  EXPECT_THROW(
      typed_op().call(qkv.q, qkv.k, qkv.v, 0.0, 0.25, false, 64, 0, 0.0, c10::nullopt, false),
      c10::Error);
}

}  // namespace
}  // namespace fa::testing

namespace fa::testing {
namespace {

TEST(ReferenceVariants, SdpaBackendsMatchReferenceOrSayWhyNot) {
  for (const char* name : {"sdpa-flash", "sdpa-cudnn", "sdpa-efficient"}) {
    const Variant* variant = find_variant(name);
    ASSERT_NE(variant, nullptr) << name;
    const at::Device device = cuda_available() ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
    const std::string reason = variant->unavailable_reason(device);
    if (!reason.empty()) {
      EXPECT_FALSE(cuda_available() && device.is_cuda()) << name << ": " << reason;
      continue;
    }
    const uint64_t seed = fresh_seed();
    SCOPED_TRACE(std::string(name) + ", " + seed_note(seed));
    QkvShape shape;
    shape.seqlen_q = shape.seqlen_k = 150;
    const Qkv qkv = random_qkv(shape, at::kHalf, device, seed);
    const AttentionOutputs result = variant->forward(qkv.q, qkv.k, qkv.v, AttentionOptions{});
    const Reference ref = reference_attention(qkv.q, qkv.k, qkv.v, 0.25, false);
    EXPECT_LT(relative_error(result.out, ref.out), 5e-3);
  }
}

}  // namespace
}  // namespace fa::testing
