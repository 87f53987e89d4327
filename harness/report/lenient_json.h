#pragma once
// Google Benchmark (and Python's json) write non-finite doubles as bare NaN, Infinity and
// -Infinity, which strict JSON parsers reject as "malformed". The loader wants to say "real_time
// is NaN" instead, so this pass turns those tokens into strings before nlohmann parses the text.
// It also bounds the nesting depth, so later recursive walks (copy, dump) of the parsed document
// cannot exhaust the stack however deep an input nests.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace fa::report {

struct JsonTooDeep : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Returns `text` with bare NaN, -NaN, Infinity and -Infinity outside strings quoted ("NaN"...).
// Valid JSON never holds those tokens outside strings, so valid input keeps its meaning. Throws
// JsonTooDeep when arrays and objects nest deeper than `max_depth`.
std::string quote_non_finite_tokens(std::string_view text, std::size_t max_depth);

}  // namespace fa::report
