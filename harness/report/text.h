#pragma once
// Text helpers of the report format and its tools: messages are one line, lists are joined once.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fa::report {

// `text` as one line of bounded length, whatever it holds (names, parser snippets, exception
// texts): every control character becomes a space, trailing spaces go, and text beyond
// `max_length` characters is cut and ends in "...".
std::string one_line(std::string_view text, std::size_t max_length = 1000);

// "a<separator>b<separator>c"; "" for no items.
std::string join(const std::vector<std::string>& items, std::string_view separator);

}  // namespace fa::report
