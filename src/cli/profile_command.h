// `oomkit profile FILE.heapprofile`: where the sampled memory was allocated.
#pragma once

#include <string>

namespace oomkit::cli {

struct ProfileOptions {
  std::string file;
  bool json = false;
  size_t top = 15;
  bool tree = false;
  int depth = 12;
  std::string pprof;
};

int RunProfile(const ProfileOptions& options);

}  // namespace oomkit::cli
