#pragma once
// The few sm_80+ instructions the attention kernel is made of, as inline PTX: cp.async (global ->
// shared, 16 bytes, zero-fill), ldmatrix (8x8 b16 fragments, plain and transposed), mma.sync
// m16n8k16 with fp32 accumulators, packed fp32 -> fp16/bf16 conversion and ex2.approx (fp32 and
// packed 16-bit pairs).
// No half-type operators or implicit conversions: this compiles under LibTorch's
// -D__CUDA_NO_HALF_OPERATORS__ / -D__CUDA_NO_HALF_CONVERSIONS__ family of flags.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

namespace fa {
namespace ptx {

__device__ __forceinline__ uint32_t smem_address(const void* pointer) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(pointer));
}

// Copies 16 bytes from global to shared memory asynchronously; with `valid` false nothing is read
// and the 16 bytes are zero-filled (src-size 0), so `src` only has to be some mapped address.
__device__ __forceinline__ void cp_async_16(uint32_t dst, const void* src, bool valid) {
  const int src_size = valid ? 16 : 0;
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(src_size)
               : "memory");
}

__device__ __forceinline__ void cp_async_commit() {
  asm volatile("cp.async.commit_group;\n" ::: "memory");
}

// Waits until at most `kPending` of this thread's committed groups are still in flight.
template <int kPending>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(kPending) : "memory");
}

// Four 8x8 b16 matrices; lanes 8i..8i+7 give the row addresses of matrix i, and register i holds
// matrix i as lane (g = lane / 4, t = lane % 4) sees it: row g, columns 2t and 2t+1.
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], uint32_t address) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(address));
}

// The same, transposed: register i holds rows 2t and 2t+1 of column g of matrix i.
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], uint32_t address) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(address));
}

// D += A B for a 16x8x16 tile: A row-major 16x16 (4 regs), B "col" 16x8 (2 regs), D 16x8 fp32.
template <typename Element>
struct Mma16816;

template <>
struct Mma16816<half> {
  __device__ __forceinline__ static void run(float (&d)[4], const uint32_t (&a)[4], uint32_t b0,
                                             uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
        "{%8, %9}, {%0, %1, %2, %3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
};

template <>
struct Mma16816<__nv_bfloat16> {
  __device__ __forceinline__ static void run(float (&d)[4], const uint32_t (&a)[4], uint32_t b0,
                                             uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
        "{%8, %9}, {%0, %1, %2, %3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
};

// Two fp32 values -> one register of two 16-bit values, `lo` in the low half (the lower column of
// an mma fragment), rounded to nearest even.
template <typename Element>
__device__ __forceinline__ uint32_t pack2(float lo, float hi);

template <>
__device__ __forceinline__ uint32_t pack2<half>(float lo, float hi) {
  uint32_t r;
  asm("cvt.rn.f16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(hi), "f"(lo));
  return r;
}

template <>
__device__ __forceinline__ uint32_t pack2<__nv_bfloat16>(float lo, float hi) {
  uint32_t r;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;\n" : "=r"(r) : "f"(hi), "f"(lo));
  return r;
}

// Two 16-bit ones (1.0 in each half): the B operand that turns an mma into a row sum of A.
template <typename Element>
constexpr uint32_t kOnePair = 0;
template <>
constexpr uint32_t kOnePair<half> = 0x3C003C00u;
template <>
constexpr uint32_t kOnePair<__nv_bfloat16> = 0x3F803F80u;

// 2^x on the SFU (MUFU.EX2): ex2.approx(-inf) = +0, which masked scores rely on.
__device__ __forceinline__ float exp2_approx(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

// 2^x of a pair of 16-bit values (`x` packed like pack2's result) -> the same packing. On sm_90
// ptxas emits two MUFU.EX2.F16 (.BF16) and a PRMT per call: the SFU takes one value per lane per
// op, as it does for fp32. -inf gives +0. The PTX ISA bounds the relative error by 2^-9.9 (f16)
// and 2^-7 (bf16); the emulator models those bounds (tests/kernels/core_cuda_emulator/).
template <typename Element>
__device__ __forceinline__ uint32_t exp2_approx_x2(uint32_t x);

template <>
__device__ __forceinline__ uint32_t exp2_approx_x2<half>(uint32_t x) {
  uint32_t y;
  asm("ex2.approx.f16x2 %0, %1;\n" : "=r"(y) : "r"(x));
  return y;
}

// ex2.approx.ftz.bf16x2 needs sm_90; before it, the pair goes through ex2.approx.ftz.f32 and a
// rounding to bf16 (more accurate than the bf16x2 bound), so the candidates compile for sm_80.
template <>
__device__ __forceinline__ uint32_t exp2_approx_x2<__nv_bfloat16>(uint32_t x) {
  uint32_t y;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm("ex2.approx.ftz.bf16x2 %0, %1;\n" : "=r"(y) : "r"(x));
#else
  // A bf16 is the high half of the fp32 with the same value.
  y = pack2<__nv_bfloat16>(exp2_approx(__uint_as_float(x << 16)),
                           exp2_approx(__uint_as_float(x & 0xffff0000u)));
#endif
  return y;
}

// The bits of a float and back (no instruction: a register reinterpreted).
__device__ __forceinline__ uint32_t float_bits(float x) {
  return __float_as_uint(x);
}
__device__ __forceinline__ float bits_float(uint32_t bits) {
  return __uint_as_float(bits);
}

// 1/x and log2(x) on the SFU (MUFU.RCP, MUFU.LG2), flushing denormals; relative error ~2^-22.
__device__ __forceinline__ float rcp_approx(float x) {
  float y;
  asm("rcp.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

__device__ __forceinline__ float log2_approx(float x) {
  float y;
  asm("lg2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

}  // namespace ptx
}  // namespace fa
