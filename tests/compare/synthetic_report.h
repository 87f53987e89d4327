#pragma once
// Synthetic fa-sweep reports with known answers, written by the tests into a temporary folder.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fa::testing {

struct SyntheticCase {
  std::string name;               // e.g. "fwd/v2.6.3/b:2/s:50/h:16/d:16/fp16/eager"
  std::vector<double> e2e_us;     // one per repetition
  std::vector<double> kernel_us;  // empty: no kernel_us/overhead_us counters
  std::optional<std::string> error;
  // Phase range name -> one exclusive time per repetition, written as "phase:<name>" counters.
  std::map<std::string, std::vector<double>> phases = {};
};

// exp(sigma * z) for a standard normal z drawn from `seed` (Box-Muller on our own uniform draws,
// so every platform gets the same value): a lognormal factor, e.g. one process's slowdown.
double lognormal_factor(double sigma, std::uint64_t seed);

// `n` values around `center`, spread uniformly by +/- `relative_noise`, reproducible from `seed`
// on every platform (no std:: distributions).
std::vector<double> noisy_samples(double center, double relative_noise, int n, std::uint64_t seed);

nlohmann::json fa_context(const std::string& gpu = "NVIDIA H100 80GB HBM3",
                          const std::string& config = "article");

// Google Benchmark JSON as fa-sweep writes it: iteration rows with "/manual_time" names and the
// counters, then mean/median/stddev/cv aggregate rows per case.
std::string make_report(const std::vector<SyntheticCase>& cases,
                        const nlohmann::json& context = fa_context());

// A fresh folder under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path path() const { return path_; }
  // Writes `text` to `name` inside the folder; returns the full path.
  std::string write(const std::string& name, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path);

}  // namespace fa::testing
