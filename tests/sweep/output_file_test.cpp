// report/output_file.h and report/atomic_file.h, shared by fa-sweep's --out and fa-compare's
// --html/--output (issue 15 items 1-4): identity, non-regular targets, links written through,
// errno's message on a full disk, and signals that remove the temporary file until the rename.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "report/atomic_file.h"
#include "report/output_file.h"
#include "test_support.h"

namespace fa::report {
namespace {

using sweep::test::file_exists;
using sweep::test::list_directory;
using sweep::test::read_file;
using sweep::test::TempDir;
using sweep::test::write_file;

bool is_fifo(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0 && S_ISFIFO(info.st_mode);
}

bool is_link(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0 && S_ISLNK(info.st_mode);
}

// Runs `body` in a child process; returns the signal that ended it, or 1000 + its exit code.
template <typename Body>
int signal_ending_child(Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    body();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFSIGNALED(status) ? WTERMSIG(status) : 1000 + WEXITSTATUS(status);
}

// The names in `directory`, sorted (readdir's order is the file system's).
std::vector<std::string> sorted_names(const std::string& directory) {
  std::vector<std::string> names = list_directory(directory);
  std::sort(names.begin(), names.end());
  return names;
}

TEST(OutputFile, SameFileIsByIdentityThroughLinksAndOtherSpellings) {
  const TempDir dir;
  const std::string config = dir.file("c.json");
  write_file(config, "{}");
  ASSERT_EQ(::mkdir(dir.file("sub").c_str(), 0755), 0);
  ASSERT_EQ(::symlink(config.c_str(), dir.file("soft.json").c_str()), 0);
  ASSERT_EQ(::link(config.c_str(), dir.file("hard.json").c_str()), 0);
  for (const std::string& other : {config, dir.file("soft.json"), dir.file("hard.json"),
                                   dir.file("sub/../c.json"), dir.file("./c.json")}) {
    EXPECT_TRUE(same_file(config, other)) << other;
    EXPECT_THROW(refuse_overwriting_inputs("--out", other, {config}, "the config"),
                 OutputTargetError)
        << other;
  }
  write_file(dir.file("other.json"), "{}");
  EXPECT_FALSE(same_file(config, dir.file("other.json")));
  EXPECT_FALSE(same_file(config, dir.file("missing.json")));
  EXPECT_NO_THROW(
      refuse_overwriting_inputs("--out", dir.file("missing.json"), {config}, "the config"));
}

TEST(OutputFile, NonRegularTargetsAreRefusedAndLeftAsTheyWere) {
  const TempDir dir;
  const std::string fifo = dir.file("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  const std::string socket_path = dir.file("sock");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof(address.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ::symlink(fifo.c_str(), dir.file("link-to-fifo").c_str());
  const std::vector<std::pair<std::string, std::string>> targets = {
      {fifo, "is a FIFO"},
      {"/dev/null", "is a device"},
      {socket_path, "is a socket"},
      {dir.path(), "is a directory"},
      {dir.file("link-to-fifo"), "is a FIFO"}};
  for (const auto& [target, problem] : targets) {
    try {
      write_file_atomically(target, "report");
      ADD_FAILURE() << target << " was replaced";
    } catch (const OutputTargetError& error) {
      const std::string message = error.what();
      EXPECT_EQ(message.rfind(target, 0), 0u) << message;
      EXPECT_NE(message.find(problem), std::string::npos) << message;
    }
  }
  ::close(fd);
  EXPECT_TRUE(is_fifo(fifo));
  EXPECT_TRUE(is_link(dir.file("link-to-fifo")));
  struct stat info {};
  ASSERT_EQ(::stat("/dev/null", &info), 0);
  EXPECT_TRUE(S_ISCHR(info.st_mode));
  EXPECT_EQ(list_directory(dir.path()).size(), 3u);  // fifo, sock, link-to-fifo: no temporary
}

TEST(OutputFile, ASymbolicLinkIsWrittenThroughToItsTarget) {
  const TempDir dir;
  ASSERT_EQ(::mkdir(dir.file("real").c_str(), 0755), 0);
  write_file(dir.file("real/report.json"), "old");
  // A relative link, resolved against the link's directory; and a link to a link.
  ASSERT_EQ(::symlink("real/report.json", dir.file("link.json").c_str()), 0);
  ASSERT_EQ(::symlink("link.json", dir.file("link2.json").c_str()), 0);
  write_file_atomically(dir.file("link2.json"), "new");
  EXPECT_TRUE(is_link(dir.file("link.json")));
  EXPECT_TRUE(is_link(dir.file("link2.json")));
  EXPECT_EQ(read_file(dir.file("real/report.json")), "new");
  EXPECT_EQ(list_directory(dir.file("real")), std::vector<std::string>{"report.json"});
  // A dangling link: the file is created where it points.
  ASSERT_EQ(::symlink("real/fresh.json", dir.file("dangling.json").c_str()), 0);
  write_file_atomically(dir.file("dangling.json"), "fresh");
  EXPECT_TRUE(is_link(dir.file("dangling.json")));
  EXPECT_EQ(read_file(dir.file("real/fresh.json")), "fresh");
}

TEST(OutputFile, AFullDiskSaysNoSpaceLeftOnDevice) {
  const int fd = ::open("/dev/full", O_WRONLY);
  if (fd < 0) GTEST_SKIP() << "no /dev/full here";
  try {
    write_all(fd, std::string(4096, 'x'), "report.json");
    ADD_FAILURE() << "writing /dev/full succeeded";
  } catch (const std::runtime_error& error) {
    EXPECT_STREQ(error.what(), "report.json: cannot write: no space left on device");
  }
  ::close(fd);
}

TEST(OutputFile, ASignalJustBeforeTheRenameRemovesTheTemporaryFiles) {
  const TempDir dir;
  write_file(dir.file("a.txt"), "old a");
  write_file(dir.file("b.txt"), "old b");
  const int signal_number = signal_ending_child([&] {
    ::setenv(kSignalBeforeRenameVariable, std::to_string(SIGTERM).c_str(), 1);
    const std::string a = "new a";
    const std::string b = "new b";
    write_files_atomically({{dir.file("a.txt"), &a}, {dir.file("b.txt"), &b}});
  });
  EXPECT_EQ(signal_number, SIGTERM);
  EXPECT_EQ(sorted_names(dir.path()), (std::vector<std::string>{"a.txt", "b.txt"}));
  EXPECT_EQ(read_file(dir.file("a.txt")), "old a");
  EXPECT_EQ(read_file(dir.file("b.txt")), "old b");
}

TEST(OutputFile, TheGuardRemovesItsFilesOnEveryTerminatingSignal) {
  for (const int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM}) {
    const TempDir dir;
    const std::string temporary = dir.file("report.json.tmp");
    write_file(temporary, "partial");
    EXPECT_EQ(signal_ending_child([&] {
                const TemporaryFileGuard guard({temporary});
                std::raise(signal_number);
              }),
              signal_number);
    EXPECT_FALSE(file_exists(temporary)) << strsignal(signal_number);
  }
}

TEST(OutputFile, TheGuardRestoresTheDispositionsAndKeepsIgnoredSignalsIgnored) {
  EXPECT_EQ(signal_ending_child([] {
              std::signal(SIGHUP, SIG_IGN);  // as under nohup
              {
                const TemporaryFileGuard guard({"/nonexistent/x"});
                std::raise(SIGHUP);  // still ignored
              }
              struct sigaction action {};
              sigaction(SIGUSR1, nullptr, &action);
              if (action.sa_handler != SIG_DFL) ::_exit(3);
              ::_exit(0);
            }),
            1000);
}

}  // namespace
}  // namespace fa::report
