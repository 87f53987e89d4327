#include "text.h"

namespace fa::report {

std::string one_line(std::string_view text, std::size_t max_length) {
  std::string line;
  line.reserve(std::min(text.size(), max_length) + 3);
  for (const char c : text) {
    if (line.size() >= max_length) {
      line += "...";
      return line;
    }
    const auto byte = static_cast<unsigned char>(c);
    line.push_back(byte < 0x20 || byte == 0x7f ? ' ' : c);
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string text;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) text.append(separator);
    text += items[i];
  }
  return text;
}

}  // namespace fa::report
