#pragma once
// NVTX ranges of fa-versus, in one domain (`fa_bench`). Strings are registered once, so a range
// costs two calls into an empty function table when no tool is attached.
//
// Every phase range of the dispatch paths (C++ and the Python layers above them) is declared in
// kPhaseTable below, with the phases it may run inside: a recorder checks the nesting against it
// (harness/sweep/phase_breakdown.h) and the phase pass reports one counter per phase.
#include <array>
#include <cstdint>
#include <string_view>

#ifdef FA_HAVE_NVTX
#include <nvtx3/nvtx3.hpp>
#endif

namespace fa::nvtx {

struct Domain {
  static constexpr const char* name{"fa_bench"};
};

enum class PhaseId : uint8_t {
  // C++ 2.6.3: fa263::mha_fwd and what it does, in order.
  kEntryV263,
  kChecksV263,
  kPadV263,
  kSliceV263,
  // C++ 2.7.0: the host layer (fa270::flash_attn_func) ...
  kFlashAttnFuncV270,
  kPrechecksV270,
  kPadV270,
  kDispatchV270,
  kAutogradV270,
  kSliceV270,
  // ... and the op's backend kernel (2.7.0's C++ entry, mha_fwd).
  kEntryV270,
  kOpChecksV270,
  kAllocPV270,
  // The same work in both C++ entries.
  kCoreDeviceGuard,
  kCoreAlloc,
  kCoreParams,
  kCoreLaunch,
  // The Python layers (python/fa_versus): flash-attn 2.6.3's ...
  kPyFlashAttnFuncV263,
  kPyAutogradFunctionV263,
  kPyForwardV263,
  kPyPrechecksV263,
  kPyCppCallV263,
  // ... and 2.7.0's.
  kPyFlashAttnFuncV270,
  kPyAutogradFunctionV270,
  kPyForwardV270,
  kPyPrechecksV270,
  kPyPadV270,
  kPyCustomOpV270,
  kPyOpBodyV270,
  kPyCppCallV270,
  kPySliceV270,
  kCount,
  // Not a phase: "outermost" in a parent list, or "unused slot".
  kTopLevel,
  kNone,
};

inline constexpr int kPhaseCount = static_cast<int>(PhaseId::kCount);

struct PhaseDeclaration {
  PhaseId id;
  const char* name;  // the range's name in Nsight Systems and in `phase:<name>` counters
  uint32_t argb;
  // The phases this one may run directly inside (kTopLevel: outermost; kNone: unused slot).
  // Shared work (core/*) and the C++ entries have several, one per caller.
  std::array<PhaseId, 3> parents;
  const char* what;  // the work inside, for docs/phases.md and --help
};

namespace colour {
inline constexpr uint32_t kV263 = 0xFF2E7D32;  // green: v2.6.3
inline constexpr uint32_t kV270 = 0xFFC62828;  // red: v2.7.0
inline constexpr uint32_t kV270Op = 0xFFEF6C00;
inline constexpr uint32_t kCore = 0xFF1565C0;  // blue: the shared core
inline constexpr uint32_t kPython = 0xFF6A1B9A;
}  // namespace colour

using P = PhaseId;
// The one table of phases and their nesting. Order = PhaseId order (checked below).
// One phase a row.
// clang-format off
inline constexpr std::array<PhaseDeclaration, kPhaseCount> kPhaseTable{{
    {P::kEntryV263, "v2.6.3/mha_fwd", colour::kV263, {P::kTopLevel, P::kPyCppCallV263, P::kNone},
     "the C++ entry outside its phases (returning 8 tensors, the guard's destructor)"},
    {P::kChecksV263, "v2.6.3/checks", colour::kV263, {P::kEntryV263, P::kNone, P::kNone},
     "device, dtype, layout and shape checks of q, k, v and out"},
    {P::kPadV263, "v2.6.3/pad", colour::kV263, {P::kEntryV263, P::kNone, P::kNone},
     "pad q, k, v to head_dim % 8 == 0 (only when needed)"},
    {P::kSliceV263, "v2.6.3/slice", colour::kV263, {P::kEntryV263, P::kNone, P::kNone},
     "slice the padding off out (only when padded)"},
    {P::kFlashAttnFuncV270, "v2.7.0/flash_attn_func", colour::kV270, {P::kTopLevel, P::kNone, P::kNone},
     "the host layer outside its phases (unpacking the op's 4 outputs)"},
    {P::kPrechecksV270, "v2.7.0/prechecks", colour::kV270, {P::kFlashAttnFuncV270, P::kNone, P::kNone},
     "default scale, maybe_contiguous"},
    {P::kPadV270, "v2.7.0/pad", colour::kV270, {P::kFlashAttnFuncV270, P::kNone, P::kNone},
     "pad q, k, v to head_dim % 8 == 0 in the host layer (only when needed)"},
    {P::kDispatchV270, "v2.7.0/dispatch", colour::kV270Op, {P::kFlashAttnFuncV270, P::kNone, P::kNone},
     "the c10::Dispatcher hop to the first kernel of flash_attn::_flash_attn_forward"},
    {P::kAutogradV270, "v2.7.0/autograd", colour::kV270Op, {P::kDispatchV270, P::kNone, P::kNone},
     "the op's Autograd kernel: the requires_grad check and the redispatch below autograd"},
    {P::kSliceV270, "v2.7.0/slice", colour::kV270, {P::kFlashAttnFuncV270, P::kNone, P::kNone},
     "out_padded[..., :head_dim], unconditional"},
    {P::kEntryV270, "v2.7.0/mha_fwd", colour::kV270Op, {P::kAutogradV270, P::kDispatchV270, P::kPyCppCallV270},
     "the op's CPU/CUDA kernel outside its phases (returning 4 tensors)"},
    {P::kOpChecksV270, "v2.7.0/op_checks", colour::kV270Op, {P::kEntryV270, P::kNone, P::kNone},
     "the op's device, dtype, shape and head_dim % 8 checks and unsupported options"},
    {P::kAllocPV270, "v2.7.0/alloc_p", colour::kV270Op, {P::kEntryV270, P::kNone, P::kNone},
     "p = empty({0}): the always-allocated softmax output"},
    {P::kCoreDeviceGuard, "core/device_guard", colour::kCore, {P::kEntryV263, P::kEntryV270, P::kNone},
     "the device guard and the current stream"},
    {P::kCoreAlloc, "core/alloc", colour::kCore, {P::kEntryV263, P::kEntryV270, P::kNone},
     "allocate out, softmax_lse and rng_state"},
    {P::kCoreParams, "core/params", colour::kCore, {P::kEntryV263, P::kEntryV270, P::kNone},
     "fill AttentionParams from the tensors"},
    {P::kCoreLaunch, "core/launch", colour::kCore, {P::kEntryV263, P::kEntryV270, P::kNone},
     "launch the kernel (CUDA) or run the CPU backend"},
    {P::kPyFlashAttnFuncV263, "py/v2.6.3/flash_attn_func", colour::kPython, {P::kTopLevel, P::kNone, P::kNone},
     "flash_attn_func outside the autograd.Function"},
    {P::kPyAutogradFunctionV263, "py/v2.6.3/autograd_function", colour::kPython, {P::kPyFlashAttnFuncV263, P::kNone, P::kNone},
     "FlashAttnFunc.apply around forward (autograd.Function machinery)"},
    {P::kPyForwardV263, "py/v2.6.3/forward", colour::kPython, {P::kPyAutogradFunctionV263, P::kNone, P::kNone},
     "FlashAttnFunc.forward outside its phases (saving for backward)"},
    {P::kPyPrechecksV263, "py/v2.6.3/prechecks", colour::kPython, {P::kPyForwardV263, P::kNone, P::kNone},
     "default scale, maybe_contiguous"},
    {P::kPyCppCallV263, "py/v2.6.3/cpp_call", colour::kPython, {P::kPyForwardV263, P::kNone, P::kNone},
     "the pybind11 call into the C++ entry (argument conversion)"},
    {P::kPyFlashAttnFuncV270, "py/v2.7.0/flash_attn_func", colour::kPython, {P::kTopLevel, P::kNone, P::kNone},
     "flash_attn_func outside the autograd.Function"},
    {P::kPyAutogradFunctionV270, "py/v2.7.0/autograd_function", colour::kPython, {P::kPyFlashAttnFuncV270, P::kNone, P::kNone},
     "FlashAttnFunc.apply around forward (autograd.Function machinery)"},
    {P::kPyForwardV270, "py/v2.7.0/forward", colour::kPython, {P::kPyAutogradFunctionV270, P::kNone, P::kNone},
     "FlashAttnFunc.forward outside its phases (saving for backward)"},
    {P::kPyPrechecksV270, "py/v2.7.0/prechecks", colour::kPython, {P::kPyForwardV270, P::kNone, P::kNone},
     "default scale, maybe_contiguous"},
    {P::kPyPadV270, "py/v2.7.0/pad", colour::kPython, {P::kPyForwardV270, P::kNone, P::kNone},
     "pad q, k, v in Python (only when head_dim % 8 != 0)"},
    {P::kPyCustomOpV270, "py/v2.7.0/custom_op", colour::kPython, {P::kPyForwardV270, P::kNone, P::kNone},
     "torch.ops.flash_attn._flash_attn_forward: the custom_op dispatch to its Python body"},
    {P::kPyOpBodyV270, "py/v2.7.0/op_body", colour::kPython, {P::kPyCustomOpV270, P::kNone, P::kNone},
     "the custom op's Python body outside the C++ call (maybe_contiguous, unpacking)"},
    {P::kPyCppCallV270, "py/v2.7.0/cpp_call", colour::kPython, {P::kPyOpBodyV270, P::kNone, P::kNone},
     "the pybind11 call into the C++ entry (argument conversion)"},
    {P::kPySliceV270, "py/v2.7.0/slice", colour::kPython, {P::kPyForwardV270, P::kNone, P::kNone},
     "out_padded[..., :head_size_og], unconditional"},
}};
// clang-format on
// clang-format on

constexpr bool phase_table_in_id_order() {
  for (int i = 0; i < kPhaseCount; ++i) {
    if (static_cast<int>(kPhaseTable[i].id) != i) return false;
  }
  return true;
}
static_assert(phase_table_in_id_order(), "kPhaseTable must list the phases in PhaseId order");

constexpr const PhaseDeclaration& phase_declaration(PhaseId id) {
  return kPhaseTable[static_cast<int>(id)];
}

// The phase named `name`, or PhaseId::kNone.
constexpr PhaseId phase_named(std::string_view name) {
  for (const PhaseDeclaration& phase : kPhaseTable) {
    if (name == phase.name) return phase.id;
  }
  return PhaseId::kNone;
}

// The type nvtx3 registers a phase's string under (and PhaseRange's template argument).
template <PhaseId Id>
struct Phase {
  static constexpr PhaseId id{Id};
  static constexpr const char* message{phase_declaration(Id).name};
  static constexpr uint32_t argb{phase_declaration(Id).argb};
};

// The names docs/nsys-profile.md and the tests have used since the first version.
using ChecksV263 = Phase<PhaseId::kChecksV263>;
using PrechecksV270 = Phase<PhaseId::kPrechecksV270>;
using DispatchV270 = Phase<PhaseId::kDispatchV270>;
using CoreLaunch = Phase<PhaseId::kCoreLaunch>;

#ifdef FA_HAVE_NVTX
template <typename PhaseType>
class PhaseRange {
 public:
  PhaseRange()
      : range_{nvtx3::event_attributes{nvtx3::registered_string_in<Domain>::get<PhaseType>(),
                                       nvtx3::argb{static_cast<uint8_t>(PhaseType::argb >> 24),
                                                   static_cast<uint8_t>(PhaseType::argb >> 16),
                                                   static_cast<uint8_t>(PhaseType::argb >> 8),
                                                   static_cast<uint8_t>(PhaseType::argb)}}} {}

 private:
  nvtx3::scoped_range_in<Domain> range_;
};
#else
template <typename PhaseType>
class PhaseRange {
 public:
  PhaseRange() {}
};
#endif

// A phase by id, for callers outside fa_kernels (the Python layers through their bindings): the
// push and pop run in fa_kernels, i.e. through the same NVTX instance as the C++ ranges, so both
// nest in one timeline (kernels/common/phase_recorder.h).
void push_phase(PhaseId id);
void pop_phase();

}  // namespace fa::nvtx
