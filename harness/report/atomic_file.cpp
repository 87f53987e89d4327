#include "atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace fa::report {

std::string temporary_path_for(const std::string& path) {
  return path + ".tmp." + std::to_string(::getpid());
}

void write_file_atomically(const std::string& path, const std::string& content) {
  const std::string temporary = temporary_path_for(path);
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) {
      throw std::runtime_error(path + ": cannot write (" + std::strerror(errno) + ")");
    }
    file << content;
    file.flush();
    if (!file) {
      std::remove(temporary.c_str());
      throw std::runtime_error(path + ": write failed (" + std::strerror(errno) + ")");
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::remove(temporary.c_str());
    throw std::runtime_error(path + ": cannot replace (" + std::strerror(error) + ")");
  }
}

}  // namespace fa::report
