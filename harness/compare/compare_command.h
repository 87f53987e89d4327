#pragma once
// fa-compare from argv to exit code: parse, load, compare, render every output in memory, then
// write files (atomically) and print. Any bad input or usage is one line on `err` and exit 2,
// before anything is written.
#include <iosfwd>

namespace fa::compare {

inline constexpr int kExitFine = 0;
inline constexpr int kExitRegression = 1;
inline constexpr int kExitBadInput = 2;

int compare_main(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
                 bool out_is_terminal);

}  // namespace fa::compare
