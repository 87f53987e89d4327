#include "report_writer.h"

#include <fmt/format.h>

#include <cmath>
#include <random>
#include <set>
#include <stdexcept>

#include "atomic_file.h"
#include "context_keys.h"

namespace fa::report {
namespace {

using nlohmann::ordered_json;

// nlohmann writes NaN and infinities as null; Google Benchmark writes them bare. Non-finite
// numbers go in as a placeholder string with a per-call random tag (no input string can forge
// it), replaced by the bare token in the dumped text.
class NonFiniteTokens {
 public:
  NonFiniteTokens()
      : tag_(fmt::format("\x01"
                         "fa-non-finite-{:016x}:",
                         std::random_device{}())) {}

  ordered_json number(double value) {
    if (std::isfinite(value)) return value;
    used_ = true;
    return tag_ + (std::isnan(value) ? "NaN" : value < 0 ? "-Infinity" : "Infinity");
  }

  std::string restore(std::string text) const {
    if (!used_) return text;
    const std::string quoted_tag = ordered_json(tag_).dump();  // "\u0001fa-non-finite-...:"
    const std::string opening = quoted_tag.substr(0, quoted_tag.size() - 1);
    for (std::size_t at = text.find(opening); at != std::string::npos;
         at = text.find(opening, at)) {
      const std::size_t end = text.find('"', at + opening.size());
      const std::string token = text.substr(at + opening.size(), end - at - opening.size());
      text.replace(at, end + 1 - at, token);
      at += token.size();
    }
    return text;
  }

 private:
  std::string tag_;
  bool used_ = false;
};

const char* run_type_name(RunType type) {
  return type == RunType::aggregate ? "aggregate" : "iteration";
}

ordered_json row_json(const ReportRow& row, NonFiniteTokens& tokens) {
  ordered_json out;
  out["name"] = row.name;
  out["family_index"] = row.family_index;
  out["per_family_instance_index"] = row.per_family_instance_index;
  out["run_name"] = row.run_name;
  out["run_type"] = run_type_name(row.run_type);
  out["repetitions"] = row.repetitions;
  if (row.run_type == RunType::iteration) out["repetition_index"] = row.repetition_index;
  out["threads"] = row.threads;
  if (row.run_type == RunType::aggregate) {
    out["aggregate_name"] = row.aggregate_name;
    out["aggregate_unit"] = row.aggregate_unit;
  }
  if (!row.status.measured()) {
    const std::string_view state = case_state_name(row.status.state);
    out["error_occurred"] = true;
    out["error_message"] = fmt::format("{}: {}", state, row.status.message);
    out["case_status"] = state;
  }
  out["iterations"] = row.iterations;
  out["real_time"] = tokens.number(row.real_time);
  out["cpu_time"] = tokens.number(row.cpu_time);
  out["time_unit"] = row.time_unit;
  for (const auto& [counter, value] : row.counters) out[counter] = tokens.number(value);
  if (!row.label.empty()) out["label"] = row.label;
  return out;
}

void check_context(const std::vector<ContextField>& context) {
  if (const std::vector<std::string> colliding = colliding_user_keys(context); !colliding.empty()) {
    throw std::invalid_argument(fmt::format(
        "context key \"{}\" is set by the harness; a --benchmark_context key cannot replace it",
        colliding.front()));
  }
  std::set<std::string> seen;
  bool has_schema = false;
  for (const ContextField& field : context) {
    if (!seen.insert(field.key).second) {
      throw std::invalid_argument(fmt::format("context key \"{}\" is given twice", field.key));
    }
    if (field.key == kSchemaVersionKey) {
      if (field.value != kReportSchemaVersion) {
        throw std::invalid_argument(fmt::format("context.{} is {}, expected {}", field.key,
                                                field.value.dump(), kReportSchemaVersion));
      }
      has_schema = true;
    }
  }
  if (!has_schema) {
    throw std::invalid_argument(fmt::format("context.{} is missing", kSchemaVersionKey));
  }
}

}  // namespace

std::vector<std::string> colliding_user_keys(const std::vector<ContextField>& context) {
  std::set<std::string> own;
  for (const ContextField& field : context) {
    if (field.source != ContextSource::user) own.insert(field.key);
  }
  std::vector<std::string> colliding;
  for (const ContextField& field : context) {
    if (field.source == ContextSource::user &&
        (is_harness_context_key(field.key) || own.count(field.key) > 0)) {
      colliding.push_back(field.key);
    }
  }
  return colliding;
}

std::string format_report(const ReportDocument& document) {
  check_context(document.context);
  NonFiniteTokens tokens;
  ordered_json context = ordered_json::object();
  // Google Benchmark keeps its custom context (ours and the user's) in a std::map: sorted.
  std::map<std::string, const ContextField*> custom;
  for (const ContextField& field : document.context) {
    if (field.source == ContextSource::benchmark_library) {
      context[field.key] = field.value;
    } else {
      custom.emplace(field.key, &field);
    }
  }
  for (const auto& [key, field] : custom) context[key] = field->value;

  ordered_json benchmarks = ordered_json::array();
  for (const ReportRow& row : document.rows) benchmarks.push_back(row_json(row, tokens));
  ordered_json report;
  report["context"] = std::move(context);
  report["benchmarks"] = std::move(benchmarks);
  return tokens.restore(report.dump(2)) + "\n";
}

void write_report(const std::string& path, const ReportDocument& document) {
  write_file_atomically(path, format_report(document));
}

}  // namespace fa::report
