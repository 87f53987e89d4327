#include "test_tensors.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

namespace fa::testing {

// hasCUDA() is true only when LibTorch has CUDA and the driver reports a device.
bool cuda_available() {
  return at::hasCUDA();
}

// FA_TEST_DEVICES=cuda leaves the CPU out: compute-sanitizer runs (scripts/gpu-session.sh
// sanitize-ctest) spend their time on the GPU cases.
std::vector<at::Device> test_devices() {
  const char* only = std::getenv("FA_TEST_DEVICES");
  const bool cuda_only = only != nullptr && std::string(only) == "cuda";
  std::vector<at::Device> devices;
  if (!cuda_only) devices.emplace_back(at::kCPU);
  if (cuda_available()) devices.emplace_back(at::kCUDA, 0);
  return devices;
}

uint64_t fresh_seed() {
  if (const char* replay = std::getenv("FA_TEST_SEED"); replay != nullptr && *replay) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long seed = std::strtoull(replay, &end, 10);
    if (*end != '\0' || errno != 0 || *replay == '-') {
      throw std::invalid_argument(std::string("FA_TEST_SEED: expected a seed (a number), got '") +
                                  replay + "'");
    }
    return seed;
  }
  std::random_device device;
  return (uint64_t{device()} << 32) ^ device();
}

std::string seed_note(uint64_t seed) {
  return "seed " + std::to_string(seed) + " (replay: FA_TEST_SEED=" + std::to_string(seed) + ")";
}

Qkv random_qkv(const QkvShape& s, at::ScalarType dtype, const at::Device& device, uint64_t seed) {
  at::Generator generator = at::detail::createCPUGenerator(seed);
  auto draw = [&](int64_t seqlen, int64_t heads) {
    return at::randn({s.batch, seqlen, heads, s.head_dim}, generator, at::kFloat).to(device, dtype);
  };
  Qkv qkv;
  qkv.q = draw(s.seqlen_q, s.heads);
  qkv.k = draw(s.seqlen_k, s.heads_k);
  qkv.v = draw(s.seqlen_k, s.heads_k);
  return qkv;
}

Reference reference_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                              double scale, bool causal) {
  // (batch, seqlen, heads, d) -> (batch, heads, seqlen, d) in float64 on the CPU.
  auto to_bhsd = [](const at::Tensor& t) {
    return t.to(at::kCPU, at::kDouble).permute({0, 2, 1, 3}).contiguous();
  };
  at::Tensor qd = to_bhsd(q), kd = to_bhsd(k), vd = to_bhsd(v);
  const int64_t group = qd.size(1) / kd.size(1);
  if (group > 1) {
    kd = kd.repeat_interleave(group, 1);
    vd = vd.repeat_interleave(group, 1);
  }
  at::Tensor scores = at::matmul(qd, kd.transpose(-2, -1)) * scale;
  const int64_t seqlen_q = qd.size(2), seqlen_k = kd.size(2);
  if (causal) {
    // Key j is hidden from query i when j > i + seqlen_k - seqlen_q.
    at::Tensor rows = at::arange(seqlen_q, at::kLong).unsqueeze(1);
    at::Tensor cols = at::arange(seqlen_k, at::kLong).unsqueeze(0);
    at::Tensor hidden = cols.gt(rows + (seqlen_k - seqlen_q));
    scores = scores.masked_fill(hidden, -std::numeric_limits<double>::infinity());
  }
  at::Tensor lse = at::logsumexp(scores, -1);
  at::Tensor probs = at::exp(scores - lse.unsqueeze(-1));
  probs = at::nan_to_num(probs, 0.0);  // rows with no visible key: exp(-inf - -inf)
  at::Tensor out = at::matmul(probs, vd).permute({0, 2, 1, 3}).contiguous();
  return {out, lse.masked_fill(lse.isneginf(), std::numeric_limits<double>::infinity())};
}

double relative_error(const at::Tensor& out, const at::Tensor& ref) {
  const at::Tensor out_d = out.to(at::kCPU, at::kDouble);
  if (!at::isfinite(out_d).all().item<bool>()) return std::numeric_limits<double>::infinity();
  const double norm = ref.norm().item<double>();
  return (out_d - ref).norm().item<double>() / (norm > 0 ? norm : 1.0);
}

double max_lse_error(const at::Tensor& lse, const at::Tensor& ref) {
  const at::Tensor lse_d = lse.to(at::kCPU, at::kDouble);
  const at::Tensor visible = at::isfinite(ref);
  if (!at::isfinite(lse_d.masked_select(visible)).all().item<bool>()) {
    return std::numeric_limits<double>::infinity();
  }
  if (!visible.any().item<bool>()) return 0.0;
  return (lse_d - ref).masked_select(visible).abs().max().item<double>();
}

std::string describe(const QkvShape& s) {
  std::ostringstream text;
  text << "batch " << s.batch << ", seqlen_q " << s.seqlen_q << ", seqlen_k " << s.seqlen_k
       << ", heads " << s.heads << "/" << s.heads_k << ", head_dim " << s.head_dim;
  return text.str();
}

}  // namespace fa::testing
