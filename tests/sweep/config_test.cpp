// Config loading: the shipped configs load; every bad file is rejected with one line naming the
// file, the field and the problem (fa-sweep then exits 2: see sweep_cli_test.cpp).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <utility>
#include <vector>

#include "sweep/sweep_config.h"
#include "test_support.h"

namespace fa::sweep {
namespace {

TEST(SweepConfig, ArticleConfigIsTheStudysGrid) {
  const SweepConfig config = load_sweep_config(test::configs_dir() + "/article.json");
  EXPECT_EQ(config.name, "article");
  EXPECT_EQ(config.grid.batch, (std::vector<int>{2, 4, 8, 16, 32, 64, 128, 256, 512}));
  EXPECT_EQ(config.grid.seqlen, (std::vector<int>{50, 150, 300}));
  EXPECT_EQ(config.grid.heads, std::vector<int>{16});
  EXPECT_EQ(config.grid.embed, std::vector<int>{256});
  EXPECT_EQ(config.dtype, "fp16");
  EXPECT_FALSE(config.causal);
  EXPECT_EQ(config.variants, (std::vector<std::string>{"v2.6.3", "v2.7.0"}));
  EXPECT_EQ(config.modes, (std::vector<std::string>{"eager", "graph"}));
  EXPECT_EQ(config.repetitions, 10);
  EXPECT_GT(config.min_time_s, 0.0);
  EXPECT_LE(config.min_time_s, 0.3);  // keeps the eager + graph sweep under 10 minutes
  EXPECT_FALSE(config.iterations.has_value());
  EXPECT_EQ(config.content_hash.rfind("fnv1a64:", 0), 0u);
  EXPECT_EQ(config.content_hash.size(), 8u + 16u);
}

TEST(SweepConfig, SmokeConfigIsSmall) {
  const SweepConfig config = load_sweep_config(test::configs_dir() + "/smoke.json");
  EXPECT_EQ(config.name, "smoke");
  EXPECT_LE(config.grid.batch.size() * config.grid.seqlen.size() * config.grid.heads.size() *
                config.grid.embed.size(),
            4u);
  EXPECT_EQ(config.modes, std::vector<std::string>{"eager"});
  EXPECT_LE(config.min_time_s, 0.05);
}

TEST(SweepConfig, DefaultsApplyWhereKeysAreAbsent) {
  const SweepConfig config = parse_sweep_config(
      R"({"name": "x", "grid": {"batch": [1], "seqlen": [8], "heads": [2], "embed": [32]},
          "variants": ["v2.6.3"]})",
      "x.json");
  EXPECT_EQ(config.dtype, "fp16");
  EXPECT_EQ(config.modes, std::vector<std::string>{"eager"});
  EXPECT_EQ(config.repetitions, 10);
  EXPECT_EQ(config.warmup_iterations, 3);
  EXPECT_EQ(config.kernel_samples, 10);
  EXPECT_EQ(config.grid.embed.front() / config.grid.heads.front(), 16);
}

TEST(SweepConfig, HashIsOfTheBytes) {
  EXPECT_EQ(content_hash(""), "fnv1a64:cbf29ce484222325");
  EXPECT_NE(content_hash("{\"a\": 1}"), content_hash("{\"a\":1}"));
}

TEST(SweepConfig, MissingFileNamesTheFile) {
  try {
    load_sweep_config("/nonexistent/config.json");
    FAIL() << "no error";
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()).rfind("/nonexistent/config.json: (file): cannot read", 0),
              0u)
        << error.what();
  }
}

// Issue 15: a directory read as nothing and was reported as "line 1, column 1: invalid JSON".
TEST(SweepConfig, ADirectoryIsSaidToBeOne) {
  try {
    load_sweep_config("/tmp");
    FAIL() << "no error";
  } catch (const UsageError& error) {
    EXPECT_STREQ(error.what(), "/tmp: (file): is a directory, expected a JSON file");
  }
}

// A FIFO without a writer blocked for ever and /dev/zero was read until memory ran out (issue 15
// re-run): only regular files are read, and at most kMaxConfigBytes of them.
TEST(SweepConfig, AFifoADeviceOrAHugeFileIsRefusedWithoutReadingIt) {
  const test::TempDir dir;
  const std::string fifo = dir.file("config.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  const std::string huge = dir.file("huge.json");
  test::write_file(huge, std::string(kMaxConfigBytes + 1, ' '));
  for (const auto& [path, message] : std::vector<std::pair<std::string, std::string>>{
           {fifo, ": (file): is a FIFO (named pipe), expected a JSON file"},
           {"/dev/zero", ": (file): is a device, expected a JSON file"},
           {huge, ": (file): larger than the 1 MiB limit of a sweep config; not read"}}) {
    try {
      load_sweep_config(path);
      ADD_FAILURE() << path << ": no error";
    } catch (const UsageError& error) {
      EXPECT_EQ(error.what(), path + message);
    }
  }
}

struct BadConfig {
  const char* what;
  std::string text;
  std::string field;    // the message starts with "bad.json: <field>: "
  std::string problem;  // and contains this
};

// A valid config with one part replaced.
std::string config_with(const std::string& grid, const std::string& rest = "") {
  return R"({"name": "bad", "grid": )" + grid + R"(, "variants": ["v2.6.3", "v2.7.0"])" + rest +
         "}";
}
const std::string kGrid = R"({"batch": [2, 4], "seqlen": [50], "heads": [16], "embed": [256]})";

std::vector<BadConfig> bad_configs() {
  return {
      {"not JSON", "{\"name\": ", "line 1, column 10", "invalid JSON"},
      {"not an object", "[1, 2]", "(root)", "must be a JSON object"},
      // Found by tests/fuzz: a deep value crashed the message's dump() with a stack overflow.
      {"nested too deep",
       config_with(kGrid, R"(, "description": )" + std::string(5000, '[') + std::string(5000, ']')),
       "(root)", "nested deeper than 16 levels"},
      // Found by tests/fuzz: nlohmann::json's out_of_range escaped the parser.
      {"number overflow", config_with(kGrid, R"(, "seed": 1e999)"), "(root)",
       "number overflow parsing '1e999'"},
      {"unknown key", config_with(kGrid, R"(, "repetitons": 3)"), "repetitons", "unknown key"},
      // Issue 15: a key given twice took the last value silently.
      {"duplicate key", config_with(kGrid, R"(, "repetitions": 3, "repetitions": 5)"),
       "repetitions", "duplicate key"},
      {"duplicate nested key",
       config_with(
           R"({"batch": [2], "seqlen": [50], "heads": [16], "embed": [256], "batch": [4]})"),
       "grid.batch", "duplicate key"},
      {"no name", R"({"grid": )" + kGrid + R"(, "variants": ["v2.6.3"]})", "name",
       "missing (required)"},
      {"empty name", R"({"name": "", "grid": )" + kGrid + R"(, "variants": ["v2.6.3"]})", "name",
       "must not be empty"},
      {"no grid", R"({"name": "x", "variants": ["v2.6.3"]})", "grid", "missing (required)"},
      {"grid not an object", config_with("[1]"), "grid", "must be an object"},
      {"unknown grid key",
       config_with(R"({"batch": [2], "seqlen": [50], "heads": [16], "embed": [256], "dim": [1]})"),
       "grid.dim", "unknown key"},
      {"missing axis", config_with(R"({"batch": [2], "seqlen": [50], "heads": [16]})"),
       "grid.embed", "missing (required)"},
      {"empty axis", config_with(R"({"batch": [], "seqlen": [50], "heads": [16], "embed": [256]})"),
       "grid.batch", "must not be empty"},
      {"axis not a list",
       config_with(R"({"batch": 2, "seqlen": [50], "heads": [16], "embed": [256]})"), "grid.batch",
       "must be a list of positive integers"},
      {"string in axis",
       config_with(R"({"batch": [2, "4"], "seqlen": [50], "heads": [16], "embed": [256]})"),
       "grid.batch[1]", "must be a positive integer, got string"},
      {"zero in axis",
       config_with(R"({"batch": [0], "seqlen": [50], "heads": [16], "embed": [256]})"),
       "grid.batch[0]", "must be positive, got 0"},
      {"negative in axis",
       config_with(R"({"batch": [2], "seqlen": [-50], "heads": [16], "embed": [256]})"),
       "grid.seqlen[0]", "must be positive, got -50"},
      {"fraction in axis",
       config_with(R"({"batch": [2], "seqlen": [50.5], "heads": [16], "embed": [256]})"),
       "grid.seqlen[0]", "must be a positive integer, got a number with a fraction"},
      {"duplicate in axis",
       config_with(R"({"batch": [2], "seqlen": [50], "heads": [16, 16], "embed": [256]})"),
       "grid.heads[1]", "duplicate value 16"},
      {"embed not divisible",
       config_with(R"({"batch": [2], "seqlen": [50], "heads": [16], "embed": [250]})"),
       "grid.embed", "embed 250 is not divisible by heads 16"},
      {"head_dim over 256",
       config_with(R"({"batch": [2], "seqlen": [50], "heads": [1], "embed": [512]})"), "grid.embed",
       "exceeds 256"},
      {"huge value",
       config_with(R"({"batch": [2], "seqlen": [50], "heads": [16], "embed": [256]})",
                   R"(, "repetitions": 10000000000)"),
       "repetitions", "must be at most"},
      {"dtype", config_with(kGrid, R"(, "dtype": "fp32")"), "dtype",
       "must be \"fp16\" or \"bf16\""},
      {"causal", config_with(kGrid, R"(, "causal": "no")"), "causal", "must be true or false"},
      {"no variants", R"({"name": "x", "grid": )" + kGrid + "}", "variants", "missing (required)"},
      {"empty variants", R"({"name": "x", "grid": )" + kGrid + R"(, "variants": []})", "variants",
       "must not be empty"},
      {"unknown variant",
       R"({"name": "x", "grid": )" + kGrid + R"(, "variants": ["v2.6.3", "v9"]})", "variants[1]",
       "unknown variant \"v9\" (known: v2.6.3, v2.7.0"},
      {"duplicate variant",
       R"({"name": "x", "grid": )" + kGrid + R"(, "variants": ["v2.6.3", "v2.6.3"]})",
       "variants[1]", "duplicate value"},
      {"mode", config_with(kGrid, R"(, "modes": ["eager", "lazy"])"), "modes[1]",
       "must be \"eager\" or \"graph\""},
      {"repetitions zero", config_with(kGrid, R"(, "repetitions": 0)"), "repetitions",
       "must be positive"},
      {"repetitions bool", config_with(kGrid, R"(, "repetitions": true)"), "repetitions",
       "must be a positive integer, got boolean"},
      {"min_time negative", config_with(kGrid, R"(, "min_time_s": -0.1)"), "min_time_s",
       "must be positive"},
      {"min_time string", config_with(kGrid, R"(, "min_time_s": "0.1")"), "min_time_s",
       "must be a number"},
      {"iterations zero", config_with(kGrid, R"(, "iterations": 0)"), "iterations",
       "must be positive"},
      {"warmup negative", config_with(kGrid, R"(, "warmup_iterations": -1)"), "warmup_iterations",
       "must be zero or positive"},
      {"warmup_s negative", config_with(kGrid, R"(, "warmup_s": -1)"), "warmup_s",
       "must be zero or positive"},
      {"kernel samples", config_with(kGrid, R"(, "kernel_samples": 0)"), "kernel_samples",
       "must be positive"},
      // Issue 15 re-run: the name is printed in one-line messages.
      {"name with a newline",
       R"({"name": "a\nb", "grid": )" + kGrid + R"(, "variants": ["v2.6.3"]})", "name",
       "must not contain control characters"},
      // Issue 15 item 10: absurd counts are bounded (they ended in std::bad_alloc).
      {"repetitions absurd", config_with(kGrid, R"(, "repetitions": 1000000000)"), "repetitions",
       "must be at most 10000 (fa-sweep's bound), got 1000000000"},
      {"iterations absurd", config_with(kGrid, R"(, "iterations": 1000000000)"), "iterations",
       "must be at most 10000000"},
      {"warmup absurd", config_with(kGrid, R"(, "warmup_iterations": 1000000000)"),
       "warmup_iterations", "must be at most 10000000"},
      {"kernel samples absurd", config_with(kGrid, R"(, "kernel_samples": 1000000000)"),
       "kernel_samples", "must be at most 100000"},
      {"phase samples absurd", config_with(kGrid, R"(, "phase_samples": 1000000000)"),
       "phase_samples", "must be at most 100000"},
  };
}

TEST(SweepConfig, BadConfigsNameFileFieldAndProblem) {
  for (const BadConfig& bad : bad_configs()) {
    SCOPED_TRACE(bad.what);
    try {
      parse_sweep_config(bad.text, "bad.json");
      ADD_FAILURE() << "accepted: " << bad.text;
    } catch (const UsageError& error) {
      const std::string message = error.what();
      EXPECT_EQ(message.rfind("bad.json: " + bad.field + ": ", 0), 0u) << message;
      EXPECT_NE(message.find(bad.problem), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
    }
  }
}

TEST(SweepConfig, ZeroWarmupIsAllowed) {
  const SweepConfig config = parse_sweep_config(
      config_with(kGrid, R"(, "warmup_iterations": 0, "warmup_s": 0)"), "x.json");
  EXPECT_EQ(config.warmup_iterations, 0);
  EXPECT_EQ(config.warmup_s, 0.0);
}

}  // namespace
}  // namespace fa::sweep
