#include "lenient_json.h"

#include <array>
#include <set>
#include <vector>

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

namespace {

// One open array or object while parsing: the keys seen so far (objects), the number of finished
// elements (arrays), and which child is being parsed, to name the place of a duplicate.
struct Frame {
  bool is_object = false;
  std::set<std::string, std::less<>> keys;
  std::string current_key;
  std::size_t elements = 0;
};

std::string place_of(const std::vector<Frame>& frames) {
  // frames.back() is the object holding the duplicate; its parents say where it is.
  std::string place;
  for (std::size_t i = 0; i + 1 < frames.size(); ++i) {
    const Frame& frame = frames[i];
    if (frame.is_object) {
      place += (place.empty() ? "" : ".") + frame.current_key;
    } else {
      place += "[" + std::to_string(frame.elements) + "]";
    }
  }
  return place.empty() ? "(top level)" : place;
}

// A SAX pass that builds nothing and notes the first duplicate key. nlohmann's parse with a
// callback (the way before) rescans the parent container at every object's end
// (json_sax_dom_callback_parser::end_object), quadratic in a report's rows: 100,001 rows took
// 4.6 s, 348 s under ASan. This pass and the plain parse after it are both linear.
class DuplicateKeyFinder : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit DuplicateKeyFinder(std::optional<DuplicateKey>& duplicate) : duplicate_(duplicate) {}

  bool null() override { return element_done(); }
  bool boolean(bool) override { return element_done(); }
  bool number_integer(number_integer_t) override { return element_done(); }
  bool number_unsigned(number_unsigned_t) override { return element_done(); }
  bool number_float(number_float_t, const string_t&) override { return element_done(); }
  bool string(string_t&) override { return element_done(); }
  bool binary(binary_t&) override { return element_done(); }
  bool start_object(std::size_t) override { return open(true); }
  bool start_array(std::size_t) override { return open(false); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& name) override {
    Frame& frame = frames_.back();
    frame.current_key = name;
    if (!frame.keys.insert(name).second && !duplicate_) {
      DuplicateKey found{name, place_of(frames_), std::nullopt};
      if (frames_.size() == 3 && frames_[0].is_object && frames_[0].current_key == "benchmarks" &&
          !frames_[1].is_object) {
        found.benchmark_row = frames_[1].elements;
      }
      duplicate_ = std::move(found);
    }
    return true;
  }
  // The plain parse that follows throws nlohmann's own error for the same text.
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  bool element_done() {
    if (!frames_.empty() && !frames_.back().is_object) ++frames_.back().elements;
    return true;
  }
  bool open(bool is_object) {
    frames_.push_back(Frame{is_object, {}, {}, 0});
    return true;
  }
  bool close() {
    if (!frames_.empty()) frames_.pop_back();
    return element_done();
  }

  std::vector<Frame> frames_;
  std::optional<DuplicateKey>& duplicate_;
};

}  // namespace

nlohmann::json parse_noting_duplicate_keys(const std::string& text,
                                           std::optional<DuplicateKey>& duplicate) {
  DuplicateKeyFinder finder(duplicate);
  nlohmann::json::sax_parse(text, &finder);
  return nlohmann::json::parse(text);
}

}  // namespace fa::report
