#pragma once
// Host stand-in for <cuda_runtime.h> when the kernel core's device code is compiled as plain C++
// by the emulator (core_cuda_emulator.cpp): every CUDA thread of a CTA runs as a fiber on one OS
// thread, and the warp-collective instructions (ldmatrix, mma, shfl) exchange values through
// per-warp slots between fiber barriers. Only what attention_fwd_kernel.cuh uses is here.
#include <ucontext.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__
#define __align__(n) __attribute__((aligned(n)))

struct uint3 {
  unsigned x, y, z;
};
struct dim3 {
  unsigned x = 1, y = 1, z = 1;
};
struct alignas(16) uint4 {
  unsigned x, y, z, w;
};
inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) {
  return {x, y, z, w};
}
struct half {
  uint16_t bits;
};
struct __nv_bfloat16 {
  uint16_t bits;
};

inline int min(int a, int b) {
  return a < b ? a : b;
}
inline int max(int a, int b) {
  return a > b ? a : b;
}

namespace emu {

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "emulator: %s\n", what);
  std::abort();
}

struct Fiber {
  ucontext_t context;
  std::vector<char> stack;
  bool done = false;
  unsigned thread = 0;
};

struct Scheduler {
  ucontext_t main;
  std::vector<Fiber> fibers;
  int current = -1;
  uint64_t progress = 0;  // barrier arrivals and finished fibers
};

inline Scheduler& scheduler() {
  static Scheduler s;
  return s;
}

inline void yield() {
  Scheduler& s = scheduler();
  swapcontext(&s.fibers[s.current].context, &s.main);
}

struct Barrier {
  int expected = 0;
  int count = 0;
  uint64_t generation = 0;
  void wait() {
    ++scheduler().progress;
    const uint64_t g = generation;
    if (++count == expected) {
      count = 0;
      ++generation;
      return;
    }
    while (generation == g) yield();
  }
};

struct WarpSlots {
  Barrier barrier{32};
  uint32_t u[32][8];
  float f[32][4];
};

struct CpAsync {
  uint32_t dst;
  const void* src;
  bool valid;
};

// Per-thread (per-fiber) cp.async state: committed groups not yet waited for.
struct ThreadState {
  std::vector<CpAsync> open;
  std::vector<std::vector<CpAsync>> groups;
};

struct Cta {
  Barrier barrier;
  std::vector<WarpSlots> warps;
  std::vector<ThreadState> threads;
  unsigned char* smem = nullptr;
  size_t smem_bytes = 0;
  // Global ranges a valid cp.async may read: [begin, end) byte ranges.
  std::vector<std::pair<const char*, const char*>> readable;
};

inline Cta& cta() {
  static Cta c;
  return c;
}

// The relative error the emulated ex2.approx.f16x2 / .bf16x2 gives each value, in units of the
// PTX ISA's bound: 0 (exact, then rounded), +-factor with a pseudo-random sign per value, or
// +factor for every value (a biased unit: the row sums do not cancel it from the lse).
struct Ex2PairError {
  enum class Mode { kNone, kRandomSign, kSameSign };
  Mode mode = Mode::kNone;
  double factor = 1.0;
  uint64_t state = 0x9e3779b97f4a7c15ull;
  double next() {
    if (mode == Mode::kNone) return 0.0;
    if (mode == Mode::kSameSign) return factor;
    state = state * 6364136223846793005ull + 1442695040888963407ull;  // LCG: high bit is the sign
    return (state >> 63) != 0 ? factor : -factor;
  }
};

inline Ex2PairError& ex2_pair_error() {
  static Ex2PairError e;
  return e;
}

}  // namespace emu

extern uint3 threadIdx;
extern uint3 blockIdx;
extern dim3 blockDim;
extern dim3 gridDim;

inline void __syncthreads() {
  emu::cta().barrier.wait();
}
inline void __syncwarp(unsigned = 0xffffffffu) {
  emu::cta().warps[threadIdx.x / 32].barrier.wait();
}
inline bool __any_sync(unsigned mask, int predicate) {
  if (mask != 0xffffffffu) emu::fail("vote with a partial mask");
  emu::WarpSlots& w = emu::cta().warps[threadIdx.x / 32];
  const int lane = threadIdx.x % 32;
  w.u[lane][0] = predicate != 0;
  w.barrier.wait();
  bool any = false;
  for (int l = 0; l < 32; ++l) any = any || w.u[l][0] != 0;
  w.barrier.wait();
  return any;
}
inline float __shfl_xor_sync(unsigned mask, float value, int lane_mask) {
  if (mask != 0xffffffffu) emu::fail("shfl with a partial mask");
  emu::WarpSlots& w = emu::cta().warps[threadIdx.x / 32];
  const int lane = threadIdx.x % 32;
  w.f[lane][0] = value;
  w.barrier.wait();
  const float other = w.f[lane ^ lane_mask][0];
  w.barrier.wait();
  return other;
}
