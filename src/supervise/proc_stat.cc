#include "supervise/proc_stat.h"

#include <fstream>
#include <iterator>

namespace oomkit::supervise {

std::optional<std::string> StatFieldsAfterName(const std::string& path) {
  std::ifstream in(path);
  std::string line(std::istreambuf_iterator<char>(in), {});
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  return line.substr(close + 1);
}

}  // namespace oomkit::supervise
