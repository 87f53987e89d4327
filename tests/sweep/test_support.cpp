#include "test_support.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace fa::sweep::test {

std::string sweep_binary() {
  return FA_SWEEP_BINARY;
}
std::string configs_dir() {
  return FA_CONFIGS_DIR;
}

namespace {

// argv and envp for posix_spawn: the strings live in `storage`, the environment is this one plus
// `env`.
struct SpawnArguments {
  std::vector<std::string> storage;
  std::vector<char*> argv, envp;
  SpawnArguments(const std::vector<std::string>& args, const std::vector<std::string>& env) {
    for (char** variable = environ; *variable != nullptr; ++variable) {
      storage.emplace_back(*variable);
    }
    storage.insert(storage.end(), env.begin(), env.end());
    storage.insert(storage.end(), args.begin(), args.end());
    const size_t environment_size = storage.size() - args.size();
    for (size_t i = 0; i < storage.size(); ++i) {
      (i < environment_size ? envp : argv).push_back(storage[i].data());
    }
    argv.push_back(nullptr);
    envp.push_back(nullptr);
  }
};

}  // namespace

ProcessResult run_process_into_closed_pipe(const std::vector<std::string>& args,
                                           const std::vector<std::string>& env) {
  const TempDir dir;
  int pipe_ends[2];
  if (::pipe2(pipe_ends, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  ::close(pipe_ends[0]);  // the reader is gone before the first write
  SpawnArguments spawn(args, env);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_ends[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, dir.file("err").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t default_signals;
  sigemptyset(&default_signals);
  sigaddset(&default_signals, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &default_signals);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int status =
      posix_spawn(&pid, spawn.argv[0], &actions, &attributes, spawn.argv.data(), spawn.envp.data());
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_ends[1]);
  if (status != 0) {
    throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(status));
  }
  ProcessResult result = wait_process(pid);
  result.err = read_file(dir.file("err"));
  return result;
}

pid_t start_process(const std::vector<std::string>& args, const std::string& out_path,
                    const std::string& err_path, const std::vector<std::string>& env) {
  SpawnArguments spawn(args, env);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  pid_t pid = 0;
  const int status =
      posix_spawn(&pid, spawn.argv[0], &actions, nullptr, spawn.argv.data(), spawn.envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (status != 0) {
    throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(status));
  }
  return pid;
}

ProcessResult wait_process(pid_t pid) {
  ProcessResult result;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid failed");
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

ProcessResult run_process(const std::vector<std::string>& args,
                          const std::vector<std::string>& env) {
  const TempDir dir;
  const pid_t pid = start_process(args, dir.file("out"), dir.file("err"), env);
  ProcessResult result = wait_process(pid);
  result.out = read_file(dir.file("out"));
  result.err = read_file(dir.file("err"));
  return result;
}

ProcessResult run_sweep(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  std::vector<std::string> command{sweep_binary()};
  command.insert(command.end(), args.begin(), args.end());
  return run_process(command, env);
}

TempDir::TempDir() {
  std::string base = ::testing::TempDir();
  if (base.empty()) base = "/tmp/";
  if (base.back() != '/') base += '/';
  std::string pattern = base + "fa-sweep-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  // One level deep is all the tests create.
  for (const std::string& name : list_directory(path_)) std::remove((path_ + "/" + name).c_str());
  ::rmdir(path_.c_str());
}

std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << content;
  if (!file) throw std::runtime_error("cannot write " + path);
}

bool file_exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

std::vector<std::string> list_directory(const std::string& directory) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(directory.c_str());
  if (dir == nullptr) return names;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  return names;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) lines.push_back(line);
  return lines;
}

}  // namespace fa::sweep::test
