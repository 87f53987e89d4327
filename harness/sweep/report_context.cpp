#include "sweep/report_context.h"

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <torch/version.h>

#include <array>
#include <cstdio>
#include <cstdlib>

#include "report/context_keys.h"
#include "report/text.h"
#include "sweep/gpu_context.h"
#include "sweep/nvtx_case_range.h"
#include "variants.h"

#ifndef FA_SOURCE_DIR
#define FA_SOURCE_DIR ""
#endif
#ifndef FA_CONFIGURE_GIT_COMMIT
#define FA_CONFIGURE_GIT_COMMIT ""
#endif
#ifndef FA_BENCHMARK_VERSION
#define FA_BENCHMARK_VERSION "unknown"
#endif

namespace fa::sweep {
namespace {

// The first line a shell command prints, or "" when it fails.
std::string first_line_of(const std::string& command) {
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::array<char, 256> buffer{};
  std::string line;
  if (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe) != nullptr) {
    line = buffer.data();
  }
  const int status = ::pclose(pipe);
  if (status != 0) return "";
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

}  // namespace

std::string git_commit() {
  if (const char* given = std::getenv("FA_GIT_COMMIT"); given != nullptr && *given != '\0') {
    return given;
  }
  const std::string source = FA_SOURCE_DIR;
  if (!source.empty()) {
    const std::string git = "git -C '" + source + "' ";
    const std::string head = first_line_of(git + "rev-parse HEAD 2>/dev/null");
    if (!head.empty()) {
      const std::string dirty =
          first_line_of(git + "status --porcelain --untracked-files=no 2>/dev/null | head -1");
      return dirty.empty() ? head : head + "-dirty";
    }
  }
  // `git rev-parse HEAD` prints "HEAD" itself before the first commit: only a hash counts (the
  // reports of 2026-12-01 said "HEAD (at configure time)", which names no code).
  const std::string configured = FA_CONFIGURE_GIT_COMMIT;
  const bool is_hash = configured.size() >= 7 &&
                       configured.find_first_not_of("0123456789abcdef") == std::string::npos;
  return is_hash ? configured + " (at configure time)" : "unknown";
}

std::vector<report::ContextField> report_context(const SweepPlan& plan, const RunFacts& facts) {
  std::vector<report::ContextField> fields;
  auto add = [&fields](std::string key, nlohmann::ordered_json value) {
    fields.push_back({std::move(key), std::move(value), report::ContextSource::harness});
  };
  add(std::string(report::kSchemaVersionKey), report::kReportSchemaVersion);
  add("config_name", plan.config.name);
  add("config_path", plan.config.path);
  add("config_hash", plan.config.content_hash);
  add("config_description", plan.config.description);
  add("backend", backend_name(plan.backend));
  add("mode", report::join(plan.config.modes, ","));
  if (!plan.skipped_modes_note.empty()) add("skipped_modes", plan.skipped_modes_note);
  std::vector<std::string> variants;
  for (const fa::Variant* variant : plan.variants) variants.emplace_back(variant->name);
  add("variants", report::join(variants, ","));
  add("dtype", plan.config.dtype);
  add("causal", plan.config.causal ? "true" : "false");
  add("filter", plan.filter);
  add("cases", std::to_string(plan.cases.size()));
  add("repetitions", std::to_string(plan.config.repetitions));
  if (plan.config.iterations) {
    add("iterations_per_repetition", std::to_string(*plan.config.iterations));
  } else {
    add("min_time_s", fmt::format("{}", plan.config.min_time_s));
  }
  add("random_interleaving", plan.random_interleaving ? "true" : "false");
  add("warmup", fmt::format("{} calls and at least {} s before every repetition",
                            plan.config.warmup_iterations, plan.config.warmup_s));
  add("counter_statistic", "per repetition: the median over its iterations");
  add("kernel_timing", facts.kernel_timing);
  if (facts.kernel_timing == "cupti") {
    add("kernel_timing_phase",
        plan.kernel_timing == KernelTiming::kInline
            ? "inline: the timed calls are traced"
            : fmt::format("after: {} traced calls after each repetition's timed loop",
                          plan.config.kernel_samples));
  } else if (facts.kernel_timing == "cpu-core-steady-clock") {
    add("kernel_timing_phase",
        fmt::format("after: {} direct calls of the CPU core after each repetition's timed loop",
                    plan.config.kernel_samples));
  }
  add("nvtx_case_ranges", !nvtx_compiled_in() ? "not compiled in" : (plan.nvtx ? "on" : "off"));
  if (plan.backend == Backend::kCuda) {
    for (auto& [key, value] : query_gpu_context()) add(std::move(key), std::move(value));
  } else {
    add("gpu_name", "none (cpu backend)");
  }
  add("libtorch_version", TORCH_VERSION);
  add("benchmark_library_version", FA_BENCHMARK_VERSION);
  add("git_commit", git_commit());
  add("command_line", facts.command_line);
  return fields;
}

std::vector<report::ContextField> user_context(
    const std::vector<std::pair<std::string, std::string>>& fields) {
  std::vector<report::ContextField> context;
  for (const auto& [key, value] : fields) {
    context.push_back({key, value, report::ContextSource::user});
  }
  return context;
}

void add_report_context(const std::vector<report::ContextField>& fields) {
  for (const report::ContextField& field : fields) {
    benchmark::AddCustomContext(
        field.key, field.value.is_string() ? field.value.get<std::string>() : field.value.dump());
  }
}

}  // namespace fa::sweep
