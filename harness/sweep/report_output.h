#pragma once
// The --out report: the temporary file beside the final path (report::temporary_path_for) is
// created before the run, to prove the path writable; only a completed run writes the report
// (report::write_report: into that temporary file, renamed over the final path). An interrupted
// or failed run removes the temporary file (also on SIGINT, SIGTERM, SIGHUP and fatal signals),
// so it never leaves a half report and never destroys an existing good one.
#include <string>

#include "report/report_writer.h"

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

  // Writes `document` whole over the final path (report::write_report). Throws
  // std::invalid_argument or std::runtime_error (after removing the temporary file) when it
  // cannot.
  void commit(const report::ReportDocument& document);
  // Removes the temporary file (idempotent).
  void discard();

 private:
  std::string final_path_;
  std::string temporary_path_;
  bool open_ = false;
};

}  // namespace fa::sweep
