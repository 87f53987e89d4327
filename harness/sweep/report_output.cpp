#include "sweep/report_output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "report/atomic_file.h"
#include "report/output_file.h"
#include "sweep/sweep_config.h"

namespace fa::sweep {

ReportFile::ReportFile(std::string final_path, const std::vector<std::string>& inputs)
    : final_path_(std::move(final_path)) {
  try {
    report::refuse_overwriting_inputs("--out", final_path_, inputs, "the config");
    // A device, FIFO, socket or directory is refused now, before the sweep runs; a link is
    // written through to its target.
    temporary_path_ = report::temporary_path_for(report::check_output_target(final_path_));
  } catch (const report::OutputTargetError& error) {
    throw UsageError(std::string("fa-sweep: --out: ") + error.what());
  }
  const int fd =
      ::open(temporary_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    throw UsageError("fa-sweep: --out: " + final_path_ + ": cannot write (" +
                     report::errno_message(errno) + ")");
  }
  ::close(fd);
  open_ = true;
  guard_ = std::make_unique<report::TemporaryFileGuard>(std::vector<std::string>{temporary_path_});
}

ReportFile::~ReportFile() {
  discard();
}

void ReportFile::discard() {
  if (!open_) return;
  std::remove(temporary_path_.c_str());
  guard_.reset();
  open_ = false;
}

void ReportFile::commit(const report::ReportDocument& document) {
  if (!open_) throw std::logic_error("ReportFile::commit: nothing to commit");
  try {
    // Writes the temporary file (the same path) and renames it over the final path, checking
    // the target again first; signals remove the temporary file until the rename is done.
    report::write_file_atomically(final_path_, report::format_report(document));
  } catch (const report::OutputTargetError& error) {
    discard();
    throw UsageError(std::string("fa-sweep: --out: ") + error.what());
  } catch (...) {
    discard();
    throw;
  }
  // The temporary file made up front, should a link now point elsewhere (else already renamed).
  std::remove(temporary_path_.c_str());
  guard_.reset();  // only now: the rename is done
  open_ = false;
}

}  // namespace fa::sweep
