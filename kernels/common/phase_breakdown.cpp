#include "common/phase_breakdown.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace fa::phases {
namespace {

using nvtx::PhaseId;

std::string name_of(PhaseId id, const PhaseTable& table) {
  if (id == PhaseId::kTopLevel) return "(top level)";
  const int index = static_cast<int>(id);
  return index >= 0 && index < nvtx::kPhaseCount ? table[index].name : "(not in the table)";
}

bool parent_allowed(PhaseId phase, PhaseId parent, const PhaseTable& table) {
  const auto& parents = table[static_cast<int>(phase)].parents;
  return std::find(parents.begin(), parents.end(), parent) != parents.end();
}

struct OpenRange {
  PhaseId phase;
  int64_t start_ns;
  int64_t children_ns;
};

}  // namespace

CallPhases break_down_call(const std::vector<RangeEvent>& events, const PhaseTable& table) {
  CallPhases call;
  std::vector<OpenRange> stack;
  for (const RangeEvent& event : events) {
    if (event.is_push) {
      const int index = static_cast<int>(event.phase);
      if (index < 0 || index >= nvtx::kPhaseCount) {
        call.problems.push_back("a range of the fa_bench domain that kPhaseTable does not declare");
      } else {
        const PhaseId parent = stack.empty() ? PhaseId::kTopLevel : stack.back().phase;
        if (!parent_allowed(event.phase, parent, table)) {
          call.problems.push_back(name_of(event.phase, table) + " inside " +
                                  name_of(parent, table) + ", not a parent it declares");
        }
      }
      stack.push_back({event.phase, event.ns, 0});
      continue;
    }
    if (stack.empty()) {
      call.problems.push_back("a pop without a push");
      continue;
    }
    const OpenRange range = stack.back();
    stack.pop_back();
    const int64_t duration = event.ns - range.start_ns;
    const int index = static_cast<int>(range.phase);
    if (index >= 0 && index < nvtx::kPhaseCount) {
      call.exclusive_us[index] += static_cast<double>(duration - range.children_ns) * 1e-3;
      ++call.ranges[index];
    }
    if (stack.empty()) {
      call.attributed_us += static_cast<double>(duration) * 1e-3;
    } else {
      stack.back().children_ns += duration;
    }
  }
  if (!stack.empty()) {
    call.problems.push_back(name_of(stack.back().phase, table) + " pushed and never popped");
  }
  return call;
}

std::vector<std::pair<std::string, double>> record_phase_means(
    int calls, const std::function<void()>& call, const std::function<void()>& after_call) {
  using Clock = std::chrono::steady_clock;
  std::array<double, nvtx::kPhaseCount> sum_us{};
  std::array<bool, nvtx::kPhaseCount> ran{};
  double unattributed_sum_us = 0;
  std::vector<RangeEvent> events;
  events.reserve(256);
  for (int i = 0; i < calls; ++i) {
    events.clear();
    start_recording(&events);
    Clock::time_point t0, t1;
    try {
      t0 = Clock::now();
      call();
      t1 = Clock::now();
    } catch (...) {
      stop_recording();
      throw;
    }
    stop_recording();
    if (after_call) after_call();

    const CallPhases phases = break_down_call(events);
    if (!phases.problems.empty())
      throw std::runtime_error("phase pass: " + phases.problems.front());
    for (int p = 0; p < nvtx::kPhaseCount; ++p) {
      sum_us[p] += phases.exclusive_us[p];
      ran[p] = ran[p] || phases.ranges[p] > 0;
    }
    unattributed_sum_us +=
        std::chrono::duration<double, std::micro>(t1 - t0).count() - phases.attributed_us;
  }
  std::vector<std::pair<std::string, double>> means;
  if (calls <= 0) return means;
  for (int p = 0; p < nvtx::kPhaseCount; ++p) {
    if (ran[p]) means.emplace_back(nvtx::kPhaseTable[p].name, sum_us[p] / calls);
  }
  means.emplace_back(kUnattributedPhase, unattributed_sum_us / calls);
  return means;
}

}  // namespace fa::phases
