// The in-process phase recorder and the breakdown of a call into exclusive phase times, on the CPU
// backend: every phase of each dispatch path appears with a positive time, ranges nest as
// kPhaseTable declares (and a wrong declaration is reported), exclusive times add up to the
// attributed total, and the recorder is off outside start/stop. Its own binary, because the
// recorder must attach before fa_kernels' first NVTX range in the process (the environment below
// runs before any test).
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "common/nvtx.h"
#include "common/phase_breakdown.h"
#include "common/phase_recorder.h"
#include "variants.h"

namespace fa::phases {
namespace {

using nvtx::PhaseId;
using phases::RangeEvent;

class AttachRecorder : public ::testing::Environment {
 public:
  void SetUp() override { phases::attach_phase_recorder(); }
};
const auto* const g_environment = ::testing::AddGlobalTestEnvironment(new AttachRecorder);

struct Inputs {
  at::Tensor q, k, v;
};
Inputs make_inputs(int64_t head_dim) {
  const std::vector<int64_t> shape{2, 17, 4, head_dim};
  return {at::randn(shape).to(at::kHalf), at::randn(shape).to(at::kHalf),
          at::randn(shape).to(at::kHalf)};
}

// One call of `variant`, recorded.
std::vector<RangeEvent> record_call(const std::string& variant, int64_t head_dim) {
  const Inputs inputs = make_inputs(head_dim);
  const Variant* found = find_variant(variant);
  EXPECT_NE(found, nullptr) << variant;
  std::vector<RangeEvent> events;
  events.reserve(256);
  phases::start_recording(&events);
  static_cast<void>(found->forward(inputs.q, inputs.k, inputs.v, AttentionOptions{}));
  phases::stop_recording();
  return events;
}

std::set<std::string> phases_ran(const CallPhases& call) {
  std::set<std::string> names;
  for (int p = 0; p < nvtx::kPhaseCount; ++p) {
    if (call.ranges[p] > 0) names.insert(nvtx::kPhaseTable[p].name);
  }
  return names;
}

class PhaseRecorder : public ::testing::Test {
 protected:
  void SetUp() override {
    if (phases::phase_recorder_state() == phases::RecorderState::kNoNvtx) {
      GTEST_SKIP() << "built without NVTX: no phase ranges";
    }
    ASSERT_EQ(phases::phase_recorder_state(), phases::RecorderState::kAttached)
        << phases::describe(phases::phase_recorder_state());
  }
};

struct PathCase {
  std::string variant;
  int64_t head_dim;
  std::set<std::string> phases;
};

TEST_F(PhaseRecorder, EveryPhaseOfEachPathAppearsWithAPositiveTimeAndAddsUp) {
  const std::set<std::string> core = {"core/device_guard", "core/alloc", "core/params",
                                      "core/launch"};
  auto with_core = [&](std::set<std::string> names) {
    names.insert(core.begin(), core.end());
    return names;
  };
  const std::vector<PathCase> cases = {
      {"v2.6.3", 16, with_core({"v2.6.3/mha_fwd", "v2.6.3/checks"})},
      {"v2.6.3", 12, with_core({"v2.6.3/mha_fwd", "v2.6.3/checks", "v2.6.3/pad", "v2.6.3/slice"})},
      {"v2.7.0", 16,
       with_core({"v2.7.0/flash_attn_func", "v2.7.0/prechecks", "v2.7.0/dispatch",
                  "v2.7.0/autograd", "v2.7.0/mha_fwd", "v2.7.0/op_checks", "v2.7.0/alloc_p",
                  "v2.7.0/slice"})},
      {"v2.7.0", 12,
       with_core({"v2.7.0/flash_attn_func", "v2.7.0/prechecks", "v2.7.0/pad", "v2.7.0/dispatch",
                  "v2.7.0/autograd", "v2.7.0/mha_fwd", "v2.7.0/op_checks", "v2.7.0/alloc_p",
                  "v2.7.0/slice"})},
  };
  for (const PathCase& path : cases) {
    SCOPED_TRACE(path.variant + " head_dim " + std::to_string(path.head_dim));
    const std::vector<RangeEvent> events = record_call(path.variant, path.head_dim);
    const CallPhases call = break_down_call(events);
    EXPECT_TRUE(call.problems.empty()) << call.problems.front();
    EXPECT_EQ(phases_ran(call), path.phases);
    for (int p = 0; p < nvtx::kPhaseCount; ++p) {
      if (call.ranges[p] == 0) continue;
      EXPECT_EQ(call.ranges[p], 1) << nvtx::kPhaseTable[p].name;
      EXPECT_GT(call.exclusive_us[p], 0.0) << nvtx::kPhaseTable[p].name;
    }
    // Exclusive times add up to the outermost ranges' time, which is the span of the events.
    const double sum = std::accumulate(call.exclusive_us.begin(), call.exclusive_us.end(), 0.0);
    EXPECT_NEAR(sum, call.attributed_us, 1e-6 * call.attributed_us);
    ASSERT_FALSE(events.empty());
    EXPECT_NEAR(call.attributed_us, (events.back().ns - events.front().ns) * 1e-3, 1e-9);
  }
}

TEST_F(PhaseRecorder, AWrongNestingDeclarationIsReported) {
  PhaseTable wrong = nvtx::kPhaseTable;
  // Declare core/launch as 2.6.3's only: inside 2.7.0's op kernel it is then misplaced.
  wrong[static_cast<int>(PhaseId::kCoreLaunch)].parents = {PhaseId::kEntryV263, PhaseId::kNone,
                                                           PhaseId::kNone};
  const std::vector<RangeEvent> events = record_call("v2.7.0", 16);
  EXPECT_TRUE(break_down_call(events).problems.empty());
  const CallPhases call = break_down_call(events, wrong);
  ASSERT_EQ(call.problems.size(), 1u);
  EXPECT_EQ(call.problems.front(), "core/launch inside v2.7.0/mha_fwd, not a parent it declares");

  // And an outermost range that declares a parent.
  const CallPhases top = break_down_call(record_call("v2.6.3", 16), wrong);
  EXPECT_TRUE(top.problems.empty());
  wrong[static_cast<int>(PhaseId::kEntryV263)].parents = {PhaseId::kPyCppCallV263, PhaseId::kNone,
                                                          PhaseId::kNone};
  const CallPhases outermost = break_down_call(record_call("v2.6.3", 16), wrong);
  ASSERT_FALSE(outermost.problems.empty());
  EXPECT_EQ(outermost.problems.front(),
            "v2.6.3/mha_fwd inside (top level), not a parent it declares");
}

TEST(PhaseBreakdown, UnbalancedRangesAreReported) {
  const std::vector<RangeEvent> unclosed = {{0, PhaseId::kEntryV263, true},
                                            {10, PhaseId::kChecksV263, true},
                                            {20, PhaseId::kNone, false}};
  EXPECT_EQ(break_down_call(unclosed).problems,
            std::vector<std::string>{"v2.6.3/mha_fwd pushed and never popped"});
  const std::vector<RangeEvent> extra_pop = {{0, PhaseId::kNone, false}};
  EXPECT_EQ(break_down_call(extra_pop).problems, std::vector<std::string>{"a pop without a push"});
  const std::vector<RangeEvent> unknown = {{0, PhaseId::kNone, true}, {5, PhaseId::kNone, false}};
  EXPECT_EQ(
      break_down_call(unknown).problems,
      std::vector<std::string>{"a range of the fa_bench domain that kPhaseTable does not declare"});
}

TEST(PhaseBreakdown, ExclusiveTimeIsTheDurationLessTheChildren) {
  // mha_fwd [0, 1000) ns holding checks [100, 300) and launch [400, 900).
  const std::vector<RangeEvent> events = {
      {0, PhaseId::kEntryV263, true}, {100, PhaseId::kChecksV263, true},
      {300, PhaseId::kNone, false},   {400, PhaseId::kCoreLaunch, true},
      {900, PhaseId::kNone, false},   {1000, PhaseId::kNone, false}};
  const CallPhases call = break_down_call(events);
  EXPECT_TRUE(call.problems.empty());
  EXPECT_DOUBLE_EQ(call.exclusive_us[static_cast<int>(PhaseId::kEntryV263)], 0.3);
  EXPECT_DOUBLE_EQ(call.exclusive_us[static_cast<int>(PhaseId::kChecksV263)], 0.2);
  EXPECT_DOUBLE_EQ(call.exclusive_us[static_cast<int>(PhaseId::kCoreLaunch)], 0.5);
  EXPECT_DOUBLE_EQ(call.attributed_us, 1.0);
}

TEST_F(PhaseRecorder, NothingIsRecordedOutsideStartAndStop) {
  const Inputs inputs = make_inputs(16);
  const uint64_t before = phases::recorded_event_count();
  for (const char* variant : {"v2.6.3", "v2.7.0"}) {
    static_cast<void>(
        find_variant(variant)->forward(inputs.q, inputs.k, inputs.v, AttentionOptions{}));
  }
  EXPECT_EQ(phases::recorded_event_count(), before);
  EXPECT_FALSE(phases::recording());
  // Not recording, NVTX's slots are empty: the calls above took NVTX's no-tool branch.
  EXPECT_FALSE(phases::callbacks_installed());
  std::vector<RangeEvent> scratch;
  phases::start_recording(&scratch);
  EXPECT_TRUE(phases::callbacks_installed());
  phases::stop_recording();
  EXPECT_FALSE(phases::callbacks_installed());
  const std::vector<RangeEvent> events = record_call("v2.6.3", 16);
  EXPECT_EQ(phases::recorded_event_count(), before + events.size());
  EXPECT_EQ(events.size(), 2u * 6u);  // six phases, each a push and a pop
}

// The recorder's cost per range (a push and a pop), recording and not: N empty ranges timed with
// the steady clock. Printed for docs/phases.md; asserted only on what was recorded.
TEST_F(PhaseRecorder, CostPerRange) {
  constexpr int kRanges = 200000;
  auto time_ranges = [&] {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRanges; ++i) {
      nvtx::push_phase(PhaseId::kCoreLaunch);
      nvtx::pop_phase();
    }
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start)
               .count() /
           kRanges;
  };
  const double off_ns = time_ranges();
  std::vector<RangeEvent> events;
  events.reserve(2 * kRanges);
  phases::start_recording(&events);
  const double on_ns = time_ranges();
  phases::stop_recording();
  EXPECT_EQ(events.size(), 2u * kRanges);
  std::printf("[phase recorder] per range (push + pop): %.1f ns recording, %.1f ns not recording\n",
              on_ns, off_ns);
  RecordProperty("ns_per_range_recording", std::to_string(on_ns));
  RecordProperty("ns_per_range_not_recording", std::to_string(off_ns));
}

}  // namespace
}  // namespace fa::phases
