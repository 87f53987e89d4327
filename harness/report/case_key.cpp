#include "case_key.h"

#include <charconv>
#include <vector>

namespace fa::report {
namespace {

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// "b:16" with prefix "b:" -> 16; positive integers only.
std::optional<int> parse_axis(std::string_view part, std::string_view prefix) {
  if (part.substr(0, prefix.size()) != prefix) return std::nullopt;
  const std::string_view digits = part.substr(prefix.size());
  int value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size() || value <= 0) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

bool CaseKey::operator==(const CaseKey& other) const {
  return variant == other.variant && batch == other.batch && seqlen == other.seqlen &&
         heads == other.heads && head_dim == other.head_dim && dtype == other.dtype &&
         mode == other.mode;
}

std::string format_case_name(const CaseKey& key) {
  return "fwd/" + key.variant + "/" + case_name_without_variant(key);
}

std::string case_name_without_variant(const CaseKey& key) {
  return "b:" + std::to_string(key.batch) + "/s:" + std::to_string(key.seqlen) +
         "/h:" + std::to_string(key.heads) + "/d:" + std::to_string(key.head_dim) + "/" +
         key.dtype + "/" + key.mode;
}

std::optional<CaseKey> parse_case_name(std::string_view name) {
  const std::vector<std::string_view> parts = split(name, '/');
  if (parts.size() != 8 || parts[0] != "fwd" || parts[1].empty() || parts[6].empty() ||
      parts[7].empty()) {
    return std::nullopt;
  }
  const auto batch = parse_axis(parts[2], "b:");
  const auto seqlen = parse_axis(parts[3], "s:");
  const auto heads = parse_axis(parts[4], "h:");
  const auto head_dim = parse_axis(parts[5], "d:");
  if (!batch || !seqlen || !heads || !head_dim) return std::nullopt;
  return CaseKey{std::string(parts[1]), *batch, *seqlen, *heads, *head_dim, std::string(parts[6]),
                 std::string(parts[7])};
}

}  // namespace fa::report
