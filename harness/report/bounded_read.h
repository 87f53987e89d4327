// Reading an input file whose size is bounded: fa-sweep's configs and fa-compare's reports.
#pragma once

#include <cstddef>
#include <functional>
#include <istream>
#include <string>

namespace fa::report {

// The whole of `file`, read in blocks; `too_large` (which must throw) is called as soon as more
// than `max_bytes` have come, so a file that grows while it is read, or never ends (/dev/zero),
// is never held in memory past the limit. The caller checks `file.bad()` afterwards.
std::string read_at_most(std::istream& file, std::size_t max_bytes,
                         const std::function<void()>& too_large);

}  // namespace fa::report
