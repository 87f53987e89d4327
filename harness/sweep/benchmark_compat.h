#pragma once
// The Google Benchmark API differences fa-sweep meets: 1.7.1 (Debian 12, CI) and 1.8.3 (the GPU
// machine). FA_BENCHMARK_VERSION_MAJOR/MINOR come from CMake's find_package(benchmark).
#include <benchmark/benchmark.h>

#include <string>

#ifndef FA_BENCHMARK_VERSION_MAJOR
#define FA_BENCHMARK_VERSION_MAJOR 1
#define FA_BENCHMARK_VERSION_MINOR 7
#endif

#if FA_BENCHMARK_VERSION_MAJOR > 1 || \
    (FA_BENCHMARK_VERSION_MAJOR == 1 && FA_BENCHMARK_VERSION_MINOR >= 8)
#define FA_BENCHMARK_1_8 1
#endif

namespace fa::sweep::gbench {

// A case that cannot run here (not an error): SkipWithMessage in 1.8, SkipWithError in 1.7.
inline void skip(benchmark::State& state, const std::string& message) {
#ifdef FA_BENCHMARK_1_8
  state.SkipWithMessage(message);
#else
  state.SkipWithError(message.c_str());
#endif
}

inline void fail(benchmark::State& state, const std::string& message) {
  state.SkipWithError(message.c_str());
}

inline bool skipped(const benchmark::State& state) {
#ifdef FA_BENCHMARK_1_8
  return state.skipped();
#else
  return state.error_occurred();
#endif
}

// A run that produced no measurement (skipped or failed), and its message.
inline bool run_skipped(const benchmark::BenchmarkReporter::Run& run) {
#ifdef FA_BENCHMARK_1_8
  return run.skipped != benchmark::internal::NotSkipped;
#else
  return run.error_occurred;
#endif
}

inline std::string run_message(const benchmark::BenchmarkReporter::Run& run) {
#ifdef FA_BENCHMARK_1_8
  return run.skip_message;
#else
  return run.error_message;
#endif
}

// --benchmark_min_time's value: plain seconds in 1.7, "<seconds>s" in 1.8.
std::string min_time_flag_value(double seconds);

}  // namespace fa::sweep::gbench
