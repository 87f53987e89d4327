#pragma once
// Inputs and a float64 reference for the kernel tests.
#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fa::testing {

struct QkvShape {
  int64_t batch = 2;
  int64_t seqlen_q = 50;
  int64_t seqlen_k = 50;
  int64_t heads = 4;
  int64_t heads_k = 4;
  int64_t head_dim = 16;
};

struct Qkv {
  at::Tensor q, k, v;
};

// CPU always; CUDA when this process sees a GPU.
std::vector<at::Device> test_devices();
bool cuda_available();

// A fresh seed per call (std::random_device), so every run draws new inputs; tests print it
// (seed_note) in their failure messages. FA_TEST_SEED=<n> replays a failure: every call returns
// n then. Throws std::invalid_argument for an FA_TEST_SEED that is not a number.
uint64_t fresh_seed();
// "seed N (replay: FA_TEST_SEED=N)", for a test's SCOPED_TRACE.
std::string seed_note(uint64_t seed);

// Standard-normal q, k, v in (batch, seqlen, heads, head_dim), drawn on the CPU from `seed` and
// moved to `device`, so a failure reproduces on either device.
Qkv random_qkv(const QkvShape& shape, at::ScalarType dtype, const at::Device& device,
               uint64_t seed);

struct Reference {
  at::Tensor out;          // float64, (batch, seqlen_q, heads, head_dim)
  at::Tensor softmax_lse;  // float64, (batch, heads, seqlen_q)
};

// softmax(Q K^T * scale) V in float64 through at::matmul on upcast inputs; causal is
// bottom-right aligned, as the core's.
Reference reference_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                              double scale, bool causal);

// ||out - ref|| / ||ref||; +inf when out has a NaN or an infinity.
double relative_error(const at::Tensor& out, const at::Tensor& ref);

// The largest |lse - ref| over rows that see at least one key.
double max_lse_error(const at::Tensor& lse, const at::Tensor& ref);

std::string describe(const QkvShape& shape);

}  // namespace fa::testing
