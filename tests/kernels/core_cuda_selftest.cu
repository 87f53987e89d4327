// Standalone check of the CUDA kernel core on a GPU: no torch, no gtest. Correctness of
// launch_attention_fwd against a float64 CPU reference over head_dims, seqlens, causal, GQA,
// strided layouts and both element types; the launcher's own validation; then kernel timings.
//
// Build from the repository root (sm_90; one command, shown over three lines), then run:
//   nvcc -std=c++17 -arch=sm_90 --expt-relaxed-constexpr -I kernels -o /tmp/core_cuda_selftest
//     tests/kernels/core_cuda_selftest.cu kernels/core/attention_fwd_cuda.cu
//     kernels/core/empty_kernel.cu
//   /tmp/core_cuda_selftest           # correctness, validation, timing
//   /tmp/core_cuda_selftest --no-timing
// Exit status 0 when every case is within tolerance (rel ||out - ref|| / ||ref|| and max |lse -
// ref| <= 5e-3 for fp16, 2e-2 for bf16), no NaN, nothing written outside the output, every
// expected validation error raised.
//
// Timing: "events" is a cudaEvent pair around N back-to-back launches through
// launch_attention_fwd (host launch cost can dominate for tiny grids), "graph" the same N launches
// captured in one CUDA graph (closer to the kernel's own duration). Median of repeats, in
// microseconds per launch. The harness's CUPTI kernel time is the authoritative number.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/attention_fwd_cuda.h"
#include "core/attention_params.h"
#include "core/cuda_check.h"
#include "core/element_convert.h"

namespace {

constexpr uint16_t kPoison = 0xffff;  // NaN in fp16 and bf16

// (batch, seqlen, heads, head_dim), unit last stride; `strided` leaves gaps after each head, row
// and batch (multiples of 8 elements), which must never be written.
struct Layout {
  int64_t batch_stride = 0, row_stride = 0, head_stride = 0;
  size_t elements = 0;
  int64_t at(int b, int s, int h, int c) const {
    return b * batch_stride + s * row_stride + h * head_stride + c;
  }
};

Layout make_layout(int batch, int seqlen, int heads, int head_dim, bool strided) {
  Layout l;
  l.head_stride = head_dim + (strided ? 8 : 0);
  l.row_stride = heads * l.head_stride + (strided ? 16 : 0);
  l.batch_stride = seqlen * l.row_stride + (strided ? 8 : 0);
  l.elements = static_cast<size_t>(batch) * l.batch_stride;
  return l;
}

class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t bytes) : bytes_(bytes) {
    FA_CUDA_CHECK(cudaMalloc(&pointer_, std::max<size_t>(bytes, 16)));
  }
  ~DeviceBuffer() { cudaFree(pointer_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void* get() const { return pointer_; }
  size_t bytes() const { return bytes_; }

 private:
  void* pointer_ = nullptr;
  size_t bytes_ = 0;
};

float decode(uint16_t bits, bool bf16) {
  return bf16 ? fa::bf16_to_float(bits) : fa::half_to_float(bits);
}
uint16_t encode(float value, bool bf16) {
  return bf16 ? fa::float_to_bf16(value) : fa::float_to_half(value);
}

struct Problem {
  int batch = 1, heads = 4, heads_k = 2, seqlen_q = 1, seqlen_k = 1, head_dim = 16;
  bool causal = false, bf16 = false, strided = false;
  double scale = 0;  // 0: 1 / sqrt(head_dim)
  double softmax_scale() const { return scale != 0 ? scale : 1.0 / std::sqrt(double(head_dim)); }
};

fa::AttentionParams make_params(const Problem& pr, const Layout& lq, const Layout& lk,
                                const Layout& lo, const void* q, const void* k, const void* v,
                                void* out, float* lse) {
  fa::AttentionParams p;
  p.q = q;
  p.k = k;
  p.v = v;
  p.out = out;
  p.softmax_lse = lse;
  p.q_batch_stride = lq.batch_stride;
  p.q_row_stride = lq.row_stride;
  p.q_head_stride = lq.head_stride;
  p.k_batch_stride = lk.batch_stride;
  p.k_row_stride = lk.row_stride;
  p.k_head_stride = lk.head_stride;
  p.v_batch_stride = lk.batch_stride;
  p.v_row_stride = lk.row_stride;
  p.v_head_stride = lk.head_stride;
  p.out_batch_stride = lo.batch_stride;
  p.out_row_stride = lo.row_stride;
  p.out_head_stride = lo.head_stride;
  p.batch = pr.batch;
  p.seqlen_q = pr.seqlen_q;
  p.seqlen_k = pr.seqlen_k;
  p.num_heads = pr.heads;
  p.num_heads_k = pr.heads_k;
  p.head_dim = pr.head_dim;
  p.softmax_scale = static_cast<float>(pr.softmax_scale());
  p.softmax_scale_log2 = static_cast<float>(pr.softmax_scale() * 1.4426950408889634);
  p.is_causal = pr.causal;
  p.element_type = pr.bf16 ? fa::ElementType::kBFloat16 : fa::ElementType::kFloat16;
  return p;
}

// Accumulates the float64 reference of one (batch, head) slice against the kernel's output.
struct Comparison {
  double err2 = 0, ref2 = 0, lse_err = 0;
  long bad = 0;  // NaN outputs, or a wrong lse of a row with no visible key
  void add_slice(const Problem& pr, int b, int h, const std::vector<uint16_t>& q,
                 const std::vector<uint16_t>& k, const std::vector<uint16_t>& v,
                 const std::vector<uint16_t>& out, const std::vector<float>& lse, const Layout& lq,
                 const Layout& lk, const Layout& lo) {
    const int hk = h / (pr.heads / pr.heads_k);
    const double scale = pr.softmax_scale();
    const int d = pr.head_dim;
    std::vector<double> kf(static_cast<size_t>(pr.seqlen_k) * d), vf(kf.size());
    for (int j = 0; j < pr.seqlen_k; ++j) {
      for (int c = 0; c < d; ++c) {
        kf[static_cast<size_t>(j) * d + c] = decode(k[lk.at(b, j, hk, c)], pr.bf16);
        vf[static_cast<size_t>(j) * d + c] = decode(v[lk.at(b, j, hk, c)], pr.bf16);
      }
    }
    std::vector<double> qf(d), scores(pr.seqlen_k), row(d);
    for (int i = 0; i < pr.seqlen_q; ++i) {
      for (int c = 0; c < d; ++c) qf[c] = decode(q[lq.at(b, i, h, c)], pr.bf16);
      const int visible =
          pr.causal ? std::clamp(i + pr.seqlen_k - pr.seqlen_q + 1, 0, pr.seqlen_k) : pr.seqlen_k;
      double mx = -INFINITY;
      for (int j = 0; j < visible; ++j) {
        double dot = 0;
        for (int c = 0; c < d; ++c) dot += qf[c] * kf[static_cast<size_t>(j) * d + c];
        scores[j] = dot * scale;
        mx = std::max(mx, scores[j]);
      }
      double sum = 0;
      std::fill(row.begin(), row.end(), 0.0);
      for (int j = 0; j < visible; ++j) {
        const double w = std::exp(scores[j] - mx);
        sum += w;
        for (int c = 0; c < d; ++c) row[c] += w * vf[static_cast<size_t>(j) * d + c];
      }
      const float got_lse = lse[(static_cast<size_t>(b) * pr.heads + h) * pr.seqlen_q + i];
      if (visible == 0) {
        if (!(std::isinf(got_lse) && got_lse > 0)) ++bad;
      } else if (std::isnan(got_lse)) {
        ++bad;
      } else {
        lse_err = std::max(lse_err, std::fabs(double(got_lse) - (mx + std::log(sum))));
      }
      for (int c = 0; c < d; ++c) {
        const double ref = visible == 0 ? 0.0 : row[c] / sum;
        const double got = decode(out[lo.at(b, i, h, c)], pr.bf16);
        if (std::isnan(got)) ++bad;
        err2 += (got - ref) * (got - ref);
        ref2 += ref * ref;
      }
    }
  }
  double rel() const { return ref2 > 0 ? std::sqrt(err2 / ref2) : std::sqrt(err2); }
};

template <typename T>
void download(std::vector<T>& host, const DeviceBuffer& device) {
  host.resize(device.bytes() / sizeof(T));
  FA_CUDA_CHECK(cudaMemcpy(host.data(), device.get(), device.bytes(), cudaMemcpyDeviceToHost));
}

bool run_correctness_case(const Problem& pr, std::mt19937& rng) {
  const Layout lq = make_layout(pr.batch, pr.seqlen_q, pr.heads, pr.head_dim, pr.strided);
  const Layout lk = make_layout(pr.batch, pr.seqlen_k, pr.heads_k, pr.head_dim, pr.strided);
  const Layout lo = lq;
  std::normal_distribution<float> normal(0.f, 1.f);
  auto random_tensor = [&](const Layout& l, int seqlen, int heads) {
    std::vector<uint16_t> t(l.elements, kPoison);
    for (int b = 0; b < pr.batch; ++b)
      for (int s = 0; s < seqlen; ++s)
        for (int h = 0; h < heads; ++h)
          for (int c = 0; c < pr.head_dim; ++c) t[l.at(b, s, h, c)] = encode(normal(rng), pr.bf16);
    return t;
  };
  const std::vector<uint16_t> q = random_tensor(lq, pr.seqlen_q, pr.heads);
  const std::vector<uint16_t> k = random_tensor(lk, pr.seqlen_k, pr.heads_k);
  const std::vector<uint16_t> v = random_tensor(lk, pr.seqlen_k, pr.heads_k);
  DeviceBuffer dq(q.size() * 2), dk(k.size() * 2), dv(v.size() * 2), dout(lo.elements * 2);
  const size_t lse_count = static_cast<size_t>(pr.batch) * pr.heads * pr.seqlen_q;
  DeviceBuffer dlse(lse_count * sizeof(float));
  FA_CUDA_CHECK(cudaMemcpy(dq.get(), q.data(), dq.bytes(), cudaMemcpyHostToDevice));
  FA_CUDA_CHECK(cudaMemcpy(dk.get(), k.data(), dk.bytes(), cudaMemcpyHostToDevice));
  FA_CUDA_CHECK(cudaMemcpy(dv.get(), v.data(), dv.bytes(), cudaMemcpyHostToDevice));
  FA_CUDA_CHECK(cudaMemset(dout.get(), 0xff, dout.bytes()));  // NaN poison, gaps included
  FA_CUDA_CHECK(cudaMemset(dlse.get(), 0xff, dlse.bytes()));  // NaN poison

  const fa::AttentionParams params = make_params(pr, lq, lk, lo, dq.get(), dk.get(), dv.get(),
                                                 dout.get(), static_cast<float*>(dlse.get()));
  fa::launch_attention_fwd(params, nullptr);
  FA_CUDA_CHECK(cudaDeviceSynchronize());

  std::vector<uint16_t> out;
  std::vector<float> lse;
  download(out, dout);
  download(lse, dlse);
  Comparison cmp;
  for (int b = 0; b < pr.batch; ++b) {
    for (int h = 0; h < pr.heads; ++h) cmp.add_slice(pr, b, h, q, k, v, out, lse, lq, lk, lo);
  }
  // Gaps between heads/rows/batches and columns past head_dim keep the poison.
  std::vector<char> logical(out.size(), 0);
  for (int b = 0; b < pr.batch; ++b)
    for (int i = 0; i < pr.seqlen_q; ++i)
      for (int h = 0; h < pr.heads; ++h)
        for (int c = 0; c < pr.head_dim; ++c) logical[lo.at(b, i, h, c)] = 1;
  long stray = 0;
  for (size_t e = 0; e < out.size(); ++e) stray += !logical[e] && out[e] != kPoison;

  const double tol = pr.bf16 ? 2e-2 : 5e-3;
  const bool ok = cmp.bad == 0 && stray == 0 && cmp.rel() <= tol && cmp.lse_err <= tol;
  std::printf(
      "%s %s b=%d h=%d/%d sq=%-3d sk=%-3d d=%-3d %-6s%s%s rel_err=%.3e max_lse_err=%.3e"
      "%s%s\n",
      ok ? "ok  " : "FAIL", pr.bf16 ? "bf16" : "fp16", pr.batch, pr.heads, pr.heads_k, pr.seqlen_q,
      pr.seqlen_k, pr.head_dim, pr.causal ? "causal" : "full", pr.strided ? " strided" : "",
      pr.scale < 0 ? " neg-scale" : "", cmp.rel(), cmp.lse_err,
      cmp.bad ? (" bad=" + std::to_string(cmp.bad)).c_str() : "",
      stray ? (" stray_writes=" + std::to_string(stray)).c_str() : "");
  std::fflush(stdout);
  return ok;
}

// The launcher's guard: each bad field must raise std::runtime_error naming it.
bool run_validation_checks() {
  DeviceBuffer buffer(1 << 16);
  float* lse = static_cast<float*>(buffer.get());
  Problem pr;
  pr.head_dim = 16;
  const Layout l = make_layout(1, 8, 4, 16, false);
  const Layout lk = make_layout(1, 8, 2, 16, false);
  struct Check {
    const char* expect;
    void (*mutate)(fa::AttentionParams&);
  };
  const Check checks[] = {
      {"head_dim", [](fa::AttentionParams& p) { p.head_dim = 20; }},
      {"head_dim", [](fa::AttentionParams& p) { p.head_dim = 264; }},
      {"batch", [](fa::AttentionParams& p) { p.batch = 0; }},
      {"seqlen_k", [](fa::AttentionParams& p) { p.seqlen_k = 0; }},
      {"num_heads", [](fa::AttentionParams& p) { p.num_heads_k = 3; }},
      {"q must be 16-byte aligned",
       [](fa::AttentionParams& p) { p.q = static_cast<const char*>(p.q) + 2; }},
      {"out must not be null", [](fa::AttentionParams& p) { p.out = nullptr; }},
      {"k_row_stride", [](fa::AttentionParams& p) { p.k_row_stride = 36; }},
      {"out_head_stride", [](fa::AttentionParams& p) { p.out_head_stride = 20; }},
      {"softmax_lse", [](fa::AttentionParams& p) { p.softmax_lse = nullptr; }},
      {"softmax_scale_log2",
       [](fa::AttentionParams& p) {
         p.softmax_scale_log2 = std::numeric_limits<float>::quiet_NaN();
       }},
  };
  bool all_ok = true;
  for (const Check& check : checks) {
    fa::AttentionParams p =
        make_params(pr, l, lk, l, buffer.get(), buffer.get(), buffer.get(), buffer.get(), lse);
    p.seqlen_q = p.seqlen_k = 8;
    check.mutate(p);
    std::string message = "(no exception)";
    try {
      fa::launch_attention_fwd(p, nullptr);
    } catch (const std::runtime_error& e) {
      message = e.what();
    }
    const bool ok = message.find(check.expect) != std::string::npos;
    all_ok = all_ok && ok;
    std::printf("%s validation '%s': %s\n", ok ? "ok  " : "FAIL", check.expect, message.c_str());
  }
  FA_CUDA_CHECK(cudaDeviceSynchronize());
  return all_ok;
}

__global__ void fill_random_kernel(uint16_t* data, size_t count, uint32_t seed, bool bf16) {
  for (size_t i = blockIdx.x * size_t{blockDim.x} + threadIdx.x; i < count;
       i += size_t{gridDim.x} * blockDim.x) {
    uint32_t x = static_cast<uint32_t>(i) * 2654435761u ^ seed;
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    const float value = (static_cast<float>(x >> 8) * (1.f / 16777216.f)) * 4.f - 2.f;
    data[i] = bf16 ? __bfloat16_as_ushort(__float2bfloat16_rn(value))
                   : __half_as_ushort(__float2half_rn(value));
  }
}

// Times one shape (contiguous, 16 heads) and spot-checks a few (batch, head) slices of its output.
bool run_timing_case(int batch, int seqlen, int head_dim, bool bf16) {
  Problem pr;
  pr.batch = batch;
  pr.heads = pr.heads_k = 16;
  pr.seqlen_q = pr.seqlen_k = seqlen;
  pr.head_dim = head_dim;
  pr.bf16 = bf16;
  const Layout l = make_layout(batch, seqlen, 16, head_dim, false);
  DeviceBuffer dq(l.elements * 2), dk(l.elements * 2), dv(l.elements * 2), dout(l.elements * 2);
  DeviceBuffer dlse(static_cast<size_t>(batch) * 16 * seqlen * sizeof(float));
  fill_random_kernel<<<1024, 256>>>(static_cast<uint16_t*>(dq.get()), l.elements, 1u, bf16);
  FA_CUDA_CHECK_LAUNCH();
  fill_random_kernel<<<1024, 256>>>(static_cast<uint16_t*>(dk.get()), l.elements, 2u, bf16);
  FA_CUDA_CHECK_LAUNCH();
  fill_random_kernel<<<1024, 256>>>(static_cast<uint16_t*>(dv.get()), l.elements, 3u, bf16);
  FA_CUDA_CHECK_LAUNCH();
  FA_CUDA_CHECK(cudaMemset(dout.get(), 0xff, dout.bytes()));
  FA_CUDA_CHECK(cudaMemset(dlse.get(), 0xff, dlse.bytes()));
  const fa::AttentionParams params = make_params(pr, l, l, l, dq.get(), dk.get(), dv.get(),
                                                 dout.get(), static_cast<float*>(dlse.get()));
  cudaStream_t stream;
  FA_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  for (int i = 0; i < 3; ++i) fa::launch_attention_fwd(params, stream);  // warm-up
  FA_CUDA_CHECK(cudaStreamSynchronize(stream));

  const int launches = static_cast<long>(batch) * seqlen < 20000 ? 200 : 20;
  const int repeats = 11;
  cudaEvent_t start, stop;
  FA_CUDA_CHECK(cudaEventCreate(&start));
  FA_CUDA_CHECK(cudaEventCreate(&stop));
  auto median_us = [&](auto&& body) {
    std::vector<float> samples;
    for (int r = 0; r < repeats; ++r) {
      FA_CUDA_CHECK(cudaEventRecord(start, stream));
      body();
      FA_CUDA_CHECK(cudaEventRecord(stop, stream));
      FA_CUDA_CHECK(cudaEventSynchronize(stop));
      float ms = 0;
      FA_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
      samples.push_back(ms * 1000.f / launches);
    }
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
  };
  const float events_us = median_us([&] {
    for (int i = 0; i < launches; ++i) fa::launch_attention_fwd(params, stream);
  });
  cudaGraph_t graph;
  cudaGraphExec_t graph_exec;
  FA_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  for (int i = 0; i < launches; ++i) fa::launch_attention_fwd(params, stream);
  FA_CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
  FA_CUDA_CHECK(cudaGraphInstantiate(&graph_exec, graph, 0));
  FA_CUDA_CHECK(cudaGraphLaunch(graph_exec, stream));  // warm-up
  const float graph_us = median_us([&] { FA_CUDA_CHECK(cudaGraphLaunch(graph_exec, stream)); });
  FA_CUDA_CHECK(cudaStreamSynchronize(stream));

  // Spot-check the output of the first, a middle and the last (batch, head).
  std::vector<uint16_t> q, k, v, out;
  std::vector<float> lse;
  download(q, dq);
  download(k, dk);
  download(v, dv);
  download(out, dout);
  download(lse, dlse);
  Comparison cmp;
  const int slices[3][2] = {{0, 0}, {batch / 2, 7}, {batch - 1, 15}};
  for (const auto& s : slices) cmp.add_slice(pr, s[0], s[1], q, k, v, out, lse, l, l, l);
  const double tol = bf16 ? 2e-2 : 5e-3;
  const bool ok = cmp.bad == 0 && cmp.rel() <= tol && cmp.lse_err <= tol;

  const double flops = 4.0 * batch * 16 * double(seqlen) * seqlen * head_dim;
  std::printf(
      "%s time %s b=%-3d s=%-3d h=16 d=%-3d: events %9.2f us  graph %9.2f us  "
      "(%.1f TFLOP/s at graph time; spot-check rel_err=%.2e lse_err=%.2e)\n",
      ok ? "ok  " : "FAIL", bf16 ? "bf16" : "fp16", batch, seqlen, head_dim, events_us, graph_us,
      flops / (graph_us * 1e-6) / 1e12, cmp.rel(), cmp.lse_err);
  std::fflush(stdout);
  FA_CUDA_CHECK(cudaGraphExecDestroy(graph_exec));
  FA_CUDA_CHECK(cudaGraphDestroy(graph));
  FA_CUDA_CHECK(cudaEventDestroy(start));
  FA_CUDA_CHECK(cudaEventDestroy(stop));
  FA_CUDA_CHECK(cudaStreamDestroy(stream));
  return ok;
}

int run(bool timing) {
  int device = 0;
  cudaDeviceProp prop;
  FA_CUDA_CHECK(cudaGetDevice(&device));
  FA_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  std::printf("device %d: %s, sm_%d%d, %d SMs\n", device, prop.name, prop.major, prop.minor,
              prop.multiProcessorCount);

  std::vector<Problem> problems;
  for (bool bf16 : {false, true}) {
    for (int d : {16, 24, 32, 64, 128, 256}) {
      for (int s : {1, 50, 150, 257, 300}) {
        for (bool causal : {false, true}) {
          Problem p;
          p.batch = 2;
          p.heads = 4;
          p.heads_k = 2;  // grouped-query
          p.seqlen_q = p.seqlen_k = s;
          p.head_dim = d;
          p.causal = causal;
          p.bf16 = bf16;
          p.strided = s == 150;
          problems.push_back(p);
        }
      }
    }
  }
  // seqlen_q != seqlen_k (causal is bottom-right aligned: with seqlen_q > seqlen_k the first rows
  // see no key), plain multi-head, head_dim 40, a single key, a negative scale.
  for (bool bf16 : {false, true}) {
    for (bool causal : {false, true}) {
      problems.push_back({2, 4, 2, 100, 257, 64, causal, bf16, false, 0});
      problems.push_back({2, 4, 2, 257, 100, 64, causal, bf16, true, 0});
      problems.push_back({1, 4, 4, 300, 77, 40, causal, bf16, false, 0});
      problems.push_back({3, 2, 1, 130, 1, 16, causal, bf16, false, 0});
      problems.push_back({1, 2, 2, 1, 300, 128, causal, bf16, false, 0});
      problems.push_back({1, 2, 2, 50, 70, 32, causal, bf16, false, -0.2});
    }
  }

  std::mt19937 rng(20261124);
  int failures = 0;
  for (const Problem& p : problems) failures += run_correctness_case(p, rng) ? 0 : 1;
  failures += run_validation_checks() ? 0 : 1;
  if (timing) {
    failures += run_timing_case(2, 50, 16, false) ? 0 : 1;
    failures += run_timing_case(32, 150, 16, false) ? 0 : 1;
    failures += run_timing_case(512, 300, 16, false) ? 0 : 1;
    for (bool bf16 : {false, true}) {
      failures += run_timing_case(512, 300, 64, bf16) ? 0 : 1;
      failures += run_timing_case(512, 300, 128, bf16) ? 0 : 1;
    }
  }
  std::printf("core_cuda_selftest: %s (%d failure%s)\n", failures == 0 ? "PASS" : "FAIL", failures,
              failures == 1 ? "" : "s");
  return failures == 0 ? 0 : 1;
}
}  // namespace

int main(int argc, char** argv) {
  const bool timing = !(argc > 1 && std::string(argv[1]) == "--no-timing");
  try {
    return run(timing);
  } catch (const std::exception& e) {
    std::printf("core_cuda_selftest: FAIL (exception: %s)\n", e.what());
    return 1;
  }
}
