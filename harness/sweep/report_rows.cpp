#include "sweep/report_rows.h"

#include <fmt/format.h>

#include <cstdlib>
#include <ctime>
#include <string>

#include "sweep/benchmark_compat.h"

// FA_BENCHMARK_BUILD_TYPE comes from harness/sweep/CMakeLists.txt.

namespace fa::sweep {
namespace {

using Run = benchmark::BenchmarkReporter::Run;

// Google Benchmark's LocalDateTimeString: "2026-12-02T04:27:45+00:00".
std::string local_date_time() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&now, &local);
  char date[32] = {0};
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &local);
  char offset[8] = {0};
  std::strftime(offset, sizeof offset, "%z", &local);  // "+0000"
  const std::string zone = offset;
  return zone.size() == 5 ? fmt::format("{}{}:{}", date, zone.substr(0, 3), zone.substr(3))
                          : std::string(date);
}

// Google Benchmark streams load averages with the default 6 significant digits.
double six_digits(double value) {
  return std::strtod(fmt::format("{:.6g}", value).c_str(), nullptr);
}

}  // namespace

report::ReportRow to_report_row(const Run& run, report::CaseStatus status) {
  report::ReportRow row;
  row.name = run.benchmark_name();
  row.run_name = run.run_name.str();
  row.run_type =
      run.run_type == Run::RT_Aggregate ? report::RunType::aggregate : report::RunType::iteration;
  row.family_index = run.family_index;
  row.per_family_instance_index = run.per_family_instance_index;
  row.repetitions = run.repetitions;
  row.repetition_index = run.repetition_index;
  row.threads = run.threads;
  if (row.run_type == report::RunType::aggregate) {
    row.aggregate_name = run.aggregate_name;
    row.aggregate_unit = run.aggregate_unit == benchmark::kPercentage ? "percentage" : "time";
  }
  row.status = std::move(status);
  row.iterations = run.iterations;
  row.real_time = run.GetAdjustedRealTime();
  row.cpu_time = run.GetAdjustedCPUTime();
  row.time_unit = benchmark::GetTimeUnitString(run.time_unit);
  for (const auto& [name, counter] : run.counters) row.counters[name] = counter.value;
  row.label = run.report_label;
  return row;
}

std::vector<report::ContextField> benchmark_library_context(
    const benchmark::BenchmarkReporter::Context& context) {
  using report::ContextField;
  using report::ContextSource;
  std::vector<ContextField> fields;
  auto add = [&fields](const char* key, nlohmann::ordered_json value) {
    fields.push_back(ContextField{key, std::move(value), ContextSource::benchmark_library});
  };
  const benchmark::CPUInfo& cpu = context.cpu_info;
  add("date", local_date_time());
  add("host_name", context.sys_info.name);
  if (benchmark::BenchmarkReporter::Context::executable_name != nullptr) {
    add("executable", benchmark::BenchmarkReporter::Context::executable_name);
  }
  add("num_cpus", cpu.num_cpus);
  add("mhz_per_cpu", static_cast<std::int64_t>(cpu.cycles_per_second / 1000000.0 + 0.5));
  add("cpu_scaling_enabled", cpu.scaling == benchmark::CPUInfo::ENABLED);
  nlohmann::ordered_json caches = nlohmann::ordered_json::array();
  for (const benchmark::CPUInfo::CacheInfo& cache : cpu.caches) {
    nlohmann::ordered_json entry;
    entry["type"] = cache.type;
    entry["level"] = cache.level;
    entry["size"] = cache.size;
    entry["num_sharing"] = cache.num_sharing;
    caches.push_back(entry);
  }
  add("caches", std::move(caches));
  nlohmann::ordered_json load = nlohmann::ordered_json::array();
  for (const double value : cpu.load_avg) load.push_back(six_digits(value));
  add("load_avg", std::move(load));
  // The library's own build (NDEBUG when it was compiled), known from its CMake package.
  add("library_build_type", FA_BENCHMARK_BUILD_TYPE);
  return fields;
}

}  // namespace fa::sweep
