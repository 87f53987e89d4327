#include "synthetic_report.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace fa::testing {
namespace {

using nlohmann::json;

double median_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

json timed_row(const std::string& name, const std::string& run_type, double e2e,
               std::optional<double> kernel) {
  json row = {
      {"name", name},          {"run_name", name},        {"run_type", run_type},
      {"iterations", 1000},    {"real_time", e2e * 1000},  // ns, as Google Benchmark's default unit
      {"cpu_time", e2e * 900}, {"time_unit", "ns"},       {"e2e_us", e2e},
      {"host_us", e2e * 0.5}};
  if (kernel) {
    row["kernel_us"] = *kernel;
    row["overhead_us"] = e2e - *kernel;
  }
  return row;
}

}  // namespace

std::vector<double> noisy_samples(double center, double relative_noise, int n, std::uint64_t seed) {
  std::mt19937_64 generator(seed);
  std::vector<double> values;
  for (int i = 0; i < n; ++i) {
    const double unit = static_cast<double>(generator() >> 11) * 0x1.0p-53;  // [0, 1)
    values.push_back(center * (1 + relative_noise * (2 * unit - 1)));
  }
  return values;
}

double lognormal_factor(double sigma, std::uint64_t seed) {
  std::mt19937_64 generator(seed);
  const double u1 = (static_cast<double>(generator() >> 11) + 1) * 0x1.0p-53;  // (0, 1]
  const double u2 = static_cast<double>(generator() >> 11) * 0x1.0p-53;
  const double z = std::sqrt(-2 * std::log(u1)) * std::cos(2 * 3.14159265358979323846 * u2);
  return std::exp(sigma * z);
}

json fa_context(const std::string& gpu, const std::string& config) {
  return {{"fa_versus_schema", 1},
          {"gpu_name", gpu},
          {"sm_count", 132},
          {"backend", "cuda"},
          {"mode", "eager"},
          {"config_name", config},
          {"config_hash", "1234abcd"},
          {"git_commit", "0123456"},
          {"libtorch_version", "2.4.0"},
          {"driver_version", "550.54"},
          {"cuda_runtime_version", "12.4"}};
}

std::string make_report(const std::vector<SyntheticCase>& cases, const json& context) {
  json benchmarks = json::array();
  for (const SyntheticCase& c : cases) {
    const std::string name = c.name + "/manual_time";
    if (c.error) {
      benchmarks.push_back({{"name", name},
                            {"run_name", name},
                            {"run_type", "iteration"},
                            {"error_occurred", true},
                            {"error_message", *c.error}});
      continue;
    }
    const auto repetitions = static_cast<int>(c.e2e_us.size());
    for (int i = 0; i < repetitions; ++i) {
      std::optional<double> kernel;
      if (!c.kernel_us.empty()) kernel = c.kernel_us[static_cast<std::size_t>(i)];
      json row = timed_row(name, "iteration", c.e2e_us[static_cast<std::size_t>(i)], kernel);
      row["repetitions"] = repetitions;
      row["repetition_index"] = i;
      for (const auto& [phase, samples] : c.phases) {
        row["phase:" + phase] = samples[static_cast<std::size_t>(i)];
      }
      benchmarks.push_back(row);
    }
    // Aggregates as Google Benchmark appends them; the loader must not mistake them for samples.
    const double median = median_of(c.e2e_us);
    std::optional<double> kernel_median;
    if (!c.kernel_us.empty()) kernel_median = median_of(c.kernel_us);
    for (const char* aggregate : {"mean", "median", "stddev", "cv"}) {
      const bool spread = std::string(aggregate) == "stddev" || std::string(aggregate) == "cv";
      json row = spread ? json{{"name", name + "_" + aggregate},
                               {"run_name", name},
                               {"run_type", "aggregate"},
                               {"iterations", repetitions},
                               {"real_time", 0.0},
                               {"cpu_time", 0.0},
                               {"time_unit", "ns"}}
                        : timed_row(name + "_" + aggregate, "aggregate", median, kernel_median);
      row["run_name"] = name;
      row["aggregate_name"] = aggregate;
      row["repetitions"] = repetitions;
      benchmarks.push_back(row);
    }
  }
  return json{{"context", context}, {"benchmarks", benchmarks}}.dump(1);
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "fa-compare-test-XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::add, ignored);
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::write(const std::string& name, const std::string& text) const {
  const std::filesystem::path file = path_ / name;
  std::ofstream out(file, std::ios::binary);
  out << text;
  return file.string();
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace fa::testing
