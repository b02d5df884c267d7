// Supervisor: runs a command under watch and keeps the evidence of how it
// used memory and how it died.
//
// One thread, one epoll loop over: the child's stdout (split: the
// application's bytes pass through, V8's trace lines go to gc.log), its
// stderr (passed through and kept in stderr.log: the OOM text is there), the
// probe's socket (one JSON line per sample from every node process below,
// written to timeline.ndjson as it comes, so nothing is lost when either
// process dies), and a signalfd. Signals: SIGINT, SIGTERM and SIGHUP sent to
// oomkit by another process are passed to the child; the terminal's own
// Ctrl-C reaches the child directly (same process group), so it is not sent
// twice; a second SIGINT or SIGTERM kills the child.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "crash/crash_output.h"
#include "supervise/launch_plan.h"

namespace oomkit::supervise {

struct SuperviseOptions {
  LaunchPlan plan;
  std::string out_dir;      // exists, 0700
  double snapshot_at = 0.75;  // of the old space's limit; 0: never
  bool old_space_size_given = false;  // --max-old-space-size was passed (the limit's young part is V8's cap)
  int snapshot_max = 3;
  std::function<void(const std::string&)> note;  // one line for the user, as it happens
};

struct ProcessSeen {
  uint32_t pid = 0, ppid = 0;
  std::string node_version, argv;
  int node_major = 0;
  uint64_t old_space_limit = 0;  // what the heap_limit implies: V8 aborts when the old space reaches it
  uint64_t samples = 0;
  uint64_t last_heap_used = 0, max_heap_used = 0, heap_limit = 0, last_rss = 0, max_rss = 0;
  uint64_t last_external = 0, last_array_buffers = 0;
  uint64_t gc_lines = 0, mark_compacts = 0;
  int snapshots_requested = 0;
};

struct RunOutcome {
  uint32_t pid = 0;              // the child oomkit started
  int status = 0;                // as a shell shows it: the exit code, or 128 + the signal
  int signal = 0;                // the signal that ended the child, 0 if it exited
  double seconds = 0;
  uint64_t gc_lines = 0;
  uint64_t timeline_lines = 0;
  uint64_t worker_oom_lines = 0;  // ERR_WORKER_OUT_OF_MEMORY seen on stdout or stderr
  std::vector<ProcessSeen> processes;
  std::vector<std::string> snapshots, reports;  // files in out_dir
  std::vector<std::string> warnings;
  crash::CrashReport crash;      // from stderr and the status
  bool interrupted = false;      // oomkit passed on a signal
};

Result<RunOutcome> Supervise(const SuperviseOptions& options);

}  // namespace oomkit::supervise
