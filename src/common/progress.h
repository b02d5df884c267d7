// Progress: how library code reports long work without printing anything.
// The CLI plugs in a bar on a terminal; tests and pipes plug in nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

namespace oomkit {

struct Progress {
  // phase: a short word ("parsing nodes"); done/total in any unit.
  std::function<void(std::string_view phase, uint64_t done, uint64_t total)> report;

  void operator()(std::string_view phase, uint64_t done, uint64_t total) const {
    if (report) report(phase, done, total);
  }
};

}  // namespace oomkit
