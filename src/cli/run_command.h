// `oomkit run [options] -- COMMAND...`: runs a Node service (or a build that
// runs node) with the diagnostic flags, watches its memory, keeps the
// evidence, says how it died, and exits with its status.
#pragma once

#include <string>
#include <vector>

namespace oomkit::cli {

struct RunOptions {
  std::vector<std::string> command;
  std::string heap_limit;  // "auto" or MB
  std::string snapshot_at = "75%";
  int snapshot_max = 3;
  std::string sample = "500ms";
  uint64_t snapshot_near_limit = 0;
  std::string out;
  std::string metrics;  // HOST:PORT
  std::string profile_every;
  std::string restart;      // "on-crash"
  int max_restarts = 5;
  bool json = false;
};

int RunRun(const RunOptions& options);

}  // namespace oomkit::cli
