#pragma once
// A sweep configuration (configs/*.json): the grid of problem sizes and the defaults of a run.
// Loading validates everything; an error is one line `<file>: <field>: <problem>`.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace fa::sweep {

// A bad config, flag or output path: main prints what() and exits with status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SweepGrid {
  std::vector<int> batch;
  std::vector<int> seqlen;
  std::vector<int> heads;
  std::vector<int> embed;  // head_dim = embed / heads
};

// Bounds on the counts, in a config and on the command line (issue 15 item 10:
// `--repetitions 1000000000` ended in std::bad_alloc): far above any useful sweep, low enough
// that the per-repetition results and per-iteration samples fit in memory. Beyond one, one line
// names the field and the bound, exit 2.
inline constexpr int kMaxRepetitions = 10000;
inline constexpr int kMaxIterations = 10000000;  // per repetition (two samples kept per call)
inline constexpr int kMaxWarmupIterations = 10000000;
inline constexpr int kMaxKernelSamples = 100000;
inline constexpr int kMaxPhaseSamples = 100000;
// A config is a few hundred bytes; the bound stops an endless or huge file being read into memory.
inline constexpr std::size_t kMaxConfigBytes = std::size_t{1} << 20;

struct SweepConfig {
  std::string path;  // as given on the command line
  std::string name;
  std::string description;
  SweepGrid grid;
  std::string dtype = "fp16";  // "fp16" | "bf16"
  bool causal = false;
  std::vector<std::string> variants;
  std::vector<std::string> modes{"eager"};  // "eager" and/or "graph"
  int repetitions = 10;
  double min_time_s = 0.2;        // timed seconds per repetition (Google Benchmark min_time)
  std::optional<int> iterations;  // a fixed iteration count per repetition instead
  int warmup_iterations = 3;      // untimed calls before each repetition ...
  double warmup_s = 0.0;          // ... and for at least this long
  int kernel_samples = 10;        // traced calls per repetition that give kernel_us
  int phase_samples = 100;        // phase-recorded calls per repetition (0: no phase pass)
  int64_t seed = 0;               // seeds the random inputs
  std::string content_hash;       // "fnv1a64:<16 hex digits>" of the file's bytes
};

// Reads and validates `path` against the variant registry (kernels/variants.h). Throws
// UsageError("<path>: <field>: <problem>").
SweepConfig load_sweep_config(const std::string& path);
// The same from text already read (`path` only names the source in messages).
SweepConfig parse_sweep_config(const std::string& text, const std::string& path);
// The same with the variant names a config may use given: the parser itself needs no kernels,
// so the fuzzer (tests/fuzz) links it without LibTorch.
SweepConfig parse_sweep_config(const std::string& text, const std::string& path,
                               const std::vector<std::string>& known_variants);
// The file's bytes; UsageError("<path>: (file): ...") when it cannot be read.
std::string read_config_file(const std::string& path);

// "fnv1a64:" + 16 lowercase hex digits of the 64-bit FNV-1a hash of `bytes`.
std::string content_hash(const std::string& bytes);

}  // namespace fa::sweep
