// The config parser bound to the variant registry: what fa-sweep and its tests use.
#include "sweep/sweep_config.h"
#include "variants.h"

namespace fa::sweep {
namespace {

std::vector<std::string> registry_names() {
  std::vector<std::string> names;
  for (const fa::Variant& variant : fa::all_variants()) names.emplace_back(variant.name);
  return names;
}

}  // namespace

SweepConfig parse_sweep_config(const std::string& text, const std::string& path) {
  return parse_sweep_config(text, path, registry_names());
}

SweepConfig load_sweep_config(const std::string& path) {
  return parse_sweep_config(read_config_file(path), path);
}

}  // namespace fa::sweep
