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
#include "supervise/probe_channel.h"

namespace oomkit::supervise {

struct SuperviseOptions {
  LaunchPlan plan;
  std::string out_dir;      // exists, 0700
  double snapshot_at = 0.75;  // of the old space's limit; 0: never
  bool old_space_size_given = false;  // --max-old-space-size was passed (the limit's young part is V8's cap)
  int snapshot_max = 3;
  std::function<void(const std::string&)> note;  // one line for the user, as it happens
  // --metrics: serve /metrics (Prometheus text format) and /healthz/memory here.
  std::string metrics_host;
  uint16_t metrics_port = 0;  // 0: no endpoint
  uint32_t restarts = 0;      // shown in the metrics: runs before this one
  // --profile-every: V8's sampling heap profiler through each node process's
  // inspector, its profile saved as DIR/heap-PID.heapprofile this often.
  double profile_every_s = 0;
  std::string last_exit_kind; // of the run before, for the metrics
  uint32_t profile_sampling_bytes = 524288;  // one sample per this many bytes allocated, on average
  // diagnose: commands to the probe of the process oomkit started (or, when
  // that is not node, of the newest node process below it; the probe must
  // have OOMKIT_PROBE_COMMANDS=1), and a call when the started process ends.
  ProbeChannel* channel = nullptr;
  std::function<void()> child_exited;
};

struct ProcessSeen {
  uint32_t pid = 0, ppid = 0;
  std::string node_version, argv;
  int node_major = 0;
  uint64_t old_space_limit = 0;  // what the heap_limit implies: V8 aborts when the old space reaches it
  uint64_t samples = 0;
  uint64_t last_heap_used = 0, max_heap_used = 0, heap_limit = 0, last_rss = 0, max_rss = 0;
  uint64_t last_external = 0, last_array_buffers = 0;
  uint64_t gc_lines = 0, mark_compacts = 0, scavenges = 0, minor_marks = 0;
  double loop_delay_p99_ms = -1;
  // GC pauses in seconds, Prometheus' cumulative buckets (le) of kGcPauseBuckets.
  std::vector<uint64_t> pause_buckets;
  double pause_sum_s = 0;
  uint64_t pause_count = 0;
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
  std::vector<std::string> snapshots, reports, profiles;  // files in out_dir
  uint64_t profiles_written = 0;
  std::vector<std::string> warnings;
  crash::CrashReport crash;      // from stderr and the status
  bool interrupted = false;      // oomkit passed on a signal
};

Result<RunOutcome> Supervise(const SuperviseOptions& options);

// The upper bounds (seconds) of the GC pause histogram in /metrics.
inline constexpr double kGcPauseBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

// The bodies the metrics endpoint serves, from what the supervisor has seen.
std::string PrometheusText(const std::vector<ProcessSeen>& processes, uint32_t restarts, const std::string& last_exit_kind);
// {status, pid, heap_used_mb, ..., processes: [...]}: status is "critical"
// when a process's heap is at 90 % of its old-space limit or more, "warning"
// from 75 %, else "healthy".
std::string MemoryHealthJson(const std::vector<ProcessSeen>& processes, bool* critical);

}  // namespace oomkit::supervise
