#pragma once
// Runs a program as a subprocess (no shell) and captures its exit code and output.
#include <string>
#include <vector>

namespace fa::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string out;
  std::string err;
};

// Extra environment entries ("NAME=value") are added to the current environment.
ProcessResult run_process(const std::string& program, const std::vector<std::string>& args,
                          const std::vector<std::string>& extra_environment = {},
                          const std::string& working_directory = "");

}  // namespace fa::testing
