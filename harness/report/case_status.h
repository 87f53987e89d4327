#pragma once
// What happened to a case (one row of a report): measured, skipped (it cannot run here, e.g. a
// variant that needs CUDA on the CPU backend: not an error), or failed (an error). Typed, so no
// reader searches a message for "skipped".
#include <optional>
#include <string>
#include <string_view>

namespace fa::report {

enum class CaseState { ok, skipped, failed };

struct CaseStatus {
  CaseState state = CaseState::ok;
  std::string message;  // why it was skipped or failed; empty when ok

  static CaseStatus ok() { return {}; }
  static CaseStatus skipped(std::string why) { return {CaseState::skipped, std::move(why)}; }
  static CaseStatus failed(std::string why) { return {CaseState::failed, std::move(why)}; }
  bool measured() const { return state == CaseState::ok; }
  bool operator==(const CaseStatus& other) const {
    return state == other.state && message == other.message;
  }
};

// "ok", "skipped", "failed": the spelling of the report's "case_status" row field.
std::string_view case_state_name(CaseState state);
std::optional<CaseState> parse_case_state(std::string_view name);

}  // namespace fa::report
