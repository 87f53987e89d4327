#include "bounded_read.h"

namespace fa::report {

std::string read_at_most(std::istream& file, std::size_t max_bytes,
                         const std::function<void()>& too_large) {
  std::string text;
  char buffer[65536];
  while (file.read(buffer, sizeof buffer) || file.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(file.gcount()));
    if (text.size() > max_bytes) too_large();
  }
  return text;
}

}  // namespace fa::report
