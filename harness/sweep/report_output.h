#pragma once
// The --out report: Google Benchmark's JSONReporter writes into a temporary file beside the final
// path (report::temporary_path_for); only a completed run, whose file parses as a complete
// report, renames it over the final path. An interrupted or failed run removes the temporary file
// (also on SIGINT, SIGTERM, SIGHUP and fatal signals), so it never leaves a half report and never
// destroys an existing good one.
#include <nlohmann/json.hpp>
#include <string>

namespace fa::sweep {

class ReportFile {
 public:
  // Creates the temporary file to prove the directory is writable. Throws UsageError
  // ("fa-sweep: --out: <path>: <problem>") when it is not.
  explicit ReportFile(std::string final_path);
  ~ReportFile();
  ReportFile(const ReportFile&) = delete;
  ReportFile& operator=(const ReportFile&) = delete;

  const std::string& final_path() const { return final_path_; }
  const std::string& temporary_path() const { return temporary_path_; }

  // Checks that the temporary file holds a whole report (JSON with "context" and "benchmarks"),
  // writes context.fa_versus_schema as a number, then renames it over the final path. Throws
  // std::runtime_error (after removing the temporary file) otherwise.
  void commit();
  // Removes the temporary file (idempotent).
  void discard();

 private:
  std::string final_path_;
  std::string temporary_path_;
  bool open_ = false;
};

// Loads a Google Benchmark JSON report (bare NaN/Infinity allowed, as Google Benchmark writes
// them) and checks it is complete: an object with "context" and "benchmarks". Throws
// std::runtime_error saying what is wrong.
nlohmann::ordered_json load_report_json(const std::string& path);

}  // namespace fa::sweep
