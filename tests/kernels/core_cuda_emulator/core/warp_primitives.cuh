#pragma once
// Emulated stand-in for kernels/core/warp_primitives.cuh (same names and signatures): found first
// on the emulator's include path. cp.async copies are deferred until cp.async.wait_group lets
// them land, so a missing wait reads stale shared memory here as it would on the GPU.
#include <cuda_runtime.h>

#include <cstring>
#include <type_traits>

#include "core/element_convert.h"

namespace fa {
extern unsigned char smem[];
namespace ptx {

inline uint32_t smem_address(const void* pointer) {
  return static_cast<uint32_t>(static_cast<const unsigned char*>(pointer) - fa::smem);
}

inline void check_smem(uint32_t address, uint32_t bytes, uint32_t alignment, const char* what) {
  const emu::Cta& c = emu::cta();
  if (address % alignment != 0 || address + bytes > c.smem_bytes) {
    std::fprintf(stderr,
                 "emulator: %s at shared offset %u (%u bytes) outside [0, %zu) or "
                 "misaligned\n",
                 what, address, bytes, c.smem_bytes);
    std::abort();
  }
}

inline void cp_async_16(uint32_t dst, const void* src, bool valid) {
  check_smem(dst, 16, 16, "cp.async destination");
  if (valid) {
    const char* p = static_cast<const char*>(src);
    if (reinterpret_cast<uintptr_t>(p) % 16 != 0) emu::fail("cp.async source misaligned");
    bool inside = false;
    for (const auto& range : emu::cta().readable) {
      inside = inside || (p >= range.first && p + 16 <= range.second);
    }
    if (!inside) emu::fail("cp.async reads outside q, k and v");
  }
  emu::cta().threads[threadIdx.x].open.push_back({dst, src, valid});
}

inline void cp_async_commit() {
  emu::ThreadState& t = emu::cta().threads[threadIdx.x];
  t.groups.push_back(std::move(t.open));
  t.open.clear();
}

template <int kPending>
inline void cp_async_wait() {
  emu::ThreadState& t = emu::cta().threads[threadIdx.x];
  while (static_cast<int>(t.groups.size()) > kPending) {
    for (const emu::CpAsync& copy : t.groups.front()) {
      if (copy.valid) {
        std::memcpy(fa::smem + copy.dst, copy.src, 16);
      } else {
        std::memset(fa::smem + copy.dst, 0, 16);
      }
    }
    t.groups.erase(t.groups.begin());
  }
}

inline uint16_t load16(uint32_t address) {
  uint16_t v;
  std::memcpy(&v, fa::smem + address, 2);
  return v;
}

inline void ldmatrix_common(uint32_t (&r)[4], uint32_t address, bool transposed) {
  check_smem(address, 16, 16, "ldmatrix row");
  emu::WarpSlots& w = emu::cta().warps[threadIdx.x / 32];
  const int lane = threadIdx.x % 32;
  const int g = lane / 4;
  const int t = lane % 4;
  w.u[lane][0] = address;
  w.barrier.wait();
  for (int i = 0; i < 4; ++i) {
    if (!transposed) {
      const uint32_t row = w.u[8 * i + g][0];  // row g of matrix i; columns 2t, 2t+1
      r[i] = uint32_t{load16(row + 4 * t)} | (uint32_t{load16(row + 4 * t + 2)} << 16);
    } else {
      const uint32_t row0 = w.u[8 * i + 2 * t][0];  // rows 2t, 2t+1 of matrix i; column g
      const uint32_t row1 = w.u[8 * i + 2 * t + 1][0];
      r[i] = uint32_t{load16(row0 + 2 * g)} | (uint32_t{load16(row1 + 2 * g)} << 16);
    }
  }
  w.barrier.wait();
}

inline void ldmatrix_x4(uint32_t (&r)[4], uint32_t address) {
  ldmatrix_common(r, address, false);
}
inline void ldmatrix_x4_trans(uint32_t (&r)[4], uint32_t address) {
  ldmatrix_common(r, address, true);
}

template <typename Element>
inline float decode(uint16_t bits);
template <>
inline float decode<half>(uint16_t bits) {
  return fa::half_to_float(bits);
}
template <>
inline float decode<__nv_bfloat16>(uint16_t bits) {
  return fa::bf16_to_float(bits);
}

template <typename Element>
struct Mma16816 {
  static void run(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    emu::WarpSlots& w = emu::cta().warps[threadIdx.x / 32];
    const int lane = threadIdx.x % 32;
    for (int i = 0; i < 4; ++i) w.u[lane][i] = a[i];
    w.u[lane][4] = b0;
    w.u[lane][5] = b1;
    w.barrier.wait();
    float A[16][16], B[16][8];
    auto lo = [](uint32_t x) { return decode<Element>(static_cast<uint16_t>(x & 0xffffu)); };
    auto hi = [](uint32_t x) { return decode<Element>(static_cast<uint16_t>(x >> 16)); };
    for (int l = 0; l < 32; ++l) {
      const int g = l / 4, t = l % 4;
      const uint32_t* u = w.u[l];
      A[g][2 * t] = lo(u[0]);
      A[g][2 * t + 1] = hi(u[0]);
      A[g + 8][2 * t] = lo(u[1]);
      A[g + 8][2 * t + 1] = hi(u[1]);
      A[g][2 * t + 8] = lo(u[2]);
      A[g][2 * t + 9] = hi(u[2]);
      A[g + 8][2 * t + 8] = lo(u[3]);
      A[g + 8][2 * t + 9] = hi(u[3]);
      B[2 * t][g] = lo(u[4]);
      B[2 * t + 1][g] = hi(u[4]);
      B[2 * t + 8][g] = lo(u[5]);
      B[2 * t + 9][g] = hi(u[5]);
    }
    w.barrier.wait();
    const int g = lane / 4, t = lane % 4;
    const int rows[4] = {g, g, g + 8, g + 8};
    const int cols[4] = {2 * t, 2 * t + 1, 2 * t, 2 * t + 1};
    for (int e = 0; e < 4; ++e) {
      double acc = d[e];
      for (int k = 0; k < 16; ++k) acc += double(A[rows[e]][k]) * double(B[k][cols[e]]);
      d[e] = static_cast<float>(acc);
    }
  }
};

template <typename Element>
inline uint32_t pack2(float lo, float hi);
template <>
inline uint32_t pack2<half>(float lo, float hi) {
  return uint32_t{fa::float_to_half(lo)} | (uint32_t{fa::float_to_half(hi)} << 16);
}
template <>
inline uint32_t pack2<__nv_bfloat16>(float lo, float hi) {
  return uint32_t{fa::float_to_bf16(lo)} | (uint32_t{fa::float_to_bf16(hi)} << 16);
}

template <typename Element>
constexpr uint32_t kOnePair = 0;
template <>
constexpr uint32_t kOnePair<half> = 0x3C003C00u;
template <>
constexpr uint32_t kOnePair<__nv_bfloat16> = 0x3F803F80u;

inline float exp2_approx(float x) {
  return std::exp2(x);
}

// ex2.approx.f16x2 / .ftz.bf16x2 as the PTX ISA bounds it: each 16-bit input decoded exactly,
// 2^x in float64, then a relative error of the documented size (2^-9.9 for f16, 2^-7 for bf16)
// times a factor in [-1, 1] from the error model, then rounded to the 16-bit type. The kernel's
// own code rounds the argument to 16 bits (pack2 above) before calling this.
// Error models (emu::Ex2PairError in cuda_runtime.h beside this file): none, the bound with a
// pseudo-random sign per value, the bound with one sign for every value (a biased SFU), each scaled
// by `factor` (a test that wants to see the checks fail scales the bound up).
template <typename Element>
inline uint32_t exp2_approx_x2(uint32_t x) {
  constexpr bool kBf16 = std::is_same_v<Element, __nv_bfloat16>;
  const double bound = kBf16 ? std::exp2(-7.0) : std::exp2(-9.9);
  auto one = [&](uint16_t bits) -> uint16_t {
    const float in = decode<Element>(bits);
    double y = std::exp2(static_cast<double>(in));  // exp2(-inf) = +0
    y *= 1.0 + bound * emu::ex2_pair_error().next();
    if (kBf16) {
      const uint16_t out = fa::float_to_bf16(static_cast<float>(y));
      return (out & 0x7f80u) == 0 ? uint16_t{0} : out;  // .ftz: subnormal results are +0
    }
    return fa::float_to_half(static_cast<float>(y));
  };
  return uint32_t{one(static_cast<uint16_t>(x & 0xffffu))} |
         (uint32_t{one(static_cast<uint16_t>(x >> 16))} << 16);
}

inline uint32_t float_bits(float x) {
  return fa::float_to_bits(x);
}
inline float bits_float(uint32_t bits) {
  return fa::bits_to_float(bits);
}

inline float rcp_approx(float x) {
  return 1.f / x;
}

inline float log2_approx(float x) {
  return std::log2(x);
}

}  // namespace ptx
}  // namespace fa
