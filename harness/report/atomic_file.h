#pragma once
#include <string>

namespace fa::report {

// Writes `content` to `<path>.tmp.<pid>` and renames it over `path`: a reader (or a crash, or
// Ctrl-C) sees the old file or the whole new one, never a truncated one. Throws
// std::runtime_error naming the path on failure, after removing the temporary file.
void write_file_atomically(const std::string& path, const std::string& content);

// A temporary path beside `path` (same file system, so rename is atomic).
std::string temporary_path_for(const std::string& path);

}  // namespace fa::report
