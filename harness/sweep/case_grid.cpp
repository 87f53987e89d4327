#include "sweep/case_grid.h"

#include "variants.h"

namespace fa::sweep {

std::vector<SweepCase> build_case_grid(const SweepConfig& config,
                                       const std::vector<const fa::Variant*>& variants,
                                       const std::vector<std::string>& modes) {
  std::vector<SweepCase> cases;
  const SweepGrid& grid = config.grid;
  for (const std::string& mode : modes) {
    SweepCase floor;
    floor.key = {kFloorVariant,
                 grid.batch.front(),
                 grid.seqlen.front(),
                 grid.heads.front(),
                 grid.embed.front() / grid.heads.front(),
                 config.dtype,
                 mode};
    floor.name = report::format_case_name(floor.key);
    floor.causal = config.causal;
    cases.push_back(std::move(floor));

    for (const int batch : grid.batch) {
      for (const int seqlen : grid.seqlen) {
        for (const int heads : grid.heads) {
          for (const int embed : grid.embed) {
            for (const fa::Variant* variant : variants) {
              SweepCase one;
              one.key = {std::string(variant->name),
                         batch,
                         seqlen,
                         heads,
                         embed / heads,
                         config.dtype,
                         mode};
              one.name = report::format_case_name(one.key);
              one.variant = variant;
              one.causal = config.causal;
              cases.push_back(std::move(one));
            }
          }
        }
      }
    }
  }
  return cases;
}

std::vector<SweepCase> filter_cases(const std::vector<SweepCase>& cases, const std::regex& filter) {
  std::vector<SweepCase> kept;
  for (const SweepCase& one : cases) {
    if (std::regex_search(one.name, filter)) kept.push_back(one);
  }
  return kept;
}

}  // namespace fa::sweep
