#include "sweep/phase_breakdown.h"

#include <algorithm>

namespace fa::sweep {
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

CallPhases break_down_call(const std::vector<phases::RangeEvent>& events, const PhaseTable& table) {
  CallPhases call;
  std::vector<OpenRange> stack;
  for (const phases::RangeEvent& event : events) {
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

}  // namespace fa::sweep
