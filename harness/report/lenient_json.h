#pragma once
// Google Benchmark (and Python's json) write non-finite doubles as bare NaN, Infinity and
// -Infinity, which strict JSON parsers reject as "malformed". The loader wants to say "real_time
// is NaN" instead, so this pass turns those tokens into strings before nlohmann parses the text.
// It also bounds the nesting depth, so later recursive walks (copy, dump) of the parsed document
// cannot exhaust the stack however deep an input nests.
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace fa::report {

struct JsonTooDeep : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Returns `text` with bare NaN, -NaN, Infinity and -Infinity outside strings quoted ("NaN"...).
// Valid JSON never holds those tokens outside strings, so valid input keeps its meaning. Throws
// JsonTooDeep when arrays and objects nest deeper than `max_depth`.
std::string quote_non_finite_tokens(std::string_view text, std::size_t max_depth);

// A key that one object holds twice. nlohmann (like most parsers) keeps the last value silently,
// so a report with two "real_time" in a row would be compared on whichever came last.
struct DuplicateKey {
  std::string key;
  std::string where;  // the object's place: "benchmarks[3]", "context", "(top level)"
  std::optional<std::size_t> benchmark_row;  // i when the object is benchmarks[i]
};

// nlohmann::json::parse(text) that also notes the first duplicate key (in document order) in
// `duplicate`. Throws what nlohmann throws for malformed text.
nlohmann::json parse_noting_duplicate_keys(const std::string& text,
                                           std::optional<DuplicateKey>& duplicate);

}  // namespace fa::report
