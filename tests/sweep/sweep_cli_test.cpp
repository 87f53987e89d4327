// fa-sweep as a user runs it (a subprocess): exit codes and messages of bad input, the CPU
// backend sweep of configs/smoke.json end to end with its JSON report, and what an interrupted
// run leaves behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "test_support.h"

namespace fa::sweep {
namespace {

using nlohmann::json;
using test::file_exists;
using test::list_directory;
using test::read_file;
using test::run_sweep;
using test::split_lines;
using test::TempDir;
using test::write_file;

std::string smoke() {
  return test::configs_dir() + "/smoke.json";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(SweepCli, HelpExplainsEveryFlag) {
  const test::ProcessResult result = run_sweep({"--help"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  for (const char* flag :
       {"--config", "--variants", "--mode", "--backend", "--repetitions", "--min-time",
        "--iterations", "--out", "--filter", "--kernel-timing", "--no-nvtx", "--list",
        "--benchmark_", "Examples:", "e2e_us", "host_us", "kernel_us", "overhead_us"}) {
    EXPECT_TRUE(contains(result.out, flag)) << flag << "\n" << result.out;
  }
}

TEST(SweepCli, BadConfigExitsTwoNamingFileAndField) {
  const TempDir dir;
  struct Bad {
    std::string content;
    std::string field;
  };
  const std::vector<Bad> bad = {
      {R"({"name": "x", "grid": {"batch": [2], "seqlen": [50], "heads": [16], "embed": [250]},
          "variants": ["v2.6.3"]})",
       "grid.embed"},
      {R"({"name": "x", "grid": {"batch": [], "seqlen": [50], "heads": [16], "embed": [256]},
          "variants": ["v2.6.3"]})",
       "grid.batch"},
      {R"({"name": "x", "grid": {"batch": [2], "seqlen": [50], "heads": [16], "embed": [256]},
          "variants": ["v2.6.3"], "colour": "red"})",
       "colour"},
      {R"({"name": "x", "grid": {"batch": [2], "seqlen": [50], "heads": [16], "embed": [256]},
          "variants": ["flash3"]})",
       "variants[0]"},
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    const std::string path = dir.file("bad" + std::to_string(i) + ".json");
    write_file(path, bad[i].content);
    const test::ProcessResult result = run_sweep({"--config", path, "--out", dir.file("r.json")});
    EXPECT_EQ(result.exit_code, 2) << result.err;
    const std::vector<std::string> lines = split_lines(result.err);
    ASSERT_EQ(lines.size(), 1u) << result.err;
    EXPECT_EQ(lines[0].rfind(path + ": " + bad[i].field + ": ", 0), 0u) << lines[0];
    EXPECT_FALSE(file_exists(dir.file("r.json")));
  }
  const test::ProcessResult missing = run_sweep({"--config", dir.file("none.json")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(contains(missing.err, dir.file("none.json") + ": (file): cannot read"))
      << missing.err;
  // Only the temporary config files: nothing was written.
  EXPECT_EQ(list_directory(dir.path()).size(), bad.size());
}

TEST(SweepCli, BadFlagsExitTwo) {
  const TempDir dir;
  struct Bad {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Bad> bad = {
      {{"--mode", "lazy"}, "fa-sweep: --mode: must be eager, graph or both"},
      {{"--backend", "cuda"}, "fa-sweep: --backend: cuda is not available"},
      {{"--filter", "b:999/"}, "fa-sweep: --filter: 'b:999/' matches none"},
      {{"--variants", "v2.6.3,flash3"}, "fa-sweep: --variants: unknown variant 'flash3'"},
      {{"--benchmark_filter=b:2"}, "fa-sweep: --benchmark_filter: set by fa-sweep"},
      {{"--benchmark_frobnicate=1"}, "unrecognised --benchmark_* flag"},
      {{"--out", dir.file("no/such/dir/r.json")}, "fa-sweep: --out: "},
      {{"--out", dir.path()}, "is a directory"},
      // Issue 15 item 10: bounded, not std::bad_alloc.
      {{"--repetitions", "1000000000"},
       "fa-sweep: --repetitions: must be at most 10000 (fa-sweep's bound), got 1000000000"},
      {{"--iterations", "1000000000"}, "fa-sweep: --iterations: must be at most 10000000"},
      {{"--phase-samples", "1000000000"}, "fa-sweep: --phase-samples: must be at most 100000"},
  };
  for (const Bad& one : bad) {
    std::vector<std::string> args{"--config", smoke(), "--backend", "auto"};
    if (one.args.front() == "--backend") args.resize(2);
    args.insert(args.end(), one.args.begin(), one.args.end());
    const test::ProcessResult result = run_sweep(args);
    if (one.args.front() == "--backend" && result.exit_code == 0) continue;  // a GPU is here
    EXPECT_EQ(result.exit_code, 2) << one.message << "\n" << result.err;
    EXPECT_TRUE(contains(result.err, one.message)) << result.err;
  }
  EXPECT_TRUE(list_directory(dir.path()).empty());
}

TEST(SweepCli, ListPrintsCaseNames) {
  const test::ProcessResult result = run_sweep({"--config", smoke(), "--backend", "cpu", "--list"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(split_lines(result.out), (std::vector<std::string>{
                                         "fwd/empty/b:2/s:50/h:4/d:16/fp16/eager",
                                         "fwd/v2.6.3/b:2/s:50/h:4/d:16/fp16/eager",
                                         "fwd/v2.7.0/b:2/s:50/h:4/d:16/fp16/eager",
                                         "fwd/v2.6.3/b:4/s:50/h:4/d:16/fp16/eager",
                                         "fwd/v2.7.0/b:4/s:50/h:4/d:16/fp16/eager",
                                     }));
}

// The CI sweep: every case, every repetition row, every counter, the context.
TEST(SweepCli, CpuSmokeSweepEndToEnd) {
  const TempDir dir;
  const std::string out = dir.file("smoke.json");
  // A backslash in an argument: the command line in the context must stay valid JSON.
  const test::ProcessResult result =
      run_sweep({"--config", smoke(), "--backend", "cpu", "--out", out, "--filter", "fwd/\\w"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(list_directory(dir.path()), std::vector<std::string>{"smoke.json"});

  // Progress while it runs, the summary table at the end.
  EXPECT_TRUE(contains(result.err, "repetition 15 of 15")) << result.err;
  EXPECT_TRUE(contains(result.out, "fa-sweep summary")) << result.out;
  EXPECT_TRUE(contains(result.out, "e2e v2.6.3")) << result.out;
  EXPECT_TRUE(contains(result.out, "v2.7.0/v2.6.3")) << result.out;
  EXPECT_TRUE(contains(result.out, "floor fwd/empty/")) << result.out;

  const json report = json::parse(read_file(out));
  const json& context = report.at("context");
  EXPECT_EQ(context.at("fa_versus_schema"), 1);
  EXPECT_EQ(context.at("config_name"), "smoke");
  EXPECT_EQ(context.at("config_path"), smoke());
  EXPECT_EQ(context.at("config_hash").get<std::string>().rfind("fnv1a64:", 0), 0u);
  EXPECT_EQ(context.at("backend"), "cpu");
  EXPECT_EQ(context.at("mode"), "eager");
  EXPECT_EQ(context.at("variants"), "v2.6.3,v2.7.0");
  EXPECT_EQ(context.at("repetitions"), "3");
  EXPECT_EQ(context.at("random_interleaving"), "true");
  EXPECT_EQ(context.at("kernel_timing"), "cpu-core-steady-clock");
  EXPECT_EQ(context.at("gpu_name"), "none (cpu backend)");
  for (const char* key : {"libtorch_version", "git_commit", "benchmark_library_version",
                          "command_line", "nvtx_case_ranges", "counter_statistic", "date"}) {
    EXPECT_TRUE(context.contains(key)) << key;
  }
  EXPECT_TRUE(contains(context.at("command_line").get<std::string>(), "fwd/\\w"));

  const std::set<std::string> cases = {
      "fwd/empty/b:2/s:50/h:4/d:16/fp16/eager", "fwd/v2.6.3/b:2/s:50/h:4/d:16/fp16/eager",
      "fwd/v2.7.0/b:2/s:50/h:4/d:16/fp16/eager", "fwd/v2.6.3/b:4/s:50/h:4/d:16/fp16/eager",
      "fwd/v2.7.0/b:4/s:50/h:4/d:16/fp16/eager"};
  std::map<std::string, int> repetition_rows, median_rows;
  for (const json& row : report.at("benchmarks")) {
    const std::string label = row.at("label");
    ASSERT_TRUE(cases.count(label)) << label;
    EXPECT_EQ(row.at("name").get<std::string>().rfind(label + "/manual_time", 0), 0u);
    EXPECT_FALSE(row.value("error_occurred", false)) << row.dump();
    EXPECT_EQ(row.at("time_unit"), "us");
    if (row.at("run_type") == "aggregate") {
      if (row.at("aggregate_name") == "median") ++median_rows[label];
      continue;
    }
    ++repetition_rows[label];
    SCOPED_TRACE(row.dump());
    EXPECT_GT(row.at("iterations").get<int64_t>(), 0);
    EXPECT_GT(row.at("real_time").get<double>(), 0.0);
    const double e2e = row.at("e2e_us"), host = row.at("host_us"), kernel = row.at("kernel_us"),
                 overhead = row.at("overhead_us");
    EXPECT_GT(e2e, 0.0);
    EXPECT_GT(host, 0.0);
    EXPECT_LE(host, e2e);  // per iteration host <= e2e, so their medians too
    EXPECT_GT(kernel, 0.0);
    EXPECT_NEAR(overhead, e2e - kernel, 1e-9 * e2e);
    const bool floor = label.rfind("fwd/empty/", 0) == 0;
    EXPECT_EQ(row.contains("tflops"), !floor);
    EXPECT_EQ(row.contains("gbps"), !floor);
    if (!floor) {
      EXPECT_GT(row.at("tflops").get<double>(), 0.0);
      EXPECT_GT(row.at("gbps").get<double>(), 0.0);
    }
  }
  for (const std::string& name : cases) {
    EXPECT_EQ(repetition_rows[name], 3) << name;  // every repetition row is kept
    EXPECT_EQ(median_rows[name], 1) << name;
  }
}

TEST(SweepCli, UnavailableVariantsAreSkippedWithTheirReason) {
  const test::ProcessResult result =
      run_sweep({"--config", smoke(), "--backend", "cpu", "--variants", "v2.6.3,sdpa-flash",
                 "--iterations", "2", "--repetitions", "2", "--filter", "b:2/"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.err, "fwd/sdpa-flash/b:2/s:50/h:4/d:16/fp16/eager: skipped: "))
      << result.err;
  EXPECT_TRUE(contains(result.out, "skipped: ")) << result.out;
}

// One case that cannot run (its inputs would need 6.4 TB: the memory check refuses it, even where
// the kernel would grant the allocation): the report records that case as failed, the other
// cases still run, and the exit status says a case failed.
TEST(SweepCli, AFailingCaseIsRecordedAndTheSweepGoesOn) {
  const TempDir dir;
  const std::string config = dir.file("huge.json");
  write_file(config, R"({"name": "huge", "grid": {"batch": [2, 1000000000], "seqlen": [50],
    "heads": [4], "embed": [64]}, "variants": ["v2.6.3"], "repetitions": 2,
    "min_time_s": 0.001, "warmup_iterations": 1, "kernel_samples": 2})");
  // Under AddressSanitizer the failed allocation must return null (as malloc does), not abort.
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string asan_options =
      std::string(asan != nullptr ? asan : "") + ":allocator_may_return_null=1";
  ::setenv("ASAN_OPTIONS", asan_options.c_str(), 1);
  const std::string out = dir.file("report.json");
  const test::ProcessResult result =
      run_sweep({"--config", config, "--backend", "cpu", "--out", out});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;

  const json report = json::parse(read_file(out));
  std::map<std::string, int> good_rows, failed_rows;
  for (const json& row : report.at("benchmarks")) {
    const std::string name = row.at("name");
    if (row.value("error_occurred", false)) {
      ++failed_rows[name.substr(0, name.find("/manual_time"))];
      EXPECT_TRUE(contains(row.at("error_message").get<std::string>(), "failed: ")) << row.dump();
    } else {
      ++good_rows[row.at("label").get<std::string>()];
    }
  }
  EXPECT_GT(failed_rows["fwd/v2.6.3/b:1000000000/s:50/h:4/d:16/fp16/eager"], 0) << report.dump();
  EXPECT_EQ(failed_rows.size(), 1u) << report.dump();
  EXPECT_GT(good_rows["fwd/v2.6.3/b:2/s:50/h:4/d:16/fp16/eager"], 0) << report.dump();
  EXPECT_GT(good_rows["fwd/empty/b:2/s:50/h:4/d:16/fp16/eager"], 0) << report.dump();
}

// A CPU sweep long enough to be interrupted (50 repetitions of 0.5 s) writing `out`; its
// output goes to dir/stdout and dir/stderr.
pid_t start_long_sweep(const TempDir& dir, const std::string& out) {
  return test::start_process({test::sweep_binary(), "--config", smoke(), "--backend", "cpu",
                              "--out", out, "--min-time", "0.5", "--repetitions", "50"},
                             dir.file("stdout"), dir.file("stderr"));
}

// Waits until the sweep's progress shows its first repetition (it is inside the benchmarks then),
// or until `deadline`.
void wait_for_first_repetition(const TempDir& dir, std::chrono::steady_clock::time_point deadline) {
  while (!contains(read_file(dir.file("stderr")), "repetition 1 of") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Ctrl-C in the middle of a run: no half report, and the previous report survives.
TEST(SweepCli, InterruptedRunKeepsThePreviousReport) {
  const TempDir dir;
  const std::string out = dir.file("report.json");
  write_file(out, "{\"previous\": true}");
  const pid_t pid = start_long_sweep(dir, out);
  const std::string temporary = out + ".tmp." + std::to_string(pid);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!file_exists(temporary) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(file_exists(temporary)) << read_file(dir.file("stderr"));
  // Let it get into the benchmarks (Google Benchmark has opened the file by then).
  wait_for_first_repetition(dir, deadline);
  ASSERT_EQ(::kill(pid, SIGINT), 0);
  const test::ProcessResult result = test::wait_process(pid);
  EXPECT_EQ(result.signal, SIGINT) << read_file(dir.file("stderr"));
  EXPECT_FALSE(file_exists(temporary));
  EXPECT_EQ(read_file(out), "{\"previous\": true}");
}

}  // namespace
}  // namespace fa::sweep

namespace fa::sweep {
namespace {

// --benchmark_context: a user's keys reach the report; keys the harness sets cannot be forged
// (a forged gpu_name would pass fa-compare's --strict context check).
TEST(SweepCli, UserContextIsKeptAndCannotOverrideTheHarnessKeys) {
  const test::TempDir dir;
  const std::string out = dir.file("report.json");
  const test::ProcessResult good = run_sweep(
      {"--config", smoke(), "--backend", "cpu", "--iterations", "2", "--repetitions", "2",
       "--filter", "fwd/empty/", "--benchmark_context=ab_round=01,ab_side=base", "--out", out});
  ASSERT_EQ(good.exit_code, 0) << good.err;
  const nlohmann::json report = nlohmann::json::parse(test::read_file(out));
  EXPECT_EQ(report["context"]["ab_round"], "01");
  EXPECT_EQ(report["context"]["ab_side"], "base");
  EXPECT_EQ(report["context"]["gpu_name"], "none (cpu backend)");

  for (const char* forged : {"--benchmark_context=gpu_name=H100", "--benchmark_context=x=1,date=0",
                             "--benchmark_context=fa_versus_schema=2"}) {
    SCOPED_TRACE(forged);
    const std::string forged_out = dir.file("forged.json");
    const test::ProcessResult result =
        run_sweep({"--config", smoke(), "--backend", "cpu", forged, "--out", forged_out});
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_TRUE(contains(result.err, "--benchmark_context")) << result.err;
    EXPECT_FALSE(test::file_exists(forged_out));
  }
}

}  // namespace
}  // namespace fa::sweep

namespace fa::sweep {
namespace {

using test::file_exists;
using test::list_directory;
using test::read_file;
using test::run_sweep;
using test::split_lines;
using test::TempDir;
using test::write_file;

// The names in `directory`, sorted (readdir's order is the file system's).
std::vector<std::string> sorted_names(const std::string& directory) {
  std::vector<std::string> names = list_directory(directory);
  std::sort(names.begin(), names.end());
  return names;
}

// Issue 15 item 1: --out naming the config (by identity: the same path, another spelling, a
// hard or symbolic link) is refused before anything runs; the config is untouched.
TEST(SweepCliOutputFile, OutThatIsTheConfigIsRefused) {
  const TempDir dir;
  const std::string config = dir.file("c.json");
  const std::string original = read_file(test::configs_dir() + "/smoke.json");
  write_file(config, original);
  ASSERT_EQ(::mkdir(dir.file("sub").c_str(), 0755), 0);
  ASSERT_EQ(::symlink(config.c_str(), dir.file("soft.json").c_str()), 0);
  ASSERT_EQ(::link(config.c_str(), dir.file("hard.json").c_str()), 0);
  for (const std::string& out :
       {config, dir.file("sub/../c.json"), dir.file("soft.json"), dir.file("hard.json")}) {
    const test::ProcessResult result =
        run_sweep({"--config", config, "--backend", "cpu", "--out", out});
    EXPECT_EQ(result.exit_code, 2) << out << "\n" << result.err;
    const std::vector<std::string> lines = split_lines(result.err);
    ASSERT_EQ(lines.size(), 1u) << result.err;
    EXPECT_NE(lines[0].find("refusing to overwrite"), std::string::npos) << lines[0];
    EXPECT_EQ(read_file(config), original);
  }
  EXPECT_EQ(list_directory(dir.path()).size(), 4u);  // no temporary file left
}

// Item 2: a device, FIFO, socket or directory is refused up front (before the sweep), a link is
// written through to its target.
TEST(SweepCliOutputFile, NonRegularOutIsRefusedBeforeTheSweep) {
  const TempDir dir;
  ASSERT_EQ(::mkfifo(dir.file("fifo").c_str(), 0644), 0);
  for (const std::string& out : {dir.file("fifo"), std::string("/dev/null"), dir.path()}) {
    const test::ProcessResult result =
        run_sweep({"--config", smoke(), "--backend", "cpu", "--out", out});
    EXPECT_EQ(result.exit_code, 2) << out << "\n" << result.err;
    const std::vector<std::string> lines = split_lines(result.err);
    ASSERT_EQ(lines.size(), 1u) << result.err;
    EXPECT_EQ(lines[0].rfind("fa-sweep: --out: " + out + ": is a", 0), 0u) << lines[0];
  }
  struct stat info {};
  ASSERT_EQ(::lstat(dir.file("fifo").c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode));
}

TEST(SweepCliOutputFile, OutThroughASymbolicLinkReplacesItsTarget) {
  const TempDir dir;
  write_file(dir.file("target.json"), "old");
  ASSERT_EQ(::symlink("target.json", dir.file("link.json").c_str()), 0);
  const test::ProcessResult result =
      run_sweep({"--config", smoke(), "--backend", "cpu", "--out", dir.file("link.json"),
                 "--filter", "fwd/", "--repetitions", "1", "--iterations", "1"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  struct stat info {};
  ASSERT_EQ(::lstat(dir.file("link.json").c_str(), &info), 0);
  EXPECT_TRUE(S_ISLNK(info.st_mode));
  EXPECT_TRUE(nlohmann::json::accept(read_file(dir.file("target.json"))));
  EXPECT_EQ(sorted_names(dir.path()), (std::vector<std::string>{"link.json", "target.json"}));
}

// Item 3: a reader that goes away (`fa-sweep ... | head -1`; here a pipe whose reader is gone
// before the sweep starts, so the test cannot pass by winning a race) neither kills the sweep nor
// loses its report: SIGPIPE is ignored, the sweep goes on, the report is written, nothing is left
// behind.
TEST(SweepCliOutputFile, ABrokenPipeKeepsTheReport) {
  const TempDir dir;
  const std::string out = dir.file("r.json");
  const test::ProcessResult result = test::run_process_into_closed_pipe(
      {test::sweep_binary(), "--config", smoke(), "--backend", "cpu", "--out", out, "--filter",
       "fwd/", "--repetitions", "2", "--iterations", "1"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("stdout was closed by its reader"), std::string::npos) << result.err;
  EXPECT_TRUE(nlohmann::json::accept(read_file(out)));
  EXPECT_EQ(sorted_names(dir.path()), std::vector<std::string>{"r.json"});
}

// A full stdout (`> /dev/full`) was called "closed by its reader" and, without --out, lost the
// results with exit 0 (issue 15 re-run): it is said as what it is, and fails the run when the
// table was the only output.
TEST(SweepCliOutputFile, AFullStdoutIsSaidAndFailsARunWithoutOut) {
  const TempDir dir;
  const std::string out = dir.file("r.json");
  for (const bool with_out : {true, false}) {
    SCOPED_TRACE(with_out ? "--out" : "no --out");
    std::vector<std::string> args = {"/bin/sh",
                                     "-c",
                                     "exec \"$@\" >/dev/full",
                                     "sh",
                                     test::sweep_binary(),
                                     "--config",
                                     smoke(),
                                     "--backend",
                                     "cpu",
                                     "--filter",
                                     "fwd/",
                                     "--repetitions",
                                     "1",
                                     "--iterations",
                                     "1"};
    if (with_out) args.insert(args.end(), {"--out", out});
    const test::ProcessResult result = test::run_process(args);
    EXPECT_EQ(result.exit_code, with_out ? 0 : 1) << result.err;
    EXPECT_NE(result.err.find("cannot write stdout: no space left on device"), std::string::npos)
        << result.err;
    EXPECT_EQ(result.err.find("closed by its reader"), std::string::npos) << result.err;
  }
  EXPECT_TRUE(nlohmann::json::accept(read_file(out)));
}

// Items 3 and 4: SIGUSR1 mid-sweep, and a signal just before the final rename (raised by the
// FA_TEST_SIGNAL_BEFORE_RENAME hook), leave the previous report and no temporary file.
TEST(SweepCliOutputFile, ASignalJustBeforeTheRenameLeavesNoTemporaryFile) {
  const TempDir dir;
  const std::string out = dir.file("r.json");
  write_file(out, "previous");
  const test::ProcessResult result =
      run_sweep({"--config", smoke(), "--backend", "cpu", "--out", out, "--filter", "fwd/",
                 "--repetitions", "1", "--iterations", "1"},
                {std::string("FA_TEST_SIGNAL_BEFORE_RENAME=") + std::to_string(SIGTERM)});
  EXPECT_EQ(result.signal, SIGTERM) << result.err;
  EXPECT_EQ(read_file(out), "previous");
  EXPECT_EQ(list_directory(dir.path()), std::vector<std::string>{"r.json"});
}

TEST(SweepCliOutputFile, SigUsr1MidSweepLeavesNoTemporaryFile) {
  const TempDir dir;
  const std::string out = dir.file("report.json");
  write_file(out, "previous");
  const pid_t pid = start_long_sweep(dir, out);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  wait_for_first_repetition(dir, deadline);
  ASSERT_EQ(::kill(pid, SIGUSR1), 0);
  const test::ProcessResult result = test::wait_process(pid);
  EXPECT_EQ(result.signal, SIGUSR1) << read_file(dir.file("stderr"));
  EXPECT_FALSE(file_exists(out + ".tmp." + std::to_string(pid)));
  EXPECT_EQ(read_file(out), "previous");
}

}  // namespace
}  // namespace fa::sweep

namespace fa::sweep {
namespace {

using test::read_file;
using test::run_sweep;
using test::split_lines;
using test::TempDir;
using test::write_file;

// fa-compare's --output and --html go through the same checks as fa-sweep's --out
// (report/output_file.h): an input by identity, a FIFO, a device or a directory is refused with
// one line, exit 2; a link is written through; a signal before the rename leaves nothing.
class CompareOutputFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    const test::ProcessResult sweep = run_sweep(
        {"--config", test::configs_dir() + "/smoke.json", "--backend", "cpu", "--out",
         dir.file("a.json"), "--filter", "fwd/", "--repetitions", "3", "--iterations", "1"});
    ASSERT_EQ(sweep.exit_code, 0) << sweep.err;
    write_file(dir.file("b.json"), read_file(dir.file("a.json")));
  }
  test::ProcessResult compare(const std::vector<std::string>& flags,
                              const std::vector<std::string>& env = {}) {
    std::vector<std::string> args = {FA_COMPARE_BINARY, dir.file("a.json"), dir.file("b.json")};
    args.insert(args.end(), flags.begin(), flags.end());
    return test::run_process(args, env);
  }
  TempDir dir;
};

TEST_F(CompareOutputFiles, InputsAndNonRegularTargetsAreRefused) {
  ASSERT_EQ(::symlink("a.json", dir.file("link-to-a.json").c_str()), 0);
  ASSERT_EQ(::mkfifo(dir.file("fifo").c_str(), 0644), 0);
  const std::string a = read_file(dir.file("a.json"));
  for (const std::vector<std::string>& flags :
       {std::vector<std::string>{"--output", dir.file("link-to-a.json")},
        {"--html", dir.file("sub/../b.json")},
        {"--output", dir.file("fifo")},
        {"--html", "/dev/null"},
        {"--output", dir.path()}}) {
    ::mkdir(dir.file("sub").c_str(), 0755);
    const test::ProcessResult result = compare(flags);
    EXPECT_EQ(result.exit_code, 2) << flags[1] << "\n" << result.err;
    EXPECT_EQ(split_lines(result.err).size(), 1u) << result.err;
  }
  EXPECT_EQ(read_file(dir.file("a.json")), a);
  struct stat info {};
  ASSERT_EQ(::lstat(dir.file("fifo").c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode));
}

// `fa-compare a.json b.json --html p.html | head -1` died of SIGPIPE (exit 141) once its reader
// was gone: every file asked for is written and the exit status is the verdict's (here 1: a
// failed contender case fails --fail-on regression), the closed stdout said on stderr.
TEST_F(CompareOutputFiles, ABrokenPipeStillWritesEveryFileAndExitsWithTheVerdict) {
  nlohmann::json contender = nlohmann::json::parse(read_file(dir.file("b.json")));
  for (nlohmann::json& row : contender["benchmarks"]) {
    row["error_occurred"] = true;
    row["error_message"] = "failed: planted by the test";
  }
  write_file(dir.file("b.json"), contender.dump());
  for (const std::vector<std::string>& flags :
       {std::vector<std::string>{"--html", dir.file("p.html")}, {"--help"}}) {
    SCOPED_TRACE(flags[0]);
    std::vector<std::string> args = {FA_COMPARE_BINARY, dir.file("a.json"), dir.file("b.json"),
                                     "--fail-on", "regression"};
    args.insert(args.end(), flags.begin(), flags.end());
    const test::ProcessResult result = test::run_process_into_closed_pipe(args);
    EXPECT_EQ(result.signal, 0) << result.err;
    EXPECT_EQ(result.exit_code, flags[0] == "--help" ? 0 : 1) << result.err;
    EXPECT_NE(result.err.find("stdout was closed by its reader"), std::string::npos) << result.err;
  }
  EXPECT_NE(read_file(dir.file("p.html")).find("<html"), std::string::npos);
}

// Any other failure of stdout (a full disk) lost what was asked for: said, exit 2.
TEST_F(CompareOutputFiles, AFullStdoutSaysNoSpaceAndExitsTwo) {
  const test::ProcessResult result =
      test::run_process({"/bin/sh", "-c", "exec \"$0\" \"$1\" \"$2\" >/dev/full", FA_COMPARE_BINARY,
                         dir.file("a.json"), dir.file("b.json")});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("cannot write the text output to stdout: no space left on device"),
            std::string::npos)
      << result.err;
}

TEST_F(CompareOutputFiles, ALinkIsWrittenThroughAndASignalBeforeTheRenameLeavesNothing) {
  write_file(dir.file("out.txt"), "old");
  ASSERT_EQ(::symlink("out.txt", dir.file("out-link.txt").c_str()), 0);
  const test::ProcessResult killed =
      compare({"--output", dir.file("out-link.txt"), "--html", dir.file("p.html")},
              {std::string("FA_TEST_SIGNAL_BEFORE_RENAME=") + std::to_string(SIGTERM)});
  EXPECT_EQ(killed.signal, SIGTERM) << killed.err;
  EXPECT_EQ(sorted_names(dir.path()),
            (std::vector<std::string>{"a.json", "b.json", "out-link.txt", "out.txt"}));
  EXPECT_EQ(read_file(dir.file("out.txt")), "old");

  const test::ProcessResult result = compare({"--output", dir.file("out-link.txt")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  struct stat info {};
  ASSERT_EQ(::lstat(dir.file("out-link.txt").c_str(), &info), 0);
  EXPECT_TRUE(S_ISLNK(info.st_mode));
  EXPECT_NE(read_file(dir.file("out.txt")), "old");
}

}  // namespace
}  // namespace fa::sweep

namespace fa::sweep {
namespace {

using test::list_directory;
using test::run_sweep;
using test::split_lines;
using test::TempDir;

// Issue 15 item 6: inputs are prepared up front, so cases that each fit but together do not are
// refused before anything is allocated: one line, exit 2, no report. FA_SWEEP_MEMORY_BUDGET caps
// the budget low for the test: the smoke grid's largest case takes about 280 KiB, all four about
// 850 KiB.
TEST(SweepCliMemory, CasesThatTogetherExceedTheMemoryAreRefusedUpFront) {
  const TempDir dir;
  const std::string out = dir.file("r.json");
  const test::ProcessResult result =
      run_sweep({"--config", test::configs_dir() + "/smoke.json", "--backend", "cpu", "--out", out},
                {"FA_SWEEP_MEMORY_BUDGET=400K"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  const std::vector<std::string> lines = split_lines(result.err);
  ASSERT_FALSE(lines.empty());
  const std::string& last = lines.back();
  EXPECT_NE(last.find("all prepared before the first runs"), std::string::npos) << last;
  EXPECT_NE(last.find("FA_SWEEP_MEMORY_BUDGET allows 0.0 GiB"), std::string::npos) << last;
  EXPECT_EQ(result.err.find("repetition 1 of"), std::string::npos) << result.err;
  EXPECT_TRUE(list_directory(dir.path()).empty());

  // Below the largest case: each case fails by itself (the sweep goes on, exit 1).
  const test::ProcessResult small =
      run_sweep({"--config", test::configs_dir() + "/smoke.json", "--backend", "cpu", "--out", out,
                 "--repetitions", "1"},
                {"FA_SWEEP_MEMORY_BUDGET=100K"});
  EXPECT_EQ(small.exit_code, 1) << small.err;
  EXPECT_NE(small.err.find("out of memory: the case's tensors need"), std::string::npos)
      << small.err;

  const test::ProcessResult bad =
      run_sweep({"--config", test::configs_dir() + "/smoke.json", "--backend", "cpu"},
                {"FA_SWEEP_MEMORY_BUDGET=lots"});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("FA_SWEEP_MEMORY_BUDGET"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace fa::sweep
