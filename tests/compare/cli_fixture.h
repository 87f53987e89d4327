#pragma once
// Runs the real fa-compare binary on synthetic reports in a temporary folder.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "run_process.h"
#include "synthetic_report.h"

namespace fa::testing {

class FaCompareCli : public ::testing::Test {
 protected:
  ProcessResult fa_compare(const std::vector<std::string>& args,
                           const std::vector<std::string>& environment = {}) {
    return run_process(FA_COMPARE_PATH, args, environment);
  }
  std::string write(const std::string& name, const std::string& text) {
    return dir_.write(name, text);
  }
  std::string path(const std::string& name) const { return (dir_.path() / name).string(); }

  // One run with v2.6.3 and v2.7.0 on seq {50, 150, 300} x batch {2, 4, 8, 16}: the same kernel,
  // and 30 us more overhead for v2.7.0 while batch * seq <= 400. So v2.7.0 is slower at
  // s:50 b:2..8 (crossover 16), s:150 b:2 (crossover 4), and never at s:300 (crossover 2).
  // With `phases`, each case also has phase counters: v2.6.3/checks (v2.6.3 only),
  // v2.7.0/prechecks and v2.7.0/dispatch (v2.7.0 only; dispatch carries the extra 30 us),
  // core/launch and unattributed on both.
  std::string grid_run(const std::string& name = "run.json", bool phases = false);

  TempDir dir_;
};

}  // namespace fa::testing
