// LaunchPlan: the command `oomkit run` starts, with the diagnostic flags
// added to the user's own.
//
// When the command is node itself, the flags go on its command line, right
// after the binary (the user's own node flags come after them). Otherwise
// (npm run build, npx webpack, a shell script) they go into NODE_OPTIONS, so
// every node process below gets them; --trace-gc is not allowed there, so the
// probe turns it on from inside (v8.setFlagsFromString).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace oomkit::supervise {

struct LaunchOptions {
  uint64_t heap_limit_mb = 0;       // --max-old-space-size; 0: the user's or Node's own
  std::string out_dir;              // reports and snapshots go here
  std::string probe_path;           // the probe script, --require'd
  std::string probe_socket;         // where the probe reports
  int sample_ms = 500;
  uint64_t snapshot_near_limit = 0; // --heapsnapshot-near-heap-limit=N
  bool expose_gc = false;           // diagnose forces GCs; never in run
  bool probe_commands = false;      // diagnose: the probe takes commands (measure, snapshot)
  bool inspector = false;           // --inspect=127.0.0.1:0 (a random port), for the sampling heap profiler
};

struct LaunchPlan {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // the whole environment, NAME=value
  bool through_node_options = false;
  std::vector<std::string> added_flags;  // for the summary
};

// node, nodejs, node20, /usr/bin/node, ...: a binary we can give flags.
bool IsNodeBinary(std::string_view argv0);

Result<LaunchPlan> PlanLaunch(const std::vector<std::string>& command, const LaunchOptions& options,
                              const std::vector<std::string>& environment);

}  // namespace oomkit::supervise
