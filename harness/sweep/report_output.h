#pragma once
// The --out report: the temporary file beside the final path (report::temporary_path_for) is
// created before the run, to prove the path writable; only a completed run writes the report
// (report::write_report: into that temporary file, renamed over the final path). An interrupted
// or failed run removes the temporary file (also on the signals report::TemporaryFileGuard
// handles, until the rename is done), so it never leaves a half report and never destroys an
// existing good one. The target is checked up front and again before the rename
// (report/output_file.h): a device, FIFO, socket or directory is refused, a symbolic link is
// written through to its target, and an input (the config) is never overwritten.
#include <memory>
#include <string>
#include <vector>

#include "report/output_file.h"

#include "report/report_writer.h"

namespace fa::sweep {

class ReportFile {
 public:
  // Creates the temporary file to prove the directory is writable. Throws UsageError
  // ("fa-sweep: --out: <path>: <problem>") when it is not, when the target is not a regular
  // file, or when it is one of `inputs` (the config; same file by identity).
  explicit ReportFile(std::string final_path, const std::vector<std::string>& inputs = {});
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
  std::unique_ptr<report::TemporaryFileGuard> guard_;
};

}  // namespace fa::sweep
