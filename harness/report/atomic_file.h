#pragma once
#include <string>
#include <utility>
#include <vector>

namespace fa::report {

// Writes `content` to `<target>.tmp.<pid>` and renames it over the target: a reader (or a crash,
// or Ctrl-C) sees the old file or the whole new one, never a truncated one. The target is `path`
// or, for a symbolic link, the link's final target (output_file.h: check_output_target; a
// device, FIFO, socket or directory is refused, checked again just before the rename). Signals
// remove the temporary file until the rename is done (TemporaryFileGuard). Throws
// OutputTargetError for a refused target, std::runtime_error naming the path and errno's message
// ("no space left on device") on failure, after removing the temporary file.
void write_file_atomically(const std::string& path, const std::string& content);

// Every file or none (fa-compare's --html and --output): each is written whole to its temporary
// file first; only when all are written are they renamed into place. A failure removes the
// temporary files and leaves every target as it was. (A rename failing after another succeeded
// is the one window left: renames within a directory fail only on a vanishing directory.)
void write_files_atomically(const std::vector<std::pair<std::string, const std::string*>>& files);

// A temporary path beside `path` (same file system, so rename is atomic).
std::string temporary_path_for(const std::string& path);

// Writes all of `content` to `fd` (retrying short writes and EINTR). Throws std::runtime_error
// "<name>: cannot write: <errno message>" (e.g. "no space left on device").
void write_all(int fd, const std::string& content, const std::string& name);

// Test hook: when the environment variable FA_TEST_SIGNAL_BEFORE_RENAME holds a signal number,
// that signal is raised just before the final rename (the window item 4 of issue 15 closed).
inline constexpr const char* kSignalBeforeRenameVariable = "FA_TEST_SIGNAL_BEFORE_RENAME";

}  // namespace fa::report
