#pragma once
// What the fa-sweep tests share: running fa-sweep as a subprocess, temporary directories, files.
#include <sys/types.h>

#include <string>
#include <vector>

namespace fa::sweep::test {

// Paths from CMake (compile definitions).
std::string sweep_binary();
std::string configs_dir();

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the signal that ended it, else 0
  std::string out;     // stdout
  std::string err;     // stderr
};

// Runs `args` (args[0] is the program) with `env` ("NAME=value") added to this environment, and
// waits for it.
ProcessResult run_process(const std::vector<std::string>& args,
                          const std::vector<std::string>& env = {});
// Like run_process, but stdout is a pipe whose reader is gone before the process starts (the
// deterministic form of `... | head -1`): every write to stdout fails with EPIPE, or kills with
// SIGPIPE a process that does not ignore it (the default is restored for the child). `out` stays
// empty.
ProcessResult run_process_into_closed_pipe(const std::vector<std::string>& args,
                                           const std::vector<std::string>& env = {});
// fa-sweep with `args`.
ProcessResult run_sweep(const std::vector<std::string>& args,
                        const std::vector<std::string>& env = {});

// Starts a process without waiting; stdout and stderr go to the given files.
pid_t start_process(const std::vector<std::string>& args, const std::string& out_path,
                    const std::string& err_path, const std::vector<std::string>& env = {});
// Waits for `pid`; fills exit_code/signal only.
ProcessResult wait_process(pid_t pid);

// A fresh directory under the test temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);
bool file_exists(const std::string& path);
// Names in `directory` (not . and ..).
std::vector<std::string> list_directory(const std::string& directory);
std::vector<std::string> split_lines(const std::string& text);

}  // namespace fa::sweep::test
