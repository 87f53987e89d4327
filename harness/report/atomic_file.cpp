#include "atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "output_file.h"

namespace fa::report {
namespace {

struct PlannedFile {
  std::string shown;      // the path as given, for messages
  std::string target;     // what the rename replaces (the link's target for a link)
  std::string temporary;  // beside the target
  const std::string* content;
};

void write_temporary(const PlannedFile& file) {
  const int fd =
      ::open(file.temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) throw std::runtime_error(file.shown + ": cannot write: " + errno_message(errno));
  try {
    write_all(fd, *file.content, file.shown);
  } catch (...) {
    ::close(fd);
    throw;
  }
  // A full disk can surface only here (delayed allocation, network file systems).
  if (::fsync(fd) != 0 && errno != EINVAL && errno != EROFS) {
    const int error = errno;
    ::close(fd);
    throw std::runtime_error(file.shown + ": cannot write: " + errno_message(error));
  }
  if (::close(fd) != 0) {
    throw std::runtime_error(file.shown + ": cannot write: " + errno_message(errno));
  }
}

void raise_test_signal_if_asked() {
  const char* text = std::getenv(kSignalBeforeRenameVariable);
  if (text != nullptr && std::atoi(text) > 0) std::raise(std::atoi(text));
}

}  // namespace

std::string temporary_path_for(const std::string& path) {
  return path + ".tmp." + std::to_string(::getpid());
}

void write_all(int fd, const std::string& content, const std::string& name) {
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t written = ::write(fd, content.data() + done, content.size() - done);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      throw std::runtime_error(name +
                               ": cannot write: " + errno_message(written < 0 ? errno : ENOSPC));
    }
    done += static_cast<std::size_t>(written);
  }
}

void write_files_atomically(const std::vector<std::pair<std::string, const std::string*>>& files) {
  std::vector<PlannedFile> planned;
  std::vector<std::string> temporaries;
  for (const auto& [path, content] : files) {
    const std::string target = check_output_target(path);
    planned.push_back({path, target, temporary_path_for(target), content});
    temporaries.push_back(planned.back().temporary);
  }
  // Until the last rename is done, a signal removes the temporary files (issue 15 item 4).
  const TemporaryFileGuard guard(temporaries);
  const auto remove_from = [&](std::size_t first) {
    for (std::size_t i = first; i < planned.size(); ++i) std::remove(planned[i].temporary.c_str());
  };
  try {
    for (const PlannedFile& file : planned) write_temporary(file);
    // Again just before the renames: a FIFO or device may have appeared meanwhile.
    for (const PlannedFile& file : planned) check_output_target(file.shown);
  } catch (...) {
    remove_from(0);
    throw;
  }
  raise_test_signal_if_asked();
  for (std::size_t i = 0; i < planned.size(); ++i) {
    if (std::rename(planned[i].temporary.c_str(), planned[i].target.c_str()) != 0) {
      const int error = errno;
      remove_from(i);
      throw std::runtime_error(planned[i].shown + ": cannot replace: " + errno_message(error));
    }
  }
}

void write_file_atomically(const std::string& path, const std::string& content) {
  write_files_atomically({{path, &content}});
}

}  // namespace fa::report
