// The report format and the sweep config for py-sweep (scripts/py-sweep.py), bound thinly over
// the C++ that fa-sweep uses and its tests cover: the config parser (harness/sweep/
// sweep_config.h), case names (report/case_key.h), the counters' work formulas
// (report/case_work.h), the context keys and schema version (report/context_keys.h) and the
// report writer (report/report_writer.h). py-sweep keeps no copy of any of them.
#include "report_bindings.h"

#include <pybind11/stl.h>

#include <string>
#include <utility>
#include <vector>

#include "report/case_key.h"
#include "report/case_status.h"
#include "report/case_work.h"
#include "report/context_keys.h"
#include "report/metric.h"
#include "report/report_writer.h"
#include "sweep/sweep_config.h"
#include "variants.h"

namespace py = pybind11;

namespace {

using fa::report::CaseKey;
using fa::report::ContextField;
using fa::report::ContextSource;

// A context value from Python: None, bool, int, float, str, or lists/dicts of them.
nlohmann::ordered_json to_json(const py::handle& value) {
  if (value.is_none()) return nullptr;
  if (py::isinstance<py::bool_>(value)) return value.cast<bool>();
  if (py::isinstance<py::int_>(value)) return value.cast<long long>();
  if (py::isinstance<py::float_>(value)) return value.cast<double>();
  if (py::isinstance<py::str>(value)) return value.cast<std::string>();
  if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
    nlohmann::ordered_json array = nlohmann::ordered_json::array();
    for (const py::handle item : value) array.push_back(to_json(item));
    return array;
  }
  if (py::isinstance<py::dict>(value)) {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (const auto& [key, item] : value.cast<py::dict>()) {
      object[py::str(key).cast<std::string>()] = to_json(item);
    }
    return object;
  }
  throw py::type_error("context value: expected None, bool, int, float, str, list or dict, got " +
                       py::str(py::type::of(value)).cast<std::string>());
}

// Library fields in the dict's order, then the harness's (the writer sorts those).
fa::report::ReportDocument document_of(const py::dict& library, const py::dict& harness,
                                       std::vector<fa::report::ReportRow> rows) {
  fa::report::ReportDocument document;
  for (const auto& [key, value] : library) {
    document.context.push_back(
        {py::str(key).cast<std::string>(), to_json(value), ContextSource::benchmark_library});
  }
  for (const auto& [key, value] : harness) {
    document.context.push_back(
        {py::str(key).cast<std::string>(), to_json(value), ContextSource::harness});
  }
  document.rows = std::move(rows);
  return document;
}

CaseKey key_of(const std::string& variant, int batch, int seqlen, int heads, int head_dim,
               const std::string& dtype, const std::string& mode) {
  return CaseKey{variant, batch, seqlen, heads, head_dim, dtype, mode};
}

// The config as py-sweep reads it; `python_variants` are the names a config may list beside the
// C++ registry's (py-sweep's own).
py::dict load_sweep_config(const std::string& path,
                           const std::vector<std::string>& python_variants) {
  std::vector<std::string> known;
  for (const fa::Variant& variant : fa::all_variants()) known.emplace_back(variant.name);
  known.insert(known.end(), python_variants.begin(), python_variants.end());
  const fa::sweep::SweepConfig config =
      fa::sweep::parse_sweep_config(fa::sweep::read_config_file(path), path, known);
  py::dict grid;
  grid["batch"] = config.grid.batch;
  grid["seqlen"] = config.grid.seqlen;
  grid["heads"] = config.grid.heads;
  grid["embed"] = config.grid.embed;
  py::dict out;
  out["path"] = config.path;
  out["name"] = config.name;
  out["description"] = config.description;
  out["hash"] = config.content_hash;
  out["grid"] = grid;
  out["dtype"] = config.dtype;
  out["causal"] = config.causal;
  out["variants"] = config.variants;
  out["modes"] = config.modes;
  out["repetitions"] = config.repetitions;
  out["min_time_s"] = config.min_time_s;
  out["iterations"] = config.iterations ? py::object(py::int_(*config.iterations)) : py::none();
  out["warmup_iterations"] = config.warmup_iterations;
  out["warmup_s"] = config.warmup_s;
  out["kernel_samples"] = config.kernel_samples;
  out["seed"] = config.seed;
  return out;
}

}  // namespace

void bind_report(py::module_& m) {
  // A bad config: ValueError with the one-line "<file>: <field>: <problem>" message.
  py::register_exception<fa::sweep::UsageError>(m, "ConfigError", PyExc_ValueError);

  m.attr("report_schema_version") = fa::report::kReportSchemaVersion;
  m.attr("schema_version_key") = std::string(fa::report::kSchemaVersionKey);
  m.def("required_context_keys", [] {
    return std::vector<std::string>(fa::report::required_context_keys().begin(),
                                    fa::report::required_context_keys().end());
  });
  m.def("harness_context_keys", [] {
    return std::vector<std::string>(fa::report::harness_context_keys().begin(),
                                    fa::report::harness_context_keys().end());
  });
  m.def("metric_counter", [](const std::string& metric) {
    const auto parsed = fa::report::parse_metric(metric);
    if (!parsed) throw py::value_error("metric: expected e2e, kernel, host or overhead");
    return std::string(fa::report::metric_counter(*parsed));
  });
  m.attr("tflops_counter") = std::string(fa::report::kTflopsCounter);
  m.attr("gbps_counter") = std::string(fa::report::kGbpsCounter);

  m.def("load_sweep_config", &load_sweep_config, py::arg("path"), py::arg("python_variants"),
        "The config at `path` parsed and validated as fa-sweep does; a dict.");
  m.def(
      "case_name",
      [](const std::string& variant, int batch, int seqlen, int heads, int head_dim,
         const std::string& dtype, const std::string& mode) {
        return fa::report::format_case_name(
            key_of(variant, batch, seqlen, heads, head_dim, dtype, mode));
      },
      py::arg("variant"), py::arg("batch"), py::arg("seqlen"), py::arg("heads"),
      py::arg("head_dim"), py::arg("dtype"), py::arg("mode"));
  m.def(
      "attention_flops",
      [](int batch, int seqlen, int heads, int head_dim, bool causal) {
        return fa::report::attention_flops(key_of("", batch, seqlen, heads, head_dim, "", ""),
                                           causal);
      },
      py::arg("batch"), py::arg("seqlen"), py::arg("heads"), py::arg("head_dim"),
      py::arg("causal"));
  m.def(
      "attention_bytes",
      [](int batch, int seqlen, int heads, int head_dim) {
        return fa::report::attention_bytes(key_of("", batch, seqlen, heads, head_dim, "", ""));
      },
      py::arg("batch"), py::arg("seqlen"), py::arg("heads"), py::arg("head_dim"));
  m.def("throughput_tflops", &fa::report::throughput_tflops, py::arg("flops"),
        py::arg("kernel_us"));
  m.def("throughput_gbps", &fa::report::throughput_gbps, py::arg("bytes"), py::arg("kernel_us"));

  py::enum_<fa::report::CaseState>(m, "CaseState")
      .value("ok", fa::report::CaseState::ok)
      .value("skipped", fa::report::CaseState::skipped)
      .value("failed", fa::report::CaseState::failed);
  py::class_<fa::report::CaseStatus>(m, "CaseStatus")
      .def(py::init<>())
      .def_static("skipped", &fa::report::CaseStatus::skipped, py::arg("why"))
      .def_static("failed", &fa::report::CaseStatus::failed, py::arg("why"))
      .def_readwrite("state", &fa::report::CaseStatus::state)
      .def_readwrite("message", &fa::report::CaseStatus::message);
  py::enum_<fa::report::RunType>(m, "RunType")
      .value("iteration", fa::report::RunType::iteration)
      .value("aggregate", fa::report::RunType::aggregate);
  using fa::report::ReportRow;
  py::class_<ReportRow>(m, "ReportRow", "One row of a report (report/report_writer.h).")
      .def(py::init<>())
      .def_readwrite("name", &ReportRow::name)
      .def_readwrite("run_name", &ReportRow::run_name)
      .def_readwrite("run_type", &ReportRow::run_type)
      .def_readwrite("family_index", &ReportRow::family_index)
      .def_readwrite("per_family_instance_index", &ReportRow::per_family_instance_index)
      .def_readwrite("repetitions", &ReportRow::repetitions)
      .def_readwrite("repetition_index", &ReportRow::repetition_index)
      .def_readwrite("threads", &ReportRow::threads)
      .def_readwrite("aggregate_name", &ReportRow::aggregate_name)
      .def_readwrite("aggregate_unit", &ReportRow::aggregate_unit)
      .def_readwrite("status", &ReportRow::status)
      .def_readwrite("iterations", &ReportRow::iterations)
      .def_readwrite("real_time", &ReportRow::real_time)
      .def_readwrite("cpu_time", &ReportRow::cpu_time)
      .def_readwrite("time_unit", &ReportRow::time_unit)
      .def_readwrite("counters", &ReportRow::counters)
      .def_readwrite("label", &ReportRow::label);

  m.def(
      "format_report",
      [](const py::dict& library, const py::dict& harness, std::vector<ReportRow> rows) {
        return fa::report::format_report(document_of(library, harness, std::move(rows)));
      },
      py::arg("library_context"), py::arg("harness_context"), py::arg("rows"),
      "The report's JSON text; ValueError when a context key is duplicated or the schema "
      "version is missing.");
  m.def(
      "write_report",
      [](const std::string& path, const py::dict& library, const py::dict& harness,
         std::vector<ReportRow> rows) {
        fa::report::write_report(path, document_of(library, harness, std::move(rows)));
      },
      py::arg("path"), py::arg("library_context"), py::arg("harness_context"), py::arg("rows"),
      "format_report written whole to `path` (a temporary file renamed over it).");
}
