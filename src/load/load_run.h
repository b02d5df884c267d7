// LoadRun: a whole run of oomkit load. It starts one LoadWorker per thread,
// merges their one-second intervals as they finish (for the timeline and the
// progress line) and their totals at the end.
#pragma once

#include <functional>
#include <memory>

#include "common/status.h"
#include "load/load_config.h"
#include "load/load_stats.h"
#include "load/load_worker.h"

namespace oomkit::load {

struct LoadResult {
  PhaseStats warmup, measured;
  uint64_t in_flight_at_stop = 0;
  uint64_t due = 0;      // open loop: measured requests due by the stop
  uint64_t dropped = 0;  // open loop: due but never sent
  double measured_s = 0;  // from the end of the warm-up to the stop
  bool interrupted = false;
  double cpu_user_s = 0, cpu_sys_s = 0;  // this process, over the run
  uint64_t max_rss_kb = 0;
};

class LoadRun {
 public:
  explicit LoadRun(const LoadConfig& config);
  ~LoadRun();

  // Runs to the end; on_interval gets each merged interval in order, on the
  // calling thread. Fails only when the run cannot start.
  Result<LoadResult> Run(const std::function<void(const Interval&)>& on_interval);
  // Ends the run early. Async-signal-safe: a SIGINT handler may call it.
  void Stop();
  // The wall-clock time of the run's start, Unix milliseconds.
  int64_t start_unix_ms() const { return start_unix_ms_; }

 private:
  const LoadConfig& config_;
  std::unique_ptr<RunControl> control_;
  int64_t start_unix_ms_ = 0;
};

}  // namespace oomkit::load
