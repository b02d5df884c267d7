// `oomkit crash FILE [--exit-status N]`: how a process died. Returns the exit code.
#pragma once

#include <string>

namespace oomkit::cli {

struct CrashOptions {
  std::string file;
  int exit_status = -1;
  bool json = false;
};

int RunCrash(const CrashOptions& options);

}  // namespace oomkit::cli
