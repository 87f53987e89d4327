// NVTX ranges without a GPU or a profiler: fa-sweep runs configs/smoke.json on the CPU backend
// with NVTX_INJECTION64_PATH naming tests/sweep's recorder library, which logs every push and pop.
// The ranges must be balanced and nested as kernels/common/nvtx.h's kPhaseTable declares:
//   fwd/v2.6.3/... case range
//     v2.6.3/mha_fwd                (checks, core/device_guard, core/alloc, core/params,
//                                    core/launch inside)
//   fwd/v2.7.0/... case range
//     v2.7.0/flash_attn_func        (prechecks, dispatch > autograd > mha_fwd > ..., slice)
//   fwd/empty/... case range        (nothing inside)
// The phase pass is skipped under an external NVTX tool, so it adds no calls here.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/nvtx.h"
#include "test_support.h"

namespace fa::sweep {
namespace {

using test::read_file;
using test::split_lines;
using test::TempDir;

struct Range {
  std::string domain, message, argb;
  long long payload = 0;
  int parent = -1;
  std::vector<int> children;
  bool closed = false;
};

struct Recording {
  std::vector<Range> ranges;
  std::vector<std::string> problems;  // unbalanced pops, mismatched domains, ranges left open
};

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::istringstream stream(line);
  std::string field;
  while (std::getline(stream, field, '\t')) fields.push_back(field);
  return fields;
}

Recording parse_recording(const std::string& text) {
  Recording recording;
  std::map<std::string, std::vector<int>> stacks;  // per thread
  for (const std::string& line : split_lines(text)) {
    const std::vector<std::string> fields = split_tabs(line);
    if (fields.size() >= 6 && fields[0] == "push") {
      std::vector<int>& stack = stacks[fields[1]];
      Range range;
      range.domain = fields[2];
      range.message = fields[3];
      range.argb = fields[4];
      range.payload = std::stoll(fields[5]);
      range.parent = stack.empty() ? -1 : stack.back();
      const int index = static_cast<int>(recording.ranges.size());
      if (range.parent >= 0) recording.ranges[range.parent].children.push_back(index);
      recording.ranges.push_back(range);
      stack.push_back(index);
    } else if (fields.size() >= 3 && fields[0] == "pop") {
      std::vector<int>& stack = stacks[fields[1]];
      if (stack.empty()) {
        recording.problems.push_back("pop without a push: " + line);
        continue;
      }
      Range& range = recording.ranges[stack.back()];
      if (range.domain != fields[2]) {
        recording.problems.push_back("pop in domain " + fields[2] + " closes '" + range.message +
                                     "' of domain " + range.domain);
      }
      range.closed = true;
      stack.pop_back();
    } else {
      recording.problems.push_back("unreadable line: " + line);
    }
  }
  for (const auto& [thread, stack] : stacks) {
    for (const int open : stack) {
      recording.problems.push_back("never popped: " + recording.ranges[open].message);
    }
  }
  return recording;
}

std::vector<std::string> child_messages(const Recording& recording, const Range& range) {
  std::vector<std::string> messages;
  for (const int child : range.children) messages.push_back(recording.ranges[child].message);
  return messages;
}

bool is_case(const std::string& message) {
  return message.rfind("fwd/", 0) == 0;
}
std::string variant_of(const std::string& case_name) {
  return case_name.substr(4, case_name.find('/', 4) - 4);
}

class NvtxRanges : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef FA_NVTX_RECORDER
    GTEST_SKIP() << "this build has no NVTX (the CUDA toolkit's nvtx3 headers were not found), so "
                    "fa-sweep emits no ranges";
#endif
  }

  // Runs the smoke sweep under the recorder: 2 repetitions of 3 iterations, 2 warm-up calls each.
  Recording record(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"--config",      test::configs_dir() + "/smoke.json",
                                  "--backend",     "cpu",
                                  "--iterations",  "3",
                                  "--repetitions", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    const std::string log = dir_.file("nvtx.tsv");
#ifdef FA_NVTX_RECORDER
    const test::ProcessResult result = test::run_sweep(
        args, {std::string("NVTX_INJECTION64_PATH=") + FA_NVTX_RECORDER, "FA_NVTX_RECORD=" + log});
    EXPECT_EQ(result.exit_code, 0) << result.err;
#endif
    return parse_recording(read_file(log));
  }

  TempDir dir_;
};

TEST_F(NvtxRanges, EveryCaseAndPhaseRangeNestedAsTheDispatchPathsPushThem) {
  const Recording recording = record();
  EXPECT_TRUE(recording.problems.empty()) << recording.problems.front();
  ASSERT_FALSE(recording.ranges.empty()) << "the recorder saw nothing: was it injected?";

  const std::map<std::string, std::vector<std::string>> expected_children = {
      {"v2.6.3", {"v2.6.3/mha_fwd"}},
      {"v2.7.0", {"v2.7.0/flash_attn_func"}},
      {"empty", {}},
  };
  const std::map<std::string, std::string> expected_colour = {
      {"v2.6.3", "FF81C784"}, {"v2.7.0", "FFE57373"}, {"empty", "FF9E9E9E"}};

  std::map<std::string, int> calls, prepares;  // per case name
  std::map<std::string, int> phases_seen;
  for (const Range& range : recording.ranges) {
    EXPECT_EQ(range.domain, "fa_bench") << range.message;
    EXPECT_TRUE(range.closed) << range.message;
    if (is_case(range.message)) {
      SCOPED_TRACE(range.message);
      EXPECT_EQ(range.parent, -1) << "case ranges are outermost";
      const std::string variant = variant_of(range.message);
      ASSERT_TRUE(expected_children.count(variant)) << variant;
      EXPECT_EQ(range.argb, expected_colour.at(variant));
      EXPECT_EQ(range.payload, std::stoll(range.message.substr(range.message.find("/b:") + 3)));
      const std::vector<std::string> children = child_messages(recording, range);
      if (children.empty() && variant != "empty") {
        ++prepares[range.message];  // the range around preparing the case's inputs
      } else {
        EXPECT_EQ(children, expected_children.at(variant));
        ++calls[range.message];
      }
      continue;
    }
    // A phase: directly inside a phase its declaration lists (kernels/common/nvtx.h), or
    // outermost in the call (directly inside the case range) when it lists kTopLevel.
    ++phases_seen[range.message];
    const nvtx::PhaseId phase = nvtx::phase_named(range.message);
    ASSERT_NE(phase, nvtx::PhaseId::kNone) << range.message << " is not in kPhaseTable";
    ASSERT_GE(range.parent, 0) << range.message << " outside any case range";
    const Range& parent = recording.ranges[range.parent];
    const nvtx::PhaseId parent_phase =
        is_case(parent.message) ? nvtx::PhaseId::kTopLevel : nvtx::phase_named(parent.message);
    const auto& allowed = nvtx::phase_declaration(phase).parents;
    EXPECT_NE(std::find(allowed.begin(), allowed.end(), parent_phase), allowed.end())
        << range.message << " inside " << parent.message;
    if (is_case(parent.message)) {
      EXPECT_EQ(range.message.rfind(variant_of(parent.message) + "/", 0), 0u)
          << range.message << " inside " << parent.message;
    }
  }

  // 2 repetitions x (2 warm-up + 3 timed calls) per case; one prepare range per variant case.
  for (const char* name :
       {"fwd/empty/b:2/s:50/h:4/d:16/fp16/eager", "fwd/v2.6.3/b:2/s:50/h:4/d:16/fp16/eager",
        "fwd/v2.7.0/b:2/s:50/h:4/d:16/fp16/eager", "fwd/v2.6.3/b:4/s:50/h:4/d:16/fp16/eager",
        "fwd/v2.7.0/b:4/s:50/h:4/d:16/fp16/eager"}) {
    const bool floor = std::string(name).rfind("fwd/empty/", 0) == 0;
    EXPECT_EQ(calls[name], floor ? 11 : 10) << name;  // the floor's prepare range is empty too
    EXPECT_EQ(prepares[name], floor ? 0 : 1) << name;
  }
  EXPECT_EQ(phases_seen["v2.6.3/checks"], 20);
  EXPECT_EQ(phases_seen["v2.7.0/prechecks"], 20);
  EXPECT_EQ(phases_seen["v2.7.0/dispatch"], 20);
  EXPECT_EQ(phases_seen["core/launch"], 40);
}

// --no-nvtx drops the case ranges (the phases are the dispatch paths' own and stay): the flag
// that measures what the case range costs (run the floor case with and without it).
TEST_F(NvtxRanges, NoNvtxDropsOnlyTheCaseRanges) {
  const Recording recording = record({"--no-nvtx"});
  EXPECT_TRUE(recording.problems.empty()) << recording.problems.front();
  int outermost = 0;
  for (const Range& range : recording.ranges) {
    EXPECT_FALSE(is_case(range.message)) << range.message;
    outermost += range.parent == -1 ? 1 : 0;
  }
  // Per call one outermost phase (v2.6.3/mha_fwd or v2.7.0/flash_attn_func): 4 cases x 10 calls.
  EXPECT_EQ(outermost, 4 * 10);
}

}  // namespace
}  // namespace fa::sweep
