#include "cli_fixture.h"

#include <fmt/format.h>

namespace fa::testing {

std::string FaCompareCli::grid_run(const std::string& name, bool phases) {
  std::vector<SyntheticCase> cases;
  std::uint64_t seed = 100;
  for (const int seq : {50, 150, 300}) {
    for (const int batch : {2, 4, 8, 16}) {
      const double kernel = 4 + batch * seq / 100.0;
      for (const char* variant : {"v2.6.3", "v2.7.0"}) {
        const bool extra = std::string(variant) == "v2.7.0" && batch * seq <= 400;
        const double overhead = 20 + (extra ? 30 : 0);
        SyntheticCase c;
        c.name = fmt::format("fwd/{}/b:{}/s:{}/h:16/d:16/fp16/eager", variant, batch, seq);
        c.kernel_us = noisy_samples(kernel, 0.005, 10, seed++);
        const auto overheads = noisy_samples(overhead, 0.01, 10, seed++);
        for (std::size_t i = 0; i < overheads.size(); ++i) {
          c.e2e_us.push_back(c.kernel_us[i] + overheads[i]);
        }
        if (phases) {
          // Host phases adding up to most of the overhead; the rest is outside every phase.
          const bool v270 = std::string(variant) == "v2.7.0";
          std::vector<double>& checks = c.phases[v270 ? "v2.7.0/prechecks" : "v2.6.3/checks"];
          std::vector<double>& launch = c.phases["core/launch"];
          std::vector<double>& rest = c.phases["unattributed"];
          for (std::size_t i = 0; i < overheads.size(); ++i) {
            checks.push_back(4);
            launch.push_back(8);
            rest.push_back(2);
          }
          if (v270) {
            std::vector<double>& dispatch = c.phases["v2.7.0/dispatch"];
            for (const double overhead : overheads) dispatch.push_back(overhead - 20 + 1);
          }
        }
        cases.push_back(c);
      }
    }
  }
  return write(name, make_report(cases));
}

}  // namespace fa::testing
