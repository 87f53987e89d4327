#include "context_check.h"

#include <array>

#include <fmt/format.h>

namespace fa::compare {
namespace {

struct ComparedField {
  const char* field;
  const char* what;  // for the message
};

// config_hash catches an edited config that kept its name.
constexpr std::array<ComparedField, 5> kComparedFields = {{{"gpu_name", "GPU"},
                                                           {"config_name", "config"},
                                                           {"config_hash", "config"},
                                                           {"mode", "mode"},
                                                           {"backend", "backend"}}};

std::string shown(const nlohmann::json& value) {
  std::string text = value.is_string() ? "\"" + value.get<std::string>() + "\"" : value.dump();
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

}  // namespace

std::vector<std::string> context_differences(const report::Report& baseline,
                                             const report::Report& contender) {
  std::vector<std::string> differences;
  for (const ComparedField& compared : kComparedFields) {
    const auto base_value = baseline.context.find(compared.field);
    const auto contender_value = contender.context.find(compared.field);
    if (base_value == baseline.context.end() || contender_value == contender.context.end()) {
      continue;
    }
    if (*base_value != *contender_value) {
      differences.push_back(fmt::format("context.{} ({}) is {}, the baseline {} has {}",
                                        compared.field, compared.what, shown(*contender_value),
                                        baseline.path, shown(*base_value)));
    }
  }
  return differences;
}

std::vector<std::string> check_contexts(const report::Report& baseline,
                                        const report::Report& contender, bool strict) {
  std::vector<std::string> differences = context_differences(baseline, contender);
  if (strict && !differences.empty()) {
    throw report::ReportError(contender.path,
                              differences.front() +
                                  "; --strict refuses reports from different GPUs, configs, "
                                  "modes or backends");
  }
  for (std::string& difference : differences) {
    difference = contender.path + ": " + difference + " (--strict would refuse this)";
  }
  return differences;
}

}  // namespace fa::compare
