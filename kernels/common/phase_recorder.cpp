// The in-process phase recorder (see phase_recorder.h for how and why it attaches).
#ifdef FA_HAVE_NVTX
// This file defines NVTX's static-injection pointer itself (at the end), so NVTX must not: before
// any include that reaches nvToolsExt.h.
#define NVTX_STATIC_INJECTION_IMPL 1
#include <cstdint>
extern "C" {
// Declared here with NVTX's types spelled out (nvtxTypes.h: NvtxInitializeInjectionNvtxFunc_t):
// NVTX's loader reads it; the definition is at the end of this file.
extern __attribute__((visibility("hidden"))) int (*InitializeInjectionNvtx2_fnptr)(
    const void* (*get_export_table)(uint32_t));
}
#include <nvtx3/nvToolsExt.h>
#endif

#include "common/phase_recorder.h"

#ifdef FA_HAVE_NVTX

#include "common/nvtx_tool.h"
#endif

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <utility>

namespace fa::phases {

#ifdef FA_HAVE_NVTX
namespace {

// Set before the instance initialises (attach_phase_recorder), read by its init function.
std::atomic<bool> g_wanted{false};
std::atomic<bool> g_attached{false};
std::atomic<bool> g_recording{false};
std::atomic<uint64_t> g_event_count{0};
std::vector<RangeEvent>* g_events = nullptr;
nvtx::NvtxDomainRangeSlots g_slots;

// The fa_bench domain's handle: any unique address. Other domains get another one.
char g_fa_bench_domain_tag;
char g_other_domain_tag;

// A registered string's handle is its phase id + 1 (0 would read as "no string"): the push
// callback maps it back without a lookup.
nvtxStringHandle_t handle_of(nvtx::PhaseId id) {
  return reinterpret_cast<nvtxStringHandle_t>(static_cast<uintptr_t>(id) + 1);
}
nvtx::PhaseId phase_of(const nvtxEventAttributes_t* attributes) {
  if (attributes == nullptr || attributes->messageType != NVTX_MESSAGE_TYPE_REGISTERED) {
    return nvtx::PhaseId::kNone;
  }
  const auto value = reinterpret_cast<uintptr_t>(attributes->message.registered);
  if (value == 0 || value > static_cast<uintptr_t>(nvtx::kPhaseCount)) return nvtx::PhaseId::kNone;
  return static_cast<nvtx::PhaseId>(value - 1);
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int on_push(nvtxDomainHandle_t domain, const nvtxEventAttributes_t* attributes) {
  if (domain != reinterpret_cast<nvtxDomainHandle_t>(&g_fa_bench_domain_tag)) return 0;
  const int64_t ns = now_ns();
  g_events->push_back({ns, phase_of(attributes), true});
  g_event_count.fetch_add(1, std::memory_order_relaxed);
  return 0;
}

int on_pop(nvtxDomainHandle_t domain) {
  if (domain != reinterpret_cast<nvtxDomainHandle_t>(&g_fa_bench_domain_tag)) return 0;
  g_events->push_back({now_ns(), nvtx::PhaseId::kNone, false});
  g_event_count.fetch_add(1, std::memory_order_relaxed);
  return 0;
}

nvtxDomainHandle_t on_domain_create(const char* name) {
  const bool ours = name != nullptr && std::string_view(name) == nvtx::Domain::name;
  return reinterpret_cast<nvtxDomainHandle_t>(ours ? &g_fa_bench_domain_tag : &g_other_domain_tag);
}

nvtxStringHandle_t on_register_string(nvtxDomainHandle_t /*domain*/, const char* text) {
  const nvtx::PhaseId id = text != nullptr ? nvtx::phase_named(text) : nvtx::PhaseId::kNone;
  // Strings outside the table get a handle past it: recorded as PhaseId::kNone.
  return id == nvtx::PhaseId::kNone ? handle_of(nvtx::PhaseId::kCount) : handle_of(id);
}

void on_domain_destroy(nvtxDomainHandle_t /*domain*/) {}

int initialize(NvtxGetExportTableFunc_t get_export_table) {
  if (!g_wanted.load()) return 0;  // nobody asked: NVTX stays on its no-op branch
  nvtx::NvtxToolCallbacks callbacks;
  callbacks.domain_create_a = &on_domain_create;
  callbacks.domain_register_string_a = &on_register_string;
  callbacks.domain_destroy = &on_domain_destroy;
  // Push and pop stay nullptr until start_recording(): NVTX's no-tool branch.
  if (!nvtx::attach_nvtx_tool(get_export_table, callbacks, &g_slots)) return 0;
  if (g_slots.push_ex == nullptr || g_slots.pop == nullptr) return 0;
  g_attached.store(true);
  return 1;
}

void set_slot(NvtxFunctionPointer* slot, NvtxFunctionPointer function) {
  __atomic_store_n(slot, function, __ATOMIC_RELEASE);
}

bool external_tool_named() {
  const char* path = std::getenv("NVTX_INJECTION64_PATH");
  return path != nullptr && *path != '\0';
}

}  // namespace

RecorderState phase_recorder_state() {
  if (g_attached.load()) return RecorderState::kAttached;
  if (external_tool_named()) return RecorderState::kExternalTool;
  return RecorderState::kDetached;
}

RecorderState attach_phase_recorder() {
  g_wanted.store(true);
  // Any call initialises the instance; a domain is the one fa_kernels creates anyway.
  static_cast<void>(nvtx3::domain::get<nvtx::Domain>());
  return phase_recorder_state();
}

void start_recording(std::vector<RangeEvent>* events) {
  if (!g_attached.load() || events == nullptr) return;
  g_events = events;
  g_recording.store(true);
  set_slot(g_slots.push_ex, reinterpret_cast<NvtxFunctionPointer>(&on_push));
  set_slot(g_slots.pop, reinterpret_cast<NvtxFunctionPointer>(&on_pop));
}

void stop_recording() {
  if (!g_attached.load()) return;
  set_slot(g_slots.push_ex, nullptr);
  set_slot(g_slots.pop, nullptr);
  g_recording.store(false);
  g_events = nullptr;
}

bool recording() {
  return g_recording.load();
}

uint64_t recorded_event_count() {
  return g_event_count.load();
}

bool callbacks_installed() {
  if (!g_attached.load()) return false;
  return __atomic_load_n(g_slots.push_ex, __ATOMIC_ACQUIRE) != nullptr ||
         __atomic_load_n(g_slots.pop, __ATOMIC_ACQUIRE) != nullptr;
}

#else  // no NVTX: nothing to record

RecorderState attach_phase_recorder() {
  return RecorderState::kNoNvtx;
}
RecorderState phase_recorder_state() {
  return RecorderState::kNoNvtx;
}
void start_recording(std::vector<RangeEvent>*) {}
void stop_recording() {}
bool recording() {
  return false;
}
uint64_t recorded_event_count() {
  return 0;
}
bool callbacks_installed() {
  return false;
}

#endif

std::string describe(RecorderState state) {
  switch (state) {
    case RecorderState::kAttached:
      return "the in-process phase recorder is attached";
    case RecorderState::kExternalTool:
      return "an external NVTX tool is attached (NVTX_INJECTION64_PATH, e.g. Nsight Systems): "
             "it has the ranges, the phase pass is skipped";
    case RecorderState::kNoNvtx:
      return "built without NVTX: no phase ranges to record";
    case RecorderState::kDetached:
    default:
      return "the phase recorder is detached (fa_kernels' NVTX initialised before "
             "attach_phase_recorder())";
  }
}

}  // namespace fa::phases

namespace fa::nvtx {

// Registered strings for the Python layers' phases, made once (push_phase is per call).
#ifdef FA_HAVE_NVTX
namespace {
template <size_t... Index>
std::array<nvtxEventAttributes_t, kPhaseCount> make_phase_attributes(
    std::index_sequence<Index...>) {
  return {*nvtx3::event_attributes{
      nvtx3::registered_string_in<Domain>::get<Phase<static_cast<PhaseId>(Index)>>(),
      nvtx3::argb{static_cast<uint8_t>(kPhaseTable[Index].argb >> 24),
                  static_cast<uint8_t>(kPhaseTable[Index].argb >> 16),
                  static_cast<uint8_t>(kPhaseTable[Index].argb >> 8),
                  static_cast<uint8_t>(kPhaseTable[Index].argb)}}
               .get()...};
}
const std::array<nvtxEventAttributes_t, kPhaseCount>& phase_attributes() {
  static const auto attributes = make_phase_attributes(std::make_index_sequence<kPhaseCount>{});
  return attributes;
}
}  // namespace

void push_phase(PhaseId id) {
  const int index = static_cast<int>(id);
  if (index < 0 || index >= kPhaseCount) return;
  nvtxDomainRangePushEx(nvtx3::domain::get<Domain>(), &phase_attributes()[index]);
}

void pop_phase() {
  nvtxDomainRangePop(nvtx3::domain::get<Domain>());
}
#else
void push_phase(PhaseId) {}
void pop_phase() {}
#endif

}  // namespace fa::nvtx

#ifdef FA_HAVE_NVTX
// NVTX's static injection: fa_kernels' NVTX instance calls this when NVTX_INJECTION64_PATH names
// no tool. Hidden, so it binds inside libfa_kernels.so only (an executable's own weak, null
// definition must not interpose it, nor this one theirs).
extern "C" {
__attribute__((visibility("hidden")))
NvtxInitializeInjectionNvtxFunc_t InitializeInjectionNvtx2_fnptr = &fa::phases::initialize;
}
#endif
