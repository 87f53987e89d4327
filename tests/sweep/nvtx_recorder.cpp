// An NVTX 3 injection library for tests: loaded by NVTX itself when NVTX_INJECTION64_PATH names
// it, it records every range push and pop (domain ranges and plain ones) to the file named by
// FA_NVTX_RECORD, one tab-separated line per event:
//   push <thread> <domain> <message> <argb hex> <payload>
//   pop  <thread> <domain>
// Registered strings are resolved to their text; the global domain is written as "-".
//
// NVTX calls InitializeInjectionNvtx2 once per copy of its (header-only) implementation, i.e.
// once per binary or shared library that uses NVTX: every copy gets the same functions, and
// domains and strings live in one process-wide table.
#include <nvtx3/nvToolsExt.h>
#include <unistd.h>

#include "common/nvtx_tool.h"  // the attaching half, shared with the phase recorder

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace {

std::mutex g_mutex;
std::FILE* g_out = nullptr;
std::unordered_map<const void*, std::string>* g_domains;  // handle -> name
std::unordered_map<std::string, nvtxDomainHandle_t>* g_domain_by_name;
std::unordered_map<const void*, std::string>* g_strings;  // registered string -> text

// Tabs and newlines would break the record format.
std::string clean(std::string text) {
  for (char& c : text) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

std::string domain_name(nvtxDomainHandle_t domain) {
  if (domain == nullptr) return "-";
  const auto found = g_domains->find(domain);
  return found == g_domains->end() ? "?" : found->second;
}

std::string message_of(const nvtxEventAttributes_t* attributes) {
  if (attributes == nullptr) return "";
  switch (attributes->messageType) {
    case NVTX_MESSAGE_TYPE_ASCII:
      return attributes->message.ascii != nullptr ? attributes->message.ascii : "";
    case NVTX_MESSAGE_TYPE_REGISTERED: {
      const auto found = g_strings->find(attributes->message.registered);
      return found == g_strings->end() ? "(unregistered string)" : found->second;
    }
    case NVTX_MESSAGE_TYPE_UNICODE:
      return "(unicode)";
    default:
      return "";
  }
}

unsigned long long thread_number() {
  return static_cast<unsigned long long>(std::hash<std::thread::id>{}(std::this_thread::get_id()));
}

void write_push(nvtxDomainHandle_t domain, const nvtxEventAttributes_t* attributes,
                const char* ascii) {
  const std::lock_guard<std::mutex> lock(g_mutex);
  if (g_out == nullptr) return;
  const std::string message = clean(ascii != nullptr ? ascii : message_of(attributes));
  uint32_t argb = 0;
  long long payload = 0;
  if (attributes != nullptr) {
    if (attributes->colorType == NVTX_COLOR_ARGB) argb = attributes->color;
    if (attributes->payloadType == NVTX_PAYLOAD_TYPE_INT64) payload = attributes->payload.llValue;
  }
  std::fprintf(g_out, "push\t%llu\t%s\t%s\t%08" PRIX32 "\t%lld\n", thread_number(),
               domain_name(domain).c_str(), message.c_str(), argb, payload);
  std::fflush(g_out);
}

void write_pop(nvtxDomainHandle_t domain) {
  const std::lock_guard<std::mutex> lock(g_mutex);
  if (g_out == nullptr) return;
  std::fprintf(g_out, "pop\t%llu\t%s\n", thread_number(), domain_name(domain).c_str());
  std::fflush(g_out);
}

// --- the functions NVTX calls instead of its no-ops ---

int range_push_a(const char* message) {
  write_push(nullptr, nullptr, message != nullptr ? message : "");
  return 0;
}
int range_push_ex(const nvtxEventAttributes_t* attributes) {
  write_push(nullptr, attributes, nullptr);
  return 0;
}
int range_pop() {
  write_pop(nullptr);
  return 0;
}
int domain_range_push_ex(nvtxDomainHandle_t domain, const nvtxEventAttributes_t* attributes) {
  write_push(domain, attributes, nullptr);
  return 0;
}
int domain_range_pop(nvtxDomainHandle_t domain) {
  write_pop(domain);
  return 0;
}
nvtxDomainHandle_t domain_create_a(const char* name) {
  const std::lock_guard<std::mutex> lock(g_mutex);
  const std::string text = name != nullptr ? name : "";
  const auto found = g_domain_by_name->find(text);
  if (found != g_domain_by_name->end()) return found->second;
  auto* handle = reinterpret_cast<nvtxDomainHandle_t>(new std::string(text));
  (*g_domain_by_name)[text] = handle;
  (*g_domains)[handle] = text;
  return handle;
}
nvtxStringHandle_t domain_register_string_a(nvtxDomainHandle_t /*domain*/, const char* text) {
  const std::lock_guard<std::mutex> lock(g_mutex);
  auto* handle = reinterpret_cast<nvtxStringHandle_t>(new std::string(text != nullptr ? text : ""));
  (*g_strings)[handle] = clean(text != nullptr ? text : "");
  return handle;
}
void domain_destroy(nvtxDomainHandle_t /*domain*/) {}

}  // namespace

extern "C" __attribute__((visibility("default"))) int InitializeInjectionNvtx2(
    NvtxGetExportTableFunc_t get_export_table) {
  {
    const std::lock_guard<std::mutex> lock(g_mutex);
    if (g_domains == nullptr) {  // never freed: NVTX may call in during exit
      g_domains = new std::unordered_map<const void*, std::string>();
      g_domain_by_name = new std::unordered_map<std::string, nvtxDomainHandle_t>();
      g_strings = new std::unordered_map<const void*, std::string>();
    }
    if (g_out == nullptr) {
      const char* path = std::getenv("FA_NVTX_RECORD");
      if (path == nullptr || *path == '\0') return 0;  // nothing to record into: stay detached
      g_out = std::fopen(path, "w");
      if (g_out == nullptr) return 0;
    }
  }
  fa::nvtx::NvtxToolCallbacks callbacks;
  callbacks.range_push_a = &range_push_a;
  callbacks.range_push_ex = &range_push_ex;
  callbacks.range_pop = &range_pop;
  callbacks.domain_create_a = &domain_create_a;
  callbacks.domain_register_string_a = &domain_register_string_a;
  callbacks.domain_range_push_ex = &domain_range_push_ex;
  callbacks.domain_range_pop = &domain_range_pop;
  callbacks.domain_destroy = &domain_destroy;
  if (!fa::nvtx::attach_nvtx_tool(get_export_table, callbacks)) return 0;
  return 1;
}
