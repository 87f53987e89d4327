// A main() for the fuzz targets where libFuzzer is not linked (every gcc build): runs the target
// once on each file named, or on every file of each directory named. The committed corpus (the
// seeds and every crash the fuzzer found) so becomes a regression test of the normal build and
// of the ASan/UBSan build.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

int replay(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: %s: cannot read\n", file.c_str());
    return 1;
  }
  const std::vector<char> bytes{std::istreambuf_iterator<char>(in),
                                std::istreambuf_iterator<char>()};
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int inputs = 0;
  int errors = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path path(argv[i]);
    if (std::filesystem::is_directory(path)) {
      for (const auto& entry : std::filesystem::directory_iterator(path)) {
        if (!entry.is_regular_file()) continue;
        errors += replay(entry.path());
        ++inputs;
      }
    } else {
      errors += replay(path);
      ++inputs;
    }
  }
  std::printf("replayed %d input%s\n", inputs, inputs == 1 ? "" : "s");
  return errors == 0 && inputs > 0 ? 0 : 1;
}
