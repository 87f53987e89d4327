#include "sweep/cupti_kernel_timer.h"

#include <cuda_runtime_api.h>
#include <cupti.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "report/text.h"

namespace fa::sweep {
namespace {

std::string cupti_error_string(CUptiResult status) {
  const char* text = nullptr;
  if (cuptiGetResultString(status, &text) != CUPTI_SUCCESS || text == nullptr) {
    return "CUPTI error " + std::to_string(static_cast<int>(status));
  }
  return text;
}

#define FA_CUPTI_CHECK(expr)                                                        \
  do {                                                                              \
    const CUptiResult fa_cupti_status_ = (expr);                                    \
    if (fa_cupti_status_ != CUPTI_SUCCESS) {                                        \
      throw std::runtime_error(std::string("CUPTI: ") + #expr +                     \
                               " failed: " + cupti_error_string(fa_cupti_status_)); \
    }                                                                               \
  } while (0)

struct KernelRecord {
  std::string name;
  uint64_t start = 0;
  uint64_t end = 0;
  uint32_t correlation_id = 0;
};

// The launch APIs whose correlation ids mark an iteration's kernels. CUDA 13 launches <<<>>>
// through __cudaLaunchKernel; graphs through cudaGraphLaunch; libraries may use the driver API.
const CUpti_CallbackId kRuntimeLaunches[] = {
    CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000,
    CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_ptsz_v7000,
    CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernelExC_v11060,
    CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernelExC_ptsz_v11060,
    CUPTI_RUNTIME_TRACE_CBID_cudaLaunchCooperativeKernel_v9000,
    CUPTI_RUNTIME_TRACE_CBID_cudaGraphLaunch_v10000,
    CUPTI_RUNTIME_TRACE_CBID_cudaGraphLaunch_ptsz_v10000,
#if CUDART_VERSION >= 13000
    CUPTI_RUNTIME_TRACE_CBID___cudaLaunchKernel_v13000,
    CUPTI_RUNTIME_TRACE_CBID___cudaLaunchKernel_ptsz_v13000,
#endif
};
const CUpti_CallbackId kDriverLaunches[] = {
    CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel,
    CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel_ptsz,
    CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx,
    CUPTI_DRIVER_TRACE_CBID_cuLaunchKernelEx_ptsz,
    CUPTI_DRIVER_TRACE_CBID_cuLaunchCooperativeKernel,
    CUPTI_DRIVER_TRACE_CBID_cuLaunchCooperativeKernel_ptsz,
    CUPTI_DRIVER_TRACE_CBID_cuGraphLaunch,
    CUPTI_DRIVER_TRACE_CBID_cuGraphLaunch_ptsz,
};

constexpr size_t kBufferBytes = 8u << 20;

// Process-wide: CUPTI has one set of buffer callbacks and one subscriber.
struct CuptiState {
  std::mutex init_mutex;  // guards initialised, have_callbacks, no_callbacks_reason, subscriber
  std::mutex mutex;       // guards the rest except the atomics; never held across CUPTI calls
  bool initialised = false;
  bool have_callbacks = false;
  std::string no_callbacks_reason;
  CUpti_SubscriberHandle subscriber{};
  std::vector<KernelRecord> records;
  std::vector<std::pair<uint32_t, int>> launches;  // correlation id -> iteration
  uint64_t dropped = 0;
  bool phase_active = false;
  // Attribution counts over the whole run.
  uint64_t by_correlation = 0, by_window = 0, outside = 0, no_timestamps = 0;
  std::atomic<int> current_iteration{-1};
};

CuptiState& state() {
  static CuptiState* instance = new CuptiState();  // never destroyed: CUPTI may call back late
  return *instance;
}

void CUPTIAPI buffer_requested(uint8_t** buffer, size_t* size, size_t* max_records) {
  *size = kBufferBytes;
  *buffer = static_cast<uint8_t*>(std::aligned_alloc(8, kBufferBytes));
  *max_records = 0;
}

void CUPTIAPI buffer_completed(CUcontext context, uint32_t stream_id, uint8_t* buffer,
                               size_t /*size*/, size_t valid_size) {
  std::vector<KernelRecord> kernels;
  CUpti_Activity* record = nullptr;
  while (valid_size > 0 &&
         cuptiActivityGetNextRecord(buffer, valid_size, &record) == CUPTI_SUCCESS) {
    if (record->kind == CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL ||
        record->kind == CUPTI_ACTIVITY_KIND_KERNEL) {
      // The leading fields of every kernel record version are laid out alike.
      const auto* kernel = reinterpret_cast<const CUpti_ActivityKernel10*>(record);
      kernels.push_back({kernel->name != nullptr ? kernel->name : "", kernel->start, kernel->end,
                         kernel->correlationId});
    }
  }
  size_t dropped = 0;
  if (cuptiActivityGetNumDroppedRecords(context, stream_id, &dropped) != CUPTI_SUCCESS) {
    dropped = 0;
  }
  std::free(buffer);
  CuptiState& s = state();
  const std::lock_guard<std::mutex> lock(s.mutex);
  s.dropped += dropped;
  for (KernelRecord& kernel : kernels) s.records.push_back(std::move(kernel));
}

void CUPTIAPI on_launch(void* /*userdata*/, CUpti_CallbackDomain /*domain*/,
                        CUpti_CallbackId /*cbid*/, const void* data) {
  const auto* info = static_cast<const CUpti_CallbackData*>(data);
  if (info->callbackSite != CUPTI_API_ENTER) return;
  CuptiState& s = state();
  const int iteration = s.current_iteration.load(std::memory_order_relaxed);
  if (iteration < 0) return;
  const std::lock_guard<std::mutex> lock(s.mutex);
  s.launches.emplace_back(info->correlationId, iteration);
}

void initialise(CuptiState& s) {
  const std::lock_guard<std::mutex> lock(s.init_mutex);
  if (s.initialised) return;
  FA_CUPTI_CHECK(cuptiActivityRegisterCallbacks(&buffer_requested, &buffer_completed));
  const CUptiResult subscribed = cuptiSubscribe(&s.subscriber, &on_launch, nullptr);
  if (subscribed == CUPTI_SUCCESS) {
    s.have_callbacks = true;
  } else {
    // E.g. a profiler holds the callback API: attribute by time window only.
    s.no_callbacks_reason = cupti_error_string(subscribed);
  }
  s.initialised = true;
}

void enable_launch_callbacks(CuptiState& s, bool enable) {
  if (!s.have_callbacks) return;
  for (const CUpti_CallbackId cbid : kRuntimeLaunches) {
    FA_CUPTI_CHECK(
        cuptiEnableCallback(enable ? 1 : 0, s.subscriber, CUPTI_CB_DOMAIN_RUNTIME_API, cbid));
  }
  for (const CUpti_CallbackId cbid : kDriverLaunches) {
    FA_CUPTI_CHECK(
        cuptiEnableCallback(enable ? 1 : 0, s.subscriber, CUPTI_CB_DOMAIN_DRIVER_API, cbid));
  }
}

uint64_t cupti_now() {
  uint64_t timestamp = 0;
  FA_CUPTI_CHECK(cuptiGetTimestamp(&timestamp));
  return timestamp;
}

// "a, b" for messages; "(none)" for no names.
std::string names_text(const std::set<std::string>& names) {
  return names.empty() ? "(none)"
                       : report::join(std::vector<std::string>(names.begin(), names.end()), ", ");
}

}  // namespace

CuptiKernelTimer::CuptiKernelTimer(std::string name_filter) : filter_(std::move(name_filter)) {}

void CuptiKernelTimer::begin_phase() {
  CuptiState& s = state();
  initialise(s);
  {
    const std::lock_guard<std::mutex> lock(s.mutex);
    if (s.phase_active) throw std::logic_error("CUPTI: a kernel-timing phase is already running");
    s.phase_active = true;
    s.records.clear();
    s.launches.clear();
  }
  windows_.clear();
  in_phase_ = true;
  try {
    enable_launch_callbacks(s, true);
    FA_CUPTI_CHECK(cuptiActivityEnable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL));
  } catch (...) {
    const std::lock_guard<std::mutex> lock(s.mutex);
    s.phase_active = false;
    in_phase_ = false;
    throw;
  }
}

void CuptiKernelTimer::begin_iteration() {
  windows_.emplace_back(cupti_now(), 0);
  state().current_iteration.store(static_cast<int>(windows_.size()) - 1, std::memory_order_relaxed);
}

void CuptiKernelTimer::end_iteration() {
  state().current_iteration.store(-1, std::memory_order_relaxed);
  windows_.back().second = cupti_now();
}

void CuptiKernelTimer::cancel_phase() {
  if (!in_phase_) return;
  CuptiState& s = state();
  s.current_iteration.store(-1, std::memory_order_relaxed);
  try {
    enable_launch_callbacks(s, false);
    cuptiActivityDisable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
    cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
  } catch (...) {
    // Already failing: the case reports the first error.
  }
  const std::lock_guard<std::mutex> lock(s.mutex);
  s.records.clear();
  s.launches.clear();
  s.phase_active = false;
  in_phase_ = false;
}

CuptiKernelTimer::~CuptiKernelTimer() {
  cancel_phase();
}

std::vector<double> CuptiKernelTimer::end_phase() {
  CuptiState& s = state();
  s.current_iteration.store(-1, std::memory_order_relaxed);
  // The loop synchronised inside every iteration, so every record is complete: a forced flush
  // hands over all buffers (blocking), before and after the kind is disabled.
  std::vector<KernelRecord> records;
  std::vector<std::pair<uint32_t, int>> launches;
  std::string error;
  try {
    enable_launch_callbacks(s, false);
    FA_CUPTI_CHECK(cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED));
    FA_CUPTI_CHECK(cuptiActivityDisable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL));
    FA_CUPTI_CHECK(cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED));
  } catch (const std::exception& e) {
    error = e.what();
  }
  {
    const std::lock_guard<std::mutex> lock(s.mutex);
    records.swap(s.records);
    launches.swap(s.launches);
    s.phase_active = false;
  }
  in_phase_ = false;
  if (!error.empty()) throw std::runtime_error(error);

  const int iterations = static_cast<int>(windows_.size());
  std::unordered_map<uint32_t, int> iteration_of;
  for (const auto& [correlation, iteration] : launches) iteration_of[correlation] = iteration;

  std::vector<double> microseconds(iterations, 0.0);
  std::vector<std::multiset<std::string>> names(iterations);
  last_phase_ = PhaseAttribution{};
  last_phase_.iterations.resize(iterations);
  {
    const std::lock_guard<std::mutex> lock(s.init_mutex);
    last_phase_.have_callbacks = s.have_callbacks;
  }
  std::set<std::string> all_names;
  uint64_t by_correlation = 0, by_window = 0, outside = 0, no_timestamps = 0;
  for (const KernelRecord& kernel : records) {
    all_names.insert(kernel.name);
    if (kernel.start == 0 || kernel.end < kernel.start) {
      ++no_timestamps;
      continue;
    }
    int iteration = -1;
    const auto found = iteration_of.find(kernel.correlation_id);
    if (found != iteration_of.end()) {
      iteration = found->second;
      ++by_correlation;
    } else {
      // Windows are in time order: the last one that starts at or before the kernel.
      const auto after =
          std::upper_bound(windows_.begin(), windows_.end(), kernel.start,
                           [](uint64_t start, const std::pair<uint64_t, uint64_t>& window) {
                             return start < window.first;
                           });
      if (after != windows_.begin() && kernel.start <= std::prev(after)->second) {
        iteration = static_cast<int>(std::prev(after) - windows_.begin());
        ++by_window;
      }
    }
    if (iteration < 0) {
      ++outside;
      continue;
    }
    const double kernel_microseconds = static_cast<double>(kernel.end - kernel.start) * 1e-3;
    const bool timed = filter_.empty() || kernel.name.find(filter_) != std::string::npos;
    last_phase_.iterations[iteration].push_back({kernel.name, kernel_microseconds, timed});
    if (!timed) continue;
    microseconds[iteration] += kernel_microseconds;
    names[iteration].insert(kernel.name);
  }
  last_phase_.by_correlation = by_correlation;
  last_phase_.by_window = by_window;
  last_phase_.outside = outside;
  last_phase_.no_timestamps = no_timestamps;
  {
    const std::lock_guard<std::mutex> lock(s.mutex);
    s.by_correlation += by_correlation;
    s.by_window += by_window;
    s.outside += outside;
    s.no_timestamps += no_timestamps;
  }
  const std::string seen_names = names_text(all_names);

  const std::string wanted = filter_.empty() ? "any kernel" : "a kernel named *" + filter_ + "*";
  for (int i = 0; i < iterations; ++i) {
    if (names[i].empty()) {
      throw std::runtime_error("CUPTI: no record of " + wanted + " in iteration " +
                               std::to_string(i) + " of " + std::to_string(iterations) + " (" +
                               std::to_string(records.size()) +
                               " kernel records in the phase; names: " + seen_names + ")");
    }
    if (names[i] != names[0]) {
      std::set<std::string> first(names[0].begin(), names[0].end());
      std::set<std::string> other(names[i].begin(), names[i].end());
      throw std::runtime_error(
          "CUPTI: the timed kernels differ between iterations: iteration 0 "
          "ran " +
          names_text(first) + ", iteration " + std::to_string(i) + " ran " + names_text(other));
    }
  }
  return microseconds;
}

std::string CuptiKernelTimer::attribution_summary() {
  CuptiState& s = state();
  const std::lock_guard<std::mutex> init_lock(s.init_mutex);
  const std::lock_guard<std::mutex> lock(s.mutex);
  if (!s.initialised) return "CUPTI was not used";
  const uint64_t total = s.by_correlation + s.by_window + s.outside + s.no_timestamps;
  std::string text =
      std::to_string(total) + " kernel records: " + std::to_string(s.by_correlation) +
      " attributed by correlation id, " + std::to_string(s.by_window) + " by time window, " +
      std::to_string(s.outside) + " outside any iteration, " + std::to_string(s.no_timestamps) +
      " without timestamps; " + std::to_string(s.dropped) + " dropped";
  if (!s.have_callbacks) {
    text += " (no launch callbacks: " + s.no_callbacks_reason + ")";
  }
  return text;
}

}  // namespace fa::sweep
