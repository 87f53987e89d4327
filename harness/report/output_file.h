#pragma once
// What every output file of fa-sweep and fa-compare goes through before it is replaced (issue 15
// items 1-4): the target must be a regular file or absent (a device, FIFO, socket or directory is
// refused, never replaced); a symbolic link is written through (the temporary file goes beside
// the link's final target and is renamed over it, so the link stays a link); an output naming an
// input file (same st_dev and st_ino: another spelling, a hard or symbolic link) is refused; and
// while a temporary file exists, terminating signals remove it before the process dies.
#include <stdexcept>
#include <string>
#include <vector>

namespace fa::report {

// A target that cannot be written: one line naming the path and the problem. Callers that treat
// bad paths as usage errors (exit 2) catch it.
class OutputTargetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The file a write to `path` replaces: `path`, or the end of its chain of symbolic links (a
// relative link is resolved against the link's directory). Throws OutputTargetError for a loop.
std::string resolve_output_path(const std::string& path);

// resolve_output_path, then refuses ("<path>: is a directory|FIFO|device|socket; refusing to
// replace it") a target that exists and is not a regular file.
std::string check_output_target(const std::string& path);

// Whether `a` and `b` are one file (stat: st_dev and st_ino, following links). False when either
// does not exist.
bool same_file(const std::string& a, const std::string& b);

// Throws OutputTargetError ("<flag> <output>: that is <what> (<input>); refusing to overwrite
// it"; the input named when spelt differently) when `output` is one of `inputs` by identity.
// `what`: "an input report", "the config".
void refuse_overwriting_inputs(const std::string& flag, const std::string& output,
                               const std::vector<std::string>& inputs, const std::string& what);

// While alive, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGXCPU, SIGXFSZ,
// SIGVTALRM, SIGPROF and the fatal signals (SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP,
// SIGSYS) remove `paths` first, then kill the process as the signal would have. Guards nest (at
// most 16 paths at once, 4095 bytes each; beyond that a path is just not cleaned up on signals).
class TemporaryFileGuard {
 public:
  explicit TemporaryFileGuard(const std::vector<std::string>& paths);
  ~TemporaryFileGuard();
  TemporaryFileGuard(const TemporaryFileGuard&) = delete;
  TemporaryFileGuard& operator=(const TemporaryFileGuard&) = delete;

 private:
  std::vector<int> slots_;
};

// What a file that is not a regular one is, for messages: "a directory", "a FIFO (named pipe)",
// "a device", "a socket" (`mode`: stat's st_mode).
const char* file_type_name(unsigned mode);

// SIGPIPE ignored: a reader that goes away (`fa-sweep ... | head -1`) makes writes to stdout
// fail with EPIPE instead of killing the process before its report is written.
void ignore_broken_pipes();

// The message of errno `error` as a line part: "no space left on device" (lower-case first
// letter, as the tools' messages are written).
std::string errno_message(int error);

}  // namespace fa::report
