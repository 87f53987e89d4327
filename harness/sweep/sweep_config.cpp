#include "sweep/sweep_config.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "report/bounded_read.h"
#include "report/output_file.h"
#include "report/text.h"

namespace fa::sweep {
namespace {

using nlohmann::json;

// Collects the file name so every check reads as one line.
class Checker {
 public:
  explicit Checker(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw UsageError(report::one_line(path_ + ": " + field + ": " + problem));
  }

  // A JSON value shown briefly in a message.
  static std::string shown(const json& value) {
    std::string text = value.dump();
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return text;
  }

  static const char* type_name(const json& value) {
    if (value.is_number_float()) return "a number with a fraction";
    return value.type_name();
  }

  int positive_int(const json& value, const std::string& field) const {
    if (!value.is_number_integer()) {
      fail(field,
           std::string("must be a positive integer, got ") + type_name(value) + " " + shown(value));
    }
    if (value.is_number_unsigned() ? value.get<uint64_t>() > std::numeric_limits<int>::max()
                                   : (value.get<int64_t>() > std::numeric_limits<int>::max())) {
      fail(field, "must be at most " + std::to_string(std::numeric_limits<int>::max()) + ", got " +
                      shown(value));
    }
    const int64_t number = value.get<int64_t>();
    if (number <= 0) fail(field, "must be positive, got " + std::to_string(number));
    return static_cast<int>(number);
  }

  // `number` (already checked) at most `bound`.
  int at_most(int number, int bound, const std::string& field) const {
    if (number > bound) {
      fail(field, "must be at most " + std::to_string(bound) + " (fa-sweep's bound), got " +
                      std::to_string(number));
    }
    return number;
  }

  int non_negative_int(const json& value, const std::string& field) const {
    if (value.is_number_integer() && value.get<int64_t>() == 0) return 0;
    if (value.is_number_integer() && value.get<int64_t>() < 0) {
      fail(field, "must be zero or positive, got " + shown(value));
    }
    return positive_int(value, field);
  }

  double number(const json& value, const std::string& field, bool allow_zero) const {
    if (!value.is_number()) {
      fail(field, std::string("must be a number, got ") + value.type_name() + " " + shown(value));
    }
    const double number = value.get<double>();
    if (!(number > 0.0) && !(allow_zero && number == 0.0)) {
      fail(field, std::string("must be ") + (allow_zero ? "zero or positive" : "positive") +
                      ", got " + shown(value));
    }
    return number;
  }

  std::string string(const json& value, const std::string& field) const {
    if (!value.is_string()) {
      fail(field, std::string("must be a string, got ") + value.type_name() + " " + shown(value));
    }
    return value.get<std::string>();
  }

  std::vector<int> axis(const json& value, const std::string& field) const {
    if (!value.is_array()) {
      fail(field, std::string("must be a list of positive integers, got ") + value.type_name());
    }
    if (value.empty()) fail(field, "must not be empty");
    std::vector<int> numbers;
    std::set<int> seen;
    for (size_t i = 0; i < value.size(); ++i) {
      const std::string element = field + "[" + std::to_string(i) + "]";
      const int number = positive_int(value[i], element);
      if (!seen.insert(number).second) fail(element, "duplicate value " + std::to_string(number));
      numbers.push_back(number);
    }
    return numbers;
  }

  std::vector<std::string> string_list(const json& value, const std::string& field) const {
    if (!value.is_array()) {
      fail(field, std::string("must be a list of strings, got ") + value.type_name());
    }
    if (value.empty()) fail(field, "must not be empty");
    std::vector<std::string> strings;
    for (size_t i = 0; i < value.size(); ++i) {
      const std::string element = field + "[" + std::to_string(i) + "]";
      std::string text = string(value[i], element);
      if (std::find(strings.begin(), strings.end(), text) != strings.end()) {
        fail(element, "duplicate value " + shown(value[i]));
      }
      strings.push_back(std::move(text));
    }
    return strings;
  }

  // Rejects keys outside `known` (a typo must not silently fall back to a default).
  void only_keys(const json& object, const std::string& where,
                 const std::vector<std::string>& known) const {
    for (const auto& item : object.items()) {
      if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
        // The key as written, cut to a readable length (it can be any string).
        const std::string key =
            item.key().size() <= 60 ? item.key() : item.key().substr(0, 57) + "...";
        fail(where.empty() ? key : where + "." + key,
             "unknown key (known keys: " + report::join(known, ", ") + ")");
      }
    }
  }

 private:
  std::string path_;
};

// A message part cut to a readable length.
std::string shortened(const std::string& text) {
  constexpr std::size_t kMax = 200;
  return text.size() <= kMax ? text : text.substr(0, kMax) + "...";
}

// "line 3, column 7" for a byte offset (nlohmann reports offsets).
std::string line_and_column(const std::string& text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1, column = 1;
  for (size_t i = 0; i + 1 < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

std::string content_hash(const std::string& bytes) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (const unsigned char byte : bytes) {
    hash ^= byte;
    hash *= 0x100000001b3ull;
  }
  return fmt::format("fnv1a64:{:016x}", hash);
}

std::string read_config_file(const std::string& path) {
  // A directory opens (ifstream) and reads as nothing, a FIFO without a writer blocks for ever and
  // /dev/zero never ends (issue 15 re-run): only a regular file (or a link to one) is read, and at
  // most kMaxConfigBytes of it. Say what the path is, not "invalid JSON".
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && !S_ISREG(info.st_mode)) {
    throw UsageError(report::one_line(path) + ": (file): is " +
                     report::file_type_name(info.st_mode) + ", expected a JSON file");
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw UsageError(report::one_line(path) + ": (file): cannot read (" + std::strerror(errno) +
                     ")");
  }
  std::string text = report::read_at_most(file, kMaxConfigBytes, [&] {
    throw UsageError(report::one_line(path) + ": (file): larger than the " +
                     std::to_string(kMaxConfigBytes >> 20) +
                     " MiB limit of a sweep config; not read");
  });
  if (file.bad()) throw UsageError(report::one_line(path) + ": (file): read failed");
  return text;
}

SweepConfig parse_sweep_config(const std::string& text, const std::string& path,
                               const std::vector<std::string>& known_variants) {
  const Checker check(path);
  json root;
  // A config nests three deep; the bound keeps the recursive walks that messages make (dump) off
  // a stack overflow on hostile input (found by tests/fuzz).
  struct TooDeep {};
  constexpr int kMaxDepth = 16;
  // A key given twice in one object would take the last value silently: refused by name. One
  // set of keys per open object; the field path is the keys of the enclosing objects.
  struct DuplicateKey {
    std::string field;
  };
  struct OpenObject {
    std::set<std::string> keys;
    std::string key;  // the one being parsed
  };
  std::vector<OpenObject> open_objects;
  try {
    root = json::parse(text, [&](int depth, json::parse_event_t event, json& parsed) {
      if (depth > kMaxDepth) throw TooDeep{};
      if (event == json::parse_event_t::object_start) open_objects.emplace_back();
      if (event == json::parse_event_t::object_end && !open_objects.empty()) {
        open_objects.pop_back();
      }
      if (event == json::parse_event_t::key && !open_objects.empty()) {
        const std::string key = parsed.get<std::string>();
        OpenObject& object = open_objects.back();
        if (!object.keys.insert(key).second) {
          std::string field;
          for (std::size_t i = 0; i + 1 < open_objects.size(); ++i) {
            field += open_objects[i].key + ".";
          }
          throw DuplicateKey{field + key};
        }
        object.key = key;
      }
      return true;
    });
  } catch (const DuplicateKey& duplicate) {
    check.fail(shortened(duplicate.field), "duplicate key: given twice in one object");
  } catch (const TooDeep&) {
    check.fail("(root)", "arrays and objects nested deeper than " + std::to_string(kMaxDepth) +
                             " levels: not a sweep config");
  } catch (const json::parse_error& error) {
    // "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ...". Cut
    // by hand: std::regex recurses per character and overflowed the stack on a long message
    // (found by tests/fuzz); the message quotes the offending token, so it is shortened too.
    const std::string what = error.what();
    const std::size_t at = what.find("at line ");
    const std::size_t colon = at == std::string::npos ? at : what.find(": ", at);
    if (colon != std::string::npos) {
      check.fail(what.substr(at + 3, colon - at - 3),
                 "invalid JSON: " + shortened(what.substr(colon + 2)));
    }
    check.fail(line_and_column(text, error.byte), "invalid JSON: " + shortened(what));
  } catch (const json::exception& error) {
    // E.g. out_of_range 406, "number overflow parsing '1e999'" (found by tests/fuzz).
    check.fail("(root)", "invalid JSON: " + shortened(error.what()));
  }
  if (!root.is_object()) {
    check.fail("(root)", std::string("must be a JSON object, got ") + root.type_name());
  }
  check.only_keys(root, "",
                  {"name", "description", "grid", "dtype", "causal", "variants", "modes",
                   "repetitions", "min_time_s", "iterations", "warmup_iterations", "warmup_s",
                   "kernel_samples", "seed", "phase_samples"});

  SweepConfig config;
  config.path = path;
  config.content_hash = content_hash(text);

  for (const char* required : {"name", "grid", "variants"}) {
    if (!root.contains(required)) check.fail(required, "missing (required)");
  }
  config.name = check.string(root["name"], "name");
  if (config.name.empty()) check.fail("name", "must not be empty");
  // The name is printed in fa-sweep's one-line status and messages (issue 15 re-run: a newline in
  // it split them).
  if (std::any_of(config.name.begin(), config.name.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7f;
      })) {
    check.fail("name", "must not contain control characters (a newline, a tab, ...)");
  }
  if (root.contains("description")) {
    config.description = check.string(root["description"], "description");
  }

  const json& grid = root["grid"];
  if (!grid.is_object()) {
    check.fail("grid", std::string("must be an object with batch, seqlen, heads and embed, got ") +
                           grid.type_name());
  }
  check.only_keys(grid, "grid", {"batch", "seqlen", "heads", "embed"});
  for (const char* axis : {"batch", "seqlen", "heads", "embed"}) {
    if (!grid.contains(axis)) check.fail(std::string("grid.") + axis, "missing (required)");
  }
  config.grid.batch = check.axis(grid["batch"], "grid.batch");
  config.grid.seqlen = check.axis(grid["seqlen"], "grid.seqlen");
  config.grid.heads = check.axis(grid["heads"], "grid.heads");
  config.grid.embed = check.axis(grid["embed"], "grid.embed");
  for (const int embed : config.grid.embed) {
    for (const int heads : config.grid.heads) {
      if (embed % heads != 0) {
        check.fail("grid.embed", "embed " + std::to_string(embed) + " is not divisible by heads " +
                                     std::to_string(heads) + " (head_dim = embed / heads)");
      }
      if (embed / heads > 256) {
        check.fail("grid.embed", "head_dim = embed / heads = " + std::to_string(embed) + " / " +
                                     std::to_string(heads) + " = " + std::to_string(embed / heads) +
                                     " exceeds 256");
      }
    }
  }

  if (root.contains("dtype")) {
    config.dtype = check.string(root["dtype"], "dtype");
    if (config.dtype != "fp16" && config.dtype != "bf16") {
      check.fail("dtype", "must be \"fp16\" or \"bf16\", got \"" + config.dtype + "\"");
    }
  }
  if (root.contains("causal")) {
    if (!root["causal"].is_boolean()) {
      check.fail("causal", std::string("must be true or false, got ") + root["causal"].type_name() +
                               " " + Checker::shown(root["causal"]));
    }
    config.causal = root["causal"].get<bool>();
  }

  config.variants = check.string_list(root["variants"], "variants");
  for (size_t i = 0; i < config.variants.size(); ++i) {
    if (std::find(known_variants.begin(), known_variants.end(), config.variants[i]) ==
        known_variants.end()) {
      check.fail("variants[" + std::to_string(i) + "]",
                 "unknown variant \"" + config.variants[i] +
                     "\" (known: " + report::join(known_variants, ", ") + ")");
    }
  }

  if (root.contains("modes")) {
    config.modes = check.string_list(root["modes"], "modes");
    for (size_t i = 0; i < config.modes.size(); ++i) {
      if (config.modes[i] != "eager" && config.modes[i] != "graph") {
        check.fail("modes[" + std::to_string(i) + "]",
                   "must be \"eager\" or \"graph\", got \"" + config.modes[i] + "\"");
      }
    }
  }

  if (root.contains("repetitions")) {
    config.repetitions = check.at_most(check.positive_int(root["repetitions"], "repetitions"),
                                       kMaxRepetitions, "repetitions");
  }
  if (root.contains("min_time_s")) {
    config.min_time_s = check.number(root["min_time_s"], "min_time_s", /*allow_zero=*/false);
  }
  if (root.contains("iterations")) {
    config.iterations = check.at_most(check.positive_int(root["iterations"], "iterations"),
                                      kMaxIterations, "iterations");
  }
  if (root.contains("warmup_iterations")) {
    config.warmup_iterations =
        check.at_most(check.non_negative_int(root["warmup_iterations"], "warmup_iterations"),
                      kMaxWarmupIterations, "warmup_iterations");
  }
  if (root.contains("warmup_s")) {
    config.warmup_s = check.number(root["warmup_s"], "warmup_s", /*allow_zero=*/true);
  }
  if (root.contains("kernel_samples")) {
    config.kernel_samples =
        check.at_most(check.positive_int(root["kernel_samples"], "kernel_samples"),
                      kMaxKernelSamples, "kernel_samples");
  }
  if (root.contains("phase_samples")) {
    config.phase_samples =
        check.at_most(check.non_negative_int(root["phase_samples"], "phase_samples"),
                      kMaxPhaseSamples, "phase_samples");
  }
  if (root.contains("seed")) {
    config.seed = check.non_negative_int(root["seed"], "seed");
  }
  return config;
}

}  // namespace fa::sweep
