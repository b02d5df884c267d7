// `oomkit gc LOG`: what a --trace-gc log says. Returns the exit code.
#pragma once

#include <string>

namespace oomkit::cli {

struct GcOptions {
  std::string file;
  bool json = false;
  double heap_limit_mb = 0;
  double window_ms = 1000;
  std::string svg;  // write a picture of the heap over time here
};

int RunGc(const GcOptions& options);

}  // namespace oomkit::cli
