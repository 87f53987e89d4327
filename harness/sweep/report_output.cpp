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
#include "sweep/sweep_config.h"

namespace fa::sweep {
namespace {

// The temporary file a signal handler removes: a fixed buffer, since only async-signal-safe
// calls are allowed there.
char g_temporary_path[4096] = {0};
volatile std::sig_atomic_t g_have_temporary = 0;

const int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGFPE};

extern "C" void remove_temporary_and_reraise(int signal_number) {
  if (g_have_temporary) ::unlink(g_temporary_path);
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

void install_handlers(const std::string& path) {
  if (path.size() >= sizeof(g_temporary_path)) return;  // too long: no cleanup on signals
  std::memcpy(g_temporary_path, path.c_str(), path.size() + 1);
  g_have_temporary = 1;
  struct sigaction action {};
  action.sa_handler = &remove_temporary_and_reraise;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  for (const int signal_number : kSignals) sigaction(signal_number, &action, nullptr);
}

void remove_handlers() {
  g_have_temporary = 0;
  for (const int signal_number : kSignals) std::signal(signal_number, SIG_DFL);
}

}  // namespace

ReportFile::ReportFile(std::string final_path)
    : final_path_(std::move(final_path)), temporary_path_(report::temporary_path_for(final_path_)) {
  struct stat info {};
  if (::stat(final_path_.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
    throw UsageError("fa-sweep: --out: " + final_path_ + ": is a directory, expected a file name");
  }
  const int fd = ::open(temporary_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw UsageError("fa-sweep: --out: " + final_path_ + ": cannot write (" + std::strerror(errno) +
                     ")");
  }
  ::close(fd);
  open_ = true;
  install_handlers(temporary_path_);
}

ReportFile::~ReportFile() {
  discard();
}

void ReportFile::discard() {
  if (!open_) return;
  remove_handlers();
  std::remove(temporary_path_.c_str());
  open_ = false;
}

void ReportFile::commit(const report::ReportDocument& document) {
  if (!open_) throw std::logic_error("ReportFile::commit: nothing to commit");
  std::string content;
  try {
    content = report::format_report(document);
  } catch (...) {
    discard();
    throw;
  }
  remove_handlers();
  open_ = false;
  // Writes the temporary file (report::temporary_path_for is the same path) and renames it over
  // the final path; removes it on failure.
  report::write_file_atomically(final_path_, content);
}

}  // namespace fa::sweep
