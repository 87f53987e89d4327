#pragma once
// What a comparison measures and how it decides.
#include "bootstrap.h"
#include "report/metric.h"
#include "verdict.h"

namespace fa::compare {

struct CompareSettings {
  report::Metric metric = report::Metric::e2e;
  VerdictRule rule;
  BootstrapSettings bootstrap;
  bool strict = false;  // refuse reports from different GPUs, configs, modes or backends
};

}  // namespace fa::compare
