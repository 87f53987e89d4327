#include "case_status.h"

namespace fa::report {

std::string_view case_state_name(CaseState state) {
  switch (state) {
    case CaseState::ok:
      return "ok";
    case CaseState::skipped:
      return "skipped";
    case CaseState::failed:
      return "failed";
  }
  return "?";
}

std::optional<CaseState> parse_case_state(std::string_view name) {
  for (const CaseState state : {CaseState::ok, CaseState::skipped, CaseState::failed}) {
    if (case_state_name(state) == name) return state;
  }
  return std::nullopt;
}

}  // namespace fa::report
