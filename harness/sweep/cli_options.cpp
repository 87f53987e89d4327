#include "sweep/cli_options.h"

#include <CLI/CLI.hpp>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "report/context_keys.h"
#include "sweep/sweep_config.h"
#include "variants.h"

namespace fa::sweep {
namespace {

[[noreturn]] void bad_flag(const std::string& flag, const std::string& problem) {
  throw UsageError("fa-sweep: " + flag + ": " + problem);
}

int parse_positive_int(const std::string& text, const std::string& flag, int bound) {
  errno = 0;
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || end == nullptr || *end != '\0' || errno != 0 || value <= 0 ||
      value > 1000000000L) {
    bad_flag(flag, "must be a positive integer, got '" + text + "'");
  }
  if (value > bound) {
    bad_flag(flag, "must be at most " + std::to_string(bound) + " (fa-sweep's bound), got " + text);
  }
  return static_cast<int>(value);
}

double parse_positive_seconds(const std::string& text, const std::string& flag) {
  errno = 0;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end == nullptr || *end != '\0' || errno != 0 || !std::isfinite(value) ||
      value <= 0) {
    bad_flag(flag, "must be a positive number of seconds, got '" + text + "'");
  }
  return value;
}

// --benchmark_* flags that fa-sweep sets itself: passing them through would silently break the
// report (names, repetition rows, the output file), so they are refused with the flag to use.
const char* owned_benchmark_flag(const std::string& argument) {
  struct Owned {
    const char* prefix;
    const char* instead;
  };
  static const Owned owned[] = {
      {"--benchmark_out=", "use --out FILE.json"},
      {"--benchmark_out_format=", "use --out FILE.json (the report is always JSON)"},
      {"--benchmark_format=", "fa-sweep prints a console table; use --out for JSON"},
      {"--benchmark_filter=", "use --filter REGEX"},
      {"--benchmark_repetitions=", "use --repetitions N"},
      {"--benchmark_min_time=", "use --min-time SECONDS or --iterations N"},
      {"--benchmark_list_tests=", "use --list"},
      {"--benchmark_report_aggregates_only=",
       "the report keeps every repetition row (fa-compare needs them)"},
      {"--benchmark_display_aggregates_only=",
       "the report is written from the displayed rows and keeps every repetition row"},
  };
  for (const Owned& one : owned) {
    const std::string prefix = one.prefix;
    if (argument.compare(0, prefix.size(), prefix) == 0 ||
        argument == prefix.substr(0, prefix.size() - 1)) {
      return one.instead;
    }
  }
  return nullptr;
}

const char* const kFooter = R"(Examples:
  fa-sweep --config configs/article.json --out results/article.json
  fa-sweep --config configs/article.json --mode eager --filter 'b:(2|512)/s:50/' --repetitions 5
  fa-sweep --config configs/smoke.json --backend cpu --list
  fa-sweep --config configs/article.json --filter 'fwd/empty/' --no-nvtx   # NVTX cost: run with and without

Counters of every case (medians over the iterations of one repetition; times in microseconds):
  e2e_us       host steady clock around one call plus stream synchronisation (= manual time)
  host_us      host steady clock around the call until it returns, no synchronisation
  kernel_us    device time of the core kernel from CUPTI activity records (CPU backend: the
               core's own time, timed directly with the steady clock)
  overhead_us  e2e_us - kernel_us
  tflops, gbps the kernel's throughput: 4*B*H*S*S*D flops (halved when causal); q, k, v read and
               out written

Exit status: 0 done; 1 a case failed (the report is still written); 2 a bad flag, config or
output path (nothing written). Interrupted runs leave no report and keep an existing one.
docs/fa-sweep.md has the details.)";

// Google Benchmark's reading of a boolean flag value: anything but a false spelling is true.
bool truthy(std::string value) {
  for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return !(value == "false" || value == "0" || value == "no" || value == "f" || value == "n" ||
           value == "off");
}

// "--benchmark_context=a=1,b=2" -> {a, 1}, {b, 2}, as Google Benchmark splits it.
void add_user_context(const std::string& value, SweepOptions& options) {
  for (const std::string& item : split_list(value)) {
    const size_t equals = item.find('=');
    if (equals == std::string::npos || equals == 0) {
      bad_flag("--benchmark_context", "expected key=value[,key=value...], got '" + item + "'");
    }
    const std::string key = item.substr(0, equals);
    if (report::is_harness_context_key(key)) {
      bad_flag("--benchmark_context",
               "'" + key + "' is a context key fa-sweep sets itself; choose another name");
    }
    for (const auto& [known, unused] : options.user_context) {
      if (known == key) bad_flag("--benchmark_context", "key '" + key + "' is given twice");
    }
    options.user_context.emplace_back(key, item.substr(equals + 1));
  }
}

// The --benchmark_* flags fa-sweep reads itself; false for the others.
bool read_benchmark_flag(const std::string& argument, SweepOptions& options) {
  const std::string interleaving = "--benchmark_enable_random_interleaving";
  const std::string context = "--benchmark_context=";
  if (argument == interleaving) {
    options.random_interleaving = true;
  } else if (argument.rfind(interleaving + "=", 0) == 0) {
    options.random_interleaving = truthy(argument.substr(interleaving.size() + 1));
  } else if (argument.rfind(context, 0) == 0) {
    add_user_context(argument.substr(context.size()), options);
  } else {
    return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    const size_t first = item.find_first_not_of(" \t");
    const size_t last = item.find_last_not_of(" \t");
    if (first != std::string::npos) items.push_back(item.substr(first, last - first + 1));
    start = end + 1;
  }
  return items;
}

CommandLine parse_command_line(int argc, const char* const* argv) {
  CommandLine result;
  SweepOptions& options = result.options;

  // Google Benchmark's flags are split off before CLI11 sees the rest.
  std::vector<const char*> ours{argc > 0 ? argv[0] : "fa-sweep"};
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument.rfind("--benchmark_", 0) == 0) {
      if (const char* instead = owned_benchmark_flag(argument)) {
        bad_flag(argument.substr(0, argument.find('=')),
                 std::string("set by fa-sweep: ") + instead);
      }
      if (!read_benchmark_flag(argument, options)) options.benchmark_args.push_back(argument);
    } else {
      ours.push_back(argv[i]);
    }
  }

  CLI::App app{
      "fa-sweep: Google Benchmark sweep of attention dispatch paths (end-to-end, host, CUPTI "
      "kernel time, overhead; eager and CUDA-graph mode), with NVTX ranges and a JSON report.",
      "fa-sweep"};
  app.footer(kFooter);
  app.get_formatter()->column_width(32);

  std::string variants, mode, repetitions, min_time, iterations;
  app.add_option("--config", options.config_path,
                 "sweep config (JSON): grid, dtype, variants, modes, repetitions, timing; "
                 "e.g. configs/article.json")
      ->required()
      ->type_name("FILE");
  app.add_option(
         "--variants", variants,
         "comma-separated variants, overriding the config's (known: " + fa::variant_names() + ")")
      ->type_name("LIST");
  app.add_option("--mode", mode,
                 "eager (time calls), graph (capture one call in a CUDA graph, time replays) or "
                 "both; default: the config's modes")
      ->type_name("eager|graph|both");
  app.add_option("--backend", options.backend,
                 "cuda, cpu, or auto (cuda when LibTorch sees a GPU); default auto")
      ->type_name("auto|cuda|cpu");
  app.add_option("--repetitions", repetitions,
                 "repetitions per case (default: the config's, else 10); variants alternate "
                 "between repetitions (random interleaving)")
      ->type_name("N");
  app.add_option("--min-time", min_time,
                 "timed seconds per repetition (Google Benchmark's min_time; default: the "
                 "config's min_time_s)")
      ->type_name("SECONDS");
  app.add_option("--iterations", iterations,
                 "a fixed number of timed calls per repetition instead of --min-time (short "
                 "profiling runs)")
      ->type_name("N");
  app.add_option("--out", options.out,
                 "write Google Benchmark's JSON report (every repetition row plus context) to "
                 "FILE; written to a temporary file and renamed when the run completes (a "
                 "symbolic link: its target is replaced, the link kept; a device, FIFO or "
                 "directory, or the config itself, is refused); default: print only")
      ->type_name("FILE.json");
  app.add_option("--filter", options.filter,
                 "run only the cases whose name matches REGEX anywhere, e.g. 'b:2/s:50/' or "
                 "'fwd/v2.7.0/.*/graph'")
      ->type_name("REGEX");
  app.add_option("--kernel-timing", options.kernel_timing,
                 "after: kernel_us from extra CUPTI-traced calls after each repetition's timed "
                 "loop, so tracing never inflates e2e/host (default); inline: trace the timed "
                 "calls themselves; off: no CUPTI (e.g. under nsys)")
      ->type_name("after|inline|off");
  app.add_flag("--no-nvtx",
               "no NVTX range per case (the dispatch paths' phase ranges remain): "
               "compare the floor case with and without to measure NVTX's cost");
  app.add_option("--phase-samples", options.phase_samples,
                 "calls per repetition in the phase pass after the timed loop: phase:<range> "
                 "counters, the exclusive host time of each NVTX phase (docs/phases.md); 0: off; "
                 "default: the config's phase_samples (100)")
      ->type_name("N")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--list", options.list, "print the names of the cases that would run, then exit");

  try {
    app.parse(static_cast<int>(ours.size()), ours.data());
  } catch (const CLI::CallForHelp& help) {
    std::cout << app.help();
    std::cout << "\nGoogle Benchmark flags (--benchmark_*=VALUE) pass through, e.g. "
                 "--benchmark_enable_random_interleaving=false, --benchmark_counters_tabular=true; "
                 "fa-sweep sets --benchmark_repetitions, _min_time, _filter and _out itself.\n";
    result.exit_code = 0;
    return result;
  } catch (const CLI::ParseError& error) {
    throw UsageError(std::string("fa-sweep: ") + error.what() + " (see --help)");
  }
  options.nvtx = app.count("--no-nvtx") == 0;

  if (options.config_path.empty()) bad_flag("--config", "must name a file");
  if (app.count("--variants") > 0) {
    options.variants = split_list(variants);
    if (options.variants->empty()) bad_flag("--variants", "must name at least one variant");
  }
  if (app.count("--mode") > 0) {
    if (mode != "eager" && mode != "graph" && mode != "both") {
      bad_flag("--mode", "must be eager, graph or both, got '" + mode + "'");
    }
    options.mode = mode;
  }
  if (options.backend != "auto" && options.backend != "cuda" && options.backend != "cpu") {
    bad_flag("--backend", "must be auto, cuda or cpu, got '" + options.backend + "'");
  }
  if (app.count("--repetitions") > 0) {
    options.repetitions = parse_positive_int(repetitions, "--repetitions", kMaxRepetitions);
  }
  if (app.count("--min-time") > 0)
    options.min_time_s = parse_positive_seconds(min_time, "--min-time");
  if (app.count("--iterations") > 0) {
    options.iterations = parse_positive_int(iterations, "--iterations", kMaxIterations);
  }
  if (options.phase_samples && *options.phase_samples > kMaxPhaseSamples) {
    bad_flag("--phase-samples", "must be at most " + std::to_string(kMaxPhaseSamples) +
                                    " (fa-sweep's bound), got " +
                                    std::to_string(*options.phase_samples));
  }
  if (options.min_time_s && options.iterations) {
    bad_flag("--iterations", "give either --min-time or --iterations, not both");
  }
  if (app.count("--out") > 0 && options.out.empty()) bad_flag("--out", "must name a file");
  if (options.kernel_timing != "after" && options.kernel_timing != "inline" &&
      options.kernel_timing != "off") {
    bad_flag("--kernel-timing",
             "must be after, inline or off, got '" + options.kernel_timing + "'");
  }
  result.run = true;
  return result;
}

}  // namespace fa::sweep
