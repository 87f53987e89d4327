// Tile-shape tuning bench for the CUDA kernel core: times the candidate configurations of
// core_cuda_candidates.h against each other on the study's shapes, on a GPU, with no torch.
// Every candidate is first checked against a float64 reference (a wrong kernel's time is
// meaningless), and the softmax-exponential candidates also on the adversarial inputs of
// softmax_exp_cases.h (large logits, one dominant key, equal keys); then each repetition replays
// one CUDA graph of N launches per candidate, the candidates in a rotating order so that clock and
// thermal drift hit them alike. Prints the median and the spread (min, max) of the per-launch time
// over the repetitions, and writes them as CSV.
//
// Build from the repository root (sm_90), then run (it takes about a minute):
//   nvcc -std=c++17 -O3 -arch=sm_90 --expt-relaxed-constexpr -lineinfo -I kernels -I tests/kernels
//     -o /tmp/core_cuda_tune tests/kernels/core_cuda_tune.cu
//   /tmp/core_cuda_tune [out.csv]
//   /tmp/core_cuda_tune --profile   # one checked launch per head_dim 16 candidate at (512, 300):
//                                   # what Nsight Compute profiles (scripts/gpu-session.sh tune)
// The graph time includes the short gaps between launches inside a graph (the same for every
// candidate); fa-sweep's CUPTI kernel time is the authoritative number for the shipped kernel.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "core/attention_fwd_launch.cuh"
#include "core_cuda_candidates.h"
#include "core_cuda_test_support.cuh"
#include "softmax_exp_cases.h"

namespace {

using namespace fa_test;

struct Shape {
  int batch, seqlen;
};

struct Result {
  std::string shape, candidate;
  bool ok = false;
  double rel_err = 0, median_us = 0, min_us = 0, max_us = 0;
};

// One shape's inputs on the device, filled with fresh random values.
struct ShapeBuffers {
  Problem problem;
  Layout layout;
  DeviceBuffer q, k, v, out, lse;
  ShapeBuffers(const Problem& pr, const Layout& l)
      : problem(pr),
        layout(l),
        q(l.elements * 2),
        k(l.elements * 2),
        v(l.elements * 2),
        out(l.elements * 2),
        lse(static_cast<size_t>(pr.batch) * pr.heads * pr.seqlen_q * sizeof(float)) {}
  fa::AttentionParams params() const {
    return make_params(problem, layout, layout, layout, q.get(), k.get(), v.get(), out.get(),
                       static_cast<float*>(lse.get()));
  }
};

// Poisons the output, launches once and compares three (batch, head) slices with float64.
template <typename Traits>
double check_candidate(const ShapeBuffers& b, cudaStream_t stream, bool* ok) {
  FA_CUDA_CHECK(cudaMemsetAsync(b.out.get(), 0xff, b.out.bytes(), stream));
  FA_CUDA_CHECK(cudaMemsetAsync(b.lse.get(), 0xff, b.lse.bytes(), stream));
  fa::launch_attention_fwd_kernel<Traits, false>(b.params(), stream);
  FA_CUDA_CHECK(cudaStreamSynchronize(stream));
  std::vector<uint16_t> q, k, v, out;
  std::vector<float> lse;
  download(q, b.q);
  download(k, b.k);
  download(v, b.v);
  download(out, b.out);
  download(lse, b.lse);
  Comparison cmp;
  const Problem& pr = b.problem;
  const int slices[3][2] = {{0, 0}, {pr.batch / 2, pr.heads / 2}, {pr.batch - 1, pr.heads - 1}};
  for (const auto& s : slices) {
    cmp.add_slice(pr, s[0], s[1], q, k, v, out, lse, b.layout, b.layout, b.layout);
  }
  const double tol = pr.bf16 ? 2e-2 : 5e-3;
  *ok = cmp.bad == 0 && cmp.rel() <= tol && cmp.lse_err <= tol;
  return cmp.rel();
}

// The exponential candidates (SoftmaxExpCandidates: the shipped kernel first) on the cases of
// softmax_exp_cases.h, the values the CPU emulator's `exp` mode checks, on the real SFU: each
// must stay within the timed candidates' bounds. Prints one line per candidate and case; returns
// how many were outside.
template <typename Element, size_t... kIndex>
int check_softmax_exp_candidates(bool bf16, std::index_sequence<kIndex...>) {
  using Candidates = fa_tune::SoftmaxExpCandidates<Element>;
  const std::vector<fa_test::ExpCheckCase> cases = fa_test::softmax_exp_check_cases();
  int outside = 0;
  for (size_t c = 0; c < cases.size(); ++c) {
    const fa_test::ExpCheckCase& e = cases[c];
    if (e.bf16 != bf16) continue;
    Problem pr;
    pr.batch = 1;
    pr.heads = e.heads;
    pr.heads_k = e.heads_k;
    pr.seqlen_q = e.seqlen_q;
    pr.seqlen_k = e.seqlen_k;
    pr.head_dim = 16;
    pr.causal = e.causal;
    pr.bf16 = e.bf16;
    pr.strided = e.strided;
    pr.scale = e.scale;
    const Layout lq = make_layout(1, pr.seqlen_q, pr.heads, 16, pr.strided);
    const Layout lk = make_layout(1, pr.seqlen_k, pr.heads_k, 16, pr.strided);
    std::vector<uint16_t> q(lq.elements, kPoison), k(lk.elements, kPoison), v(lk.elements, kPoison);
    std::mt19937 rng(fa_test::exp_check_seed(c));
    std::normal_distribution<float> normal(0.f, 1.f);
    const auto q_at = [&lq](int b, int s, int h, int col) { return lq.at(b, s, h, col); };
    const auto k_at = [&lk](int b, int s, int h, int col) { return lk.at(b, s, h, col); };
    fa_test::fill_normal(q, q_at, 1, pr.seqlen_q, pr.heads, 16, pr.bf16, rng, normal);
    fa_test::fill_normal(k, k_at, 1, pr.seqlen_k, pr.heads_k, 16, pr.bf16, rng, normal);
    fa_test::fill_normal(v, k_at, 1, pr.seqlen_k, pr.heads_k, 16, pr.bf16, rng, normal);
    fa_test::make_adversarial(e.inputs, 1, pr.heads, pr.heads_k, pr.seqlen_q, pr.seqlen_k, 16,
                              pr.causal, pr.bf16, q, q_at, k, k_at);
    DeviceBuffer dq(q.size() * 2), dk(k.size() * 2), dv(v.size() * 2), dout(lq.elements * 2);
    DeviceBuffer dlse(static_cast<size_t>(pr.heads) * pr.seqlen_q * sizeof(float));
    FA_CUDA_CHECK(cudaMemcpy(dq.get(), q.data(), dq.bytes(), cudaMemcpyHostToDevice));
    FA_CUDA_CHECK(cudaMemcpy(dk.get(), k.data(), dk.bytes(), cudaMemcpyHostToDevice));
    FA_CUDA_CHECK(cudaMemcpy(dv.get(), v.data(), dv.bytes(), cudaMemcpyHostToDevice));
    const fa::AttentionParams params = make_params(pr, lq, lk, lq, dq.get(), dk.get(), dv.get(),
                                                   dout.get(), static_cast<float*>(dlse.get()));
    const char* kinds[] = {"normal", "dominant-key", "equal-keys", "rising-keys"};
    auto check = [&](auto traits) {
      using Traits = decltype(traits);
      std::vector<uint16_t> out;
      std::vector<float> lse;
      run_on_poisoned_outputs(
          dout, dlse,
          [&] {
            if (pr.causal) {
              fa::launch_attention_fwd_kernel<Traits, true>(params, nullptr);
            } else {
              fa::launch_attention_fwd_kernel<Traits, false>(params, nullptr);
            }
          },
          out, lse);
      Comparison cmp;
      for (int h = 0; h < pr.heads; ++h) cmp.add_slice(pr, 0, h, q, k, v, out, lse, lq, lk, lq);
      const double tol = pr.bf16 ? 2e-2 : 5e-3;
      const bool ok = cmp.bad == 0 && cmp.rel() <= tol && cmp.lse_err <= tol;
      outside += ok ? 0 : 1;
      std::printf(
          "%s exp check %-22s %s h%d/%d sq%d sk%d %s%s %s scale %.3f: rel %.2e lse %.2e "
          "bad %ld\n",
          ok ? "ok  " : "FAIL", fa_tune::candidate_name<Traits>().c_str(),
          pr.bf16 ? "bf16" : "fp16", pr.heads, pr.heads_k, pr.seqlen_q, pr.seqlen_k,
          pr.causal ? "causal" : "full", pr.strided ? " strided" : "",
          kinds[static_cast<int>(e.inputs)], pr.softmax_scale(), cmp.rel(), cmp.lse_err, cmp.bad);
    };
    (check(std::tuple_element_t<kIndex, Candidates>{}), ...);
  }
  std::fflush(stdout);
  return outside;
}

struct TimedGraph {
  cudaGraphExec_t exec = nullptr;
  std::vector<float> samples_us;
};

template <typename Traits>
TimedGraph capture_candidate(const ShapeBuffers& b, cudaStream_t stream, int launches) {
  const fa::AttentionParams params = b.params();
  for (int i = 0; i < 3; ++i) fa::launch_attention_fwd_kernel<Traits, false>(params, stream);
  cudaGraph_t graph;
  FA_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  for (int i = 0; i < launches; ++i) fa::launch_attention_fwd_kernel<Traits, false>(params, stream);
  FA_CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
  TimedGraph timed;
  FA_CUDA_CHECK(cudaGraphInstantiate(&timed.exec, graph, 0));
  FA_CUDA_CHECK(cudaGraphDestroy(graph));
  FA_CUDA_CHECK(cudaGraphLaunch(timed.exec, stream));  // warm-up
  FA_CUDA_CHECK(cudaStreamSynchronize(stream));
  return timed;
}

// With `profile_only`, every candidate is only checked (one launch each), not timed.
template <typename Candidates>
void tune_shape(int head_dim, bool bf16, Shape shape, bool profile_only,
                std::vector<Result>& results) {
  constexpr size_t kCount = std::tuple_size_v<Candidates>;
  Problem pr;
  pr.batch = shape.batch;
  pr.heads = pr.heads_k = 16;
  pr.seqlen_q = pr.seqlen_k = shape.seqlen;
  pr.head_dim = head_dim;
  pr.bf16 = bf16;
  ShapeBuffers buffers(pr, make_layout(pr.batch, pr.seqlen_q, pr.heads, head_dim, false));
  static uint32_t seed = 1;
  for (const DeviceBuffer* t : {&buffers.q, &buffers.k, &buffers.v}) {
    fill_random_kernel<<<1024, 256>>>(static_cast<uint16_t*>(t->get()), buffers.layout.elements,
                                      seed++, bf16);
    FA_CUDA_CHECK_LAUNCH();
  }
  // The candidates run on a non-blocking stream, which does not wait for the legacy stream's
  // fills: without this the first candidate's check could read q, k, v before they were written
  // (2026-12-03: 128x128 w8 b2 fma, the first candidate, rel_err 1.00 at the largest shape).
  FA_CUDA_CHECK(cudaDeviceSynchronize());
  cudaStream_t stream;
  FA_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  const std::string shape_name = "d" + std::to_string(head_dim) + (bf16 ? " bf16" : " fp16") +
                                 " b" + std::to_string(shape.batch) + " s" +
                                 std::to_string(shape.seqlen);
  const int launches = static_cast<long>(shape.batch) * shape.seqlen < 20000 ? 200 : 20;

  std::vector<Result> rows(kCount);
  std::vector<TimedGraph> graphs(kCount);
  size_t index = 0;
  auto prepare = [&](auto traits) {
    using Traits = decltype(traits);
    Result& row = rows[index];
    row.shape = shape_name;
    row.candidate = fa_tune::candidate_name<Traits>();
    row.rel_err = check_candidate<Traits>(buffers, stream, &row.ok);
    if (!profile_only) graphs[index] = capture_candidate<Traits>(buffers, stream, launches);
    ++index;
  };
  std::apply([&](auto... traits) { (prepare(traits), ...); }, Candidates{});
  if (profile_only) {
    for (const Result& r : rows) {
      std::printf("%-22s %-20s %-4s rel_err %.2e\n", r.shape.c_str(), r.candidate.c_str(),
                  r.ok ? "ok" : "FAIL", r.rel_err);
      results.push_back(r);
    }
    FA_CUDA_CHECK(cudaStreamDestroy(stream));
    return;
  }

  cudaEvent_t start, stop;
  FA_CUDA_CHECK(cudaEventCreate(&start));
  FA_CUDA_CHECK(cudaEventCreate(&stop));
  constexpr int kRepetitions = 15;
  for (int rep = 0; rep < kRepetitions; ++rep) {
    for (size_t i = 0; i < kCount; ++i) {
      TimedGraph& g = graphs[(i + rep) % kCount];  // rotate who goes first
      FA_CUDA_CHECK(cudaEventRecord(start, stream));
      FA_CUDA_CHECK(cudaGraphLaunch(g.exec, stream));
      FA_CUDA_CHECK(cudaEventRecord(stop, stream));
      FA_CUDA_CHECK(cudaEventSynchronize(stop));
      float ms = 0;
      FA_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
      g.samples_us.push_back(ms * 1000.f / launches);
    }
  }
  for (size_t i = 0; i < kCount; ++i) {
    std::vector<float>& s = graphs[i].samples_us;
    std::sort(s.begin(), s.end());
    rows[i].median_us = s[s.size() / 2];
    rows[i].min_us = s.front();
    rows[i].max_us = s.back();
    FA_CUDA_CHECK(cudaGraphExecDestroy(graphs[i].exec));
  }
  const double best =
      std::min_element(rows.begin(), rows.end(), [](const Result& a, const Result& b) {
        return a.median_us < b.median_us;
      })->median_us;
  for (const Result& r : rows) {
    std::printf("%-22s %-20s %-4s %9.2f us  [%9.2f, %9.2f]  x%.3f of best  rel_err %.2e\n",
                r.shape.c_str(), r.candidate.c_str(), r.ok ? "ok" : "FAIL", r.median_us, r.min_us,
                r.max_us, r.median_us / best, r.rel_err);
    results.push_back(r);
  }
  std::fflush(stdout);
  FA_CUDA_CHECK(cudaEventDestroy(start));
  FA_CUDA_CHECK(cudaEventDestroy(stop));
  FA_CUDA_CHECK(cudaStreamDestroy(stream));
}

int run(const char* csv_path, bool profile_only) {
  cudaDeviceProp prop;
  FA_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  std::printf(
      "device: %s, %d SMs; per-launch microseconds, median [min, max] of 15 graph replays\n",
      prop.name, prop.multiProcessorCount);
  std::vector<Result> results;
  int exp_outside = 0;
  if (!profile_only) {
    constexpr size_t kExpCandidates = std::tuple_size_v<fa_tune::SoftmaxExpCandidates<half>>;
    exp_outside +=
        check_softmax_exp_candidates<half>(false, std::make_index_sequence<kExpCandidates>());
    exp_outside += check_softmax_exp_candidates<__nv_bfloat16>(
        true, std::make_index_sequence<kExpCandidates>());
  }
  if (profile_only) {
    tune_shape<fa_tune::HeadDim16Candidates<half>>(16, false, Shape{512, 300}, true, results);
  } else {
    for (Shape s : {Shape{2, 50}, Shape{32, 150}, Shape{128, 50}, Shape{512, 50}, Shape{512, 150},
                    Shape{512, 300}}) {
      tune_shape<fa_tune::HeadDim16Candidates<half>>(16, false, s, false, results);
    }
    tune_shape<fa_tune::HeadDim16Candidates<__nv_bfloat16>>(16, true, Shape{512, 300}, false,
                                                            results);
    tune_shape<fa_tune::HeadDim128Candidates<half>>(128, false, Shape{512, 300}, false, results);
    tune_shape<fa_tune::HeadDim128Candidates<__nv_bfloat16>>(128, true, Shape{512, 300}, false,
                                                             results);
  }

  int failures = exp_outside;
  for (const Result& r : results) failures += r.ok ? 0 : 1;
  if (csv_path != nullptr) {
    FILE* f = std::fopen(csv_path, "w");
    if (f == nullptr) {
      std::printf("core_cuda_tune: cannot write %s\n", csv_path);
      return 2;
    }
    std::fprintf(f, "shape,candidate,ok,rel_err,median_us,min_us,max_us\n");
    for (const Result& r : results) {
      std::fprintf(f, "%s,%s,%d,%.3e,%.3f,%.3f,%.3f\n", r.shape.c_str(), r.candidate.c_str(), r.ok,
                   r.rel_err, r.median_us, r.min_us, r.max_us);
    }
    std::fclose(f);
  }
  std::printf("core_cuda_tune: %s (%d candidate%s or exp check%s failed the correctness check)\n",
              failures == 0 ? "PASS" : "FAIL", failures, failures == 1 ? "" : "s",
              failures == 1 ? "" : "s");
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string arg = argc > 1 ? argv[1] : "";
    if (arg == "--profile") return run(nullptr, true);
    return run(arg.empty() ? nullptr : argv[1], false);
  } catch (const std::exception& e) {
    std::printf("core_cuda_tune: FAIL (exception: %s)\n", e.what());
    return 1;
  }
}
