// `oomkit limits`: what this machine or container allows, the heap limit Node
// picks here, and the --max-old-space-size oomkit recommends.
#pragma once

#include <string>

namespace oomkit::cli {

struct LimitsOptions {
  bool json = false;
  std::string node = "node";
  std::string root;    // read proc/ and sys/ below this folder instead of /
  int node_major = 0;  // predict for this Node major instead of asking node
};

int RunLimits(const LimitsOptions& options);

}  // namespace oomkit::cli
