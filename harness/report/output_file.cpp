#include "output_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <mutex>

namespace fa::report {
namespace {

// The temporary files a signal handler removes: fixed buffers, since only async-signal-safe
// calls are allowed there.
struct Slot {
  char path[4096];
  volatile std::sig_atomic_t active;
};
Slot g_slots[16];
std::mutex g_registry;
int g_active_slots = 0;

const int kSignals[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT,   SIGUSR1, SIGUSR2,
                        SIGALRM, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGABRT,
                        SIGSEGV, SIGBUS,  SIGFPE,  SIGILL,    SIGTRAP, SIGSYS};
struct sigaction g_previous[std::size(kSignals)];
bool g_installed[std::size(kSignals)];

extern "C" void remove_temporaries_and_reraise(int signal_number) {
  for (Slot& slot : g_slots) {
    if (slot.active) ::unlink(slot.path);
  }
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);  // delivered (default action) when this handler returns
}

void install_handlers() {
  struct sigaction action {};
  action.sa_handler = &remove_temporaries_and_reraise;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;
  for (std::size_t i = 0; i < std::size(kSignals); ++i) {
    struct sigaction previous {};
    sigaction(kSignals[i], nullptr, &previous);
    // An ignored signal stays ignored (nohup's SIGHUP); another handler is the caller's.
    g_installed[i] = previous.sa_handler == SIG_DFL && !(previous.sa_flags & SA_SIGINFO);
    if (!g_installed[i]) continue;
    g_previous[i] = previous;
    sigaction(kSignals[i], &action, nullptr);
  }
}

void restore_handlers() {
  for (std::size_t i = 0; i < std::size(kSignals); ++i) {
    if (g_installed[i]) sigaction(kSignals[i], &g_previous[i], nullptr);
    g_installed[i] = false;
  }
}

}  // namespace

std::string resolve_output_path(const std::string& path) {
  namespace fs = std::filesystem;
  fs::path current = path;
  for (int links = 0; links <= 40; ++links) {
    struct stat info {};
    if (::lstat(current.c_str(), &info) != 0 || !S_ISLNK(info.st_mode)) return current.string();
    std::error_code error;
    const fs::path target = fs::read_symlink(current, error);
    if (error) throw OutputTargetError(path + ": cannot read the link: " + error.message());
    current = target.is_absolute() ? target : current.parent_path() / target;
  }
  throw OutputTargetError(path + ": too many levels of symbolic links");
}

std::string check_output_target(const std::string& path) {
  if (path.empty()) throw OutputTargetError("empty file name");
  const std::string target = resolve_output_path(path);
  struct stat info {};
  if (::stat(target.c_str(), &info) == 0 && !S_ISREG(info.st_mode)) {
    const std::string through = target == path ? "" : " (the link's target " + target + ")";
    throw OutputTargetError(path + through + ": is " + file_type_name(info.st_mode) +
                            "; refusing to replace it");
  }
  return target;
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat info_a {};
  struct stat info_b {};
  if (::stat(a.c_str(), &info_a) != 0 || ::stat(b.c_str(), &info_b) != 0) return false;
  return info_a.st_dev == info_b.st_dev && info_a.st_ino == info_b.st_ino;
}

void refuse_overwriting_inputs(const std::string& flag, const std::string& output,
                               const std::vector<std::string>& inputs, const std::string& what) {
  for (const std::string& input : inputs) {
    if (same_file(output, input)) {
      const std::string also = input == output ? "" : " (" + input + ")";
      throw OutputTargetError(flag + " " + output + ": that is " + what + also +
                              "; refusing to overwrite it");
    }
  }
}

TemporaryFileGuard::TemporaryFileGuard(const std::vector<std::string>& paths) {
  const std::lock_guard<std::mutex> lock(g_registry);
  for (const std::string& path : paths) {
    if (path.size() >= sizeof(Slot::path)) continue;
    for (int i = 0; i < static_cast<int>(std::size(g_slots)); ++i) {
      if (g_slots[i].active) continue;
      std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
      std::atomic_signal_fence(std::memory_order_seq_cst);  // the path before the flag
      g_slots[i].active = 1;
      slots_.push_back(i);
      if (g_active_slots++ == 0) install_handlers();
      break;
    }
  }
}

TemporaryFileGuard::~TemporaryFileGuard() {
  const std::lock_guard<std::mutex> lock(g_registry);
  for (const int i : slots_) {
    g_slots[i].active = 0;
    if (--g_active_slots == 0) restore_handlers();
  }
}

const char* file_type_name(unsigned mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

void ignore_broken_pipes() {
  std::signal(SIGPIPE, SIG_IGN);
}

std::string errno_message(int error) {
  std::string message = std::strerror(error);
  if (!message.empty()) {
    message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
  }
  return message;
}

}  // namespace fa::report
