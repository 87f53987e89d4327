#pragma once
// The attaching half of an NVTX tool, shared by fa-versus's two tools: the in-process phase
// recorder (kernels/common/phase_recorder.cpp, a static injection of fa_kernels' NVTX instance)
// and the tests' injection library (tests/sweep/nvtx_recorder.cpp, loaded through
// NVTX_INJECTION64_PATH). A tool fills NvtxToolCallbacks; attach_nvtx_tool() writes them into
// the calling NVTX instance's function table and hands back the slots, so a tool can swap a
// callback in and out later.
#include <nvtx3/nvToolsExt.h>

namespace fa::nvtx {

struct NvtxToolCallbacks {
  int (*range_push_a)(const char*) = nullptr;
  int (*range_push_ex)(const nvtxEventAttributes_t*) = nullptr;
  int (*range_pop)() = nullptr;
  nvtxDomainHandle_t (*domain_create_a)(const char*) = nullptr;
  nvtxStringHandle_t (*domain_register_string_a)(nvtxDomainHandle_t, const char*) = nullptr;
  int (*domain_range_push_ex)(nvtxDomainHandle_t, const nvtxEventAttributes_t*) = nullptr;
  int (*domain_range_pop)(nvtxDomainHandle_t) = nullptr;
  void (*domain_destroy)(nvtxDomainHandle_t) = nullptr;
};

// Where NVTX keeps the domain push/pop functions of one instance: writing nullptr there makes
// the API calls take NVTX's own no-tool branch again.
struct NvtxDomainRangeSlots {
  NvtxFunctionPointer* push_ex = nullptr;
  NvtxFunctionPointer* pop = nullptr;
};

namespace detail {
template <typename Function>
NvtxFunctionPointer* install(NvtxFunctionTable table, unsigned int size, unsigned int id,
                             Function function) {
  if (table == nullptr || id > size || table[id] == nullptr) return nullptr;
  if (function != nullptr) *table[id] = reinterpret_cast<NvtxFunctionPointer>(function);
  return table[id];
}
}  // namespace detail

// Called from InitializeInjectionNvtx2 with NVTX's argument. Returns false when the instance
// offers no function table (the tool must then return 0: stay detached).
inline bool attach_nvtx_tool(NvtxGetExportTableFunc_t get_export_table,
                             const NvtxToolCallbacks& callbacks,
                             NvtxDomainRangeSlots* slots = nullptr) {
  const auto* table_callbacks =
      static_cast<const NvtxExportTableCallbacks*>(get_export_table(NVTX_ETID_CALLBACKS));
  if (table_callbacks == nullptr || table_callbacks->GetModuleFunctionTable == nullptr) {
    return false;
  }
  NvtxFunctionTable core = nullptr;
  unsigned int core_size = 0;
  if (table_callbacks->GetModuleFunctionTable(NVTX_CB_MODULE_CORE, &core, &core_size) == 0) {
    return false;
  }
  detail::install(core, core_size, NVTX_CBID_CORE_RangePushA, callbacks.range_push_a);
  detail::install(core, core_size, NVTX_CBID_CORE_RangePushEx, callbacks.range_push_ex);
  detail::install(core, core_size, NVTX_CBID_CORE_RangePop, callbacks.range_pop);

  NvtxFunctionTable core2 = nullptr;
  unsigned int core2_size = 0;
  if (table_callbacks->GetModuleFunctionTable(NVTX_CB_MODULE_CORE2, &core2, &core2_size) == 0) {
    return false;
  }
  detail::install(core2, core2_size, NVTX_CBID_CORE2_DomainCreateA, callbacks.domain_create_a);
  detail::install(core2, core2_size, NVTX_CBID_CORE2_DomainRegisterStringA,
                  callbacks.domain_register_string_a);
  NvtxFunctionPointer* push_ex = detail::install(
      core2, core2_size, NVTX_CBID_CORE2_DomainRangePushEx, callbacks.domain_range_push_ex);
  NvtxFunctionPointer* pop = detail::install(core2, core2_size, NVTX_CBID_CORE2_DomainRangePop,
                                             callbacks.domain_range_pop);
  detail::install(core2, core2_size, NVTX_CBID_CORE2_DomainDestroy, callbacks.domain_destroy);
  if (slots != nullptr) *slots = {push_ex, pop};
  return true;
}

}  // namespace fa::nvtx
