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

}  // namespace

nlohmann::json parse_noting_duplicate_keys(const std::string& text,
                                           std::optional<DuplicateKey>& duplicate) {
  using Event = nlohmann::json::parse_event_t;
  std::vector<Frame> frames;
  const auto element_done = [&] {
    if (!frames.empty() && !frames.back().is_object) ++frames.back().elements;
  };
  const auto note = [&](int /*depth*/, Event event, nlohmann::json& parsed) {
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        frames.push_back(Frame{event == Event::object_start, {}, {}, 0});
        break;
      case Event::object_end:
      case Event::array_end:
        if (!frames.empty()) frames.pop_back();
        element_done();
        break;
      case Event::key: {
        Frame& frame = frames.back();
        frame.current_key = parsed.get<std::string>();
        if (!frame.keys.insert(frame.current_key).second && !duplicate) {
          DuplicateKey found{frame.current_key, place_of(frames), std::nullopt};
          if (frames.size() == 3 && frames[0].is_object && frames[0].current_key == "benchmarks" &&
              !frames[1].is_object) {
            found.benchmark_row = frames[1].elements;
          }
          duplicate = std::move(found);
        }
        break;
      }
      case Event::value:
        element_done();
        break;
    }
    return true;
  };
  return nlohmann::json::parse(text, note);
}

}  // namespace fa::report
