#include "lenient_json.h"

#include <array>

namespace fa::report {

std::string quote_non_finite_tokens(std::string_view text, std::size_t max_depth) {
  static constexpr std::array<std::string_view, 4> kTokens = {"-Infinity", "Infinity", "-NaN",
                                                              "NaN"};
  std::string out;
  out.reserve(text.size() + 16);
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < text.size()) {
        out.push_back(text[++i]);
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        throw JsonTooDeep("arrays and objects nested deeper than " + std::to_string(max_depth) +
                          " levels");
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    } else if (c == 'N' || c == 'I' || c == '-') {
      bool quoted = false;
      for (const std::string_view token : kTokens) {
        if (text.substr(i, token.size()) == token) {
          out.push_back('"');
          out.append(token);
          out.push_back('"');
          i += token.size() - 1;
          quoted = true;
          break;
        }
      }
      if (quoted) continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace fa::report
