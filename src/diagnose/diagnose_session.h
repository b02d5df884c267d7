// DiagnoseSession: the steps of `oomkit diagnose` and `oomkit soak` around a
// supervised process. The supervisor runs on its own thread (it owns the
// child, its pipes, the probe's socket and the signals); this thread waits
// until the application answers, drives the load in phases, and at each
// phase's end asks the probe to measure after full GCs and to write a heap
// snapshot. When the process dies on the way, the steps stop at once and the
// session returns what it has: the supervisor's evidence survives.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "diagnose/verdict.h"
#include "load/load_config.h"
#include "supervise/supervisor.h"

namespace oomkit::diagnose {

struct SessionPlan {
  std::optional<load::LoadConfig> load;  // none: watch the app's own traffic
  double rate = 500;       // open loop, requests per second
  uint64_t requests = 0;   // per measured phase; 0: phase_s long
  double phase_s = 20;     // per measured phase when requests is 0 (and without load)
  double warmup_s = 3;
  int idle_gcs = 3;        // the idle watch: full GCs this far apart
  double idle_gap_s = 1;
  double ready_timeout_s = 30;
  std::function<void(const std::string&)> note;
};

struct PhaseRecord {
  std::string name;  // "warm-up", "load 1", "load 2", "idle"
  int64_t start_ms = 0, end_ms = 0;  // Unix
  bool load = false;
  double target_rate = 0;
  uint64_t sent = 0, completed = 0, errors = 0, dropped = 0, late = 0;
  uint64_t unanswered = 0;  // still in flight when the phase's time was up
  double main_thread_cpu_ms = -1;  // node's main thread, over the phase; -1: unread
  // The same thread ready to run but off a CPU (a busy machine); -1: unread.
  double main_thread_waiting_ms = -1;
  uint64_t p50_us = 0, p99_us = 0, max_us = 0;
};

struct SnapshotTaken {
  std::string label, path;
  int64_t t_ms = 0;
};

struct LoadSecond {
  int64_t ts = 0;  // Unix ms, the end of the second
  uint64_t sent = 0, completed = 0, errors = 0;
};

struct SessionOutcome {
  std::vector<PhaseRecord> phases;
  std::vector<std::pair<std::string, Reading>> readings;  // label, reading (after full GCs)
  std::vector<SnapshotTaken> snapshots;
  std::vector<LoadSecond> load_timeline;
  supervise::RunOutcome run;
  uint32_t target_pid = 0;   // the node process measured and snapshotted
  bool completed = false;    // every step ran
  bool died = false;         // the process ended before the steps did
  bool interrupted = false;
  std::string stopped_at;    // the step that could not run, and why
  bool never_answered = false;
};

// options.channel and options.child_exited are the session's.
Result<SessionOutcome> RunSession(supervise::SuperviseOptions options, const SessionPlan& plan);

}  // namespace oomkit::diagnose
