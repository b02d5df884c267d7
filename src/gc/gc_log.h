// A whole --trace-gc log, streamed: per isolate, what the GCs say about the
// heap, and a verdict with the evidence behind it.
//
// Memory does not grow with the log: pauses go into fixed histograms, the
// floor trend is a running least-squares fit, the sliding windows keep only
// the GCs inside them, and the series kept for pictures is thinned to at most
// 4,096 points per isolate (every other point dropped when full).
//
// Isolates: lines are keyed by (pid, isolate address); a clock that goes
// backwards for one address starts a new isolate (the address was reused).
// The "<--- Last few GCs --->" block that V8 prints at an OOM holds its last
// trace lines, cut to 255 characters and run together: they are split at
// each "[pid:0x..]" prefix, and used only where they add GCs the log does not
// already have (when --trace-gc was off, they are all there is).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "gc/pause_histogram.h"
#include "gc/trace_line.h"

namespace oomkit::gc {

struct GcLogOptions {
  double heap_limit_mb = 0;  // the old-space limit, when known (--max-old-space-size)
  double window_ms = 1000;   // sliding window for mutator utilization
};

// One major GC, for the floor series and the picture.
struct MajorGc {
  double time_ms;
  double start_mb, end_mb;
  double avg_mu;
  bool reduce;
};

struct Verdict {
  std::string kind;  // js-heap-leak, bounded-high-usage, gc-churn, healthy, insufficient-data
  std::vector<std::string> evidence;
  std::string fix;
};

struct IsolateReport {
  uint32_t pid = 0;
  uint64_t isolate = 0;
  int32_t isolate_id = -1;
  uint32_t generation = 0;  // > 0 when the address was reused by a later isolate
  double first_ms = -1, last_ms = 0;
  uint64_t scavenges = 0, minor = 0, mark_compacts = 0, reduce = 0, interleaved = 0;
  uint64_t last_resort = 0, testing = 0, external_pressure = 0, might_not_succeed = 0;
  uint64_t from_last_few_gcs = 0;  // GCs known only from the OOM block
  PauseHistogram pauses, major_pauses;
  double total_pause_ms = 0;
  double gc_share = 0;             // pause time over the isolate's span
  double min_window_mu = 1;        // the worst sliding window's mutator utilization
  double allocation_mb_per_s = 0;
  // The heap floor: the object size after each major GC.
  double first_floor_mb = 0, last_floor_mb = 0, max_floor_mb = 0;
  double floor_slope_mb_per_min = 0, floor_r2 = 0;
  double late_floor_slope_mb_per_min = 0;  // over the second half of the major GCs
  double median_reclaim = 0;               // share of the heap a major GC frees
  uint64_t longest_ineffective_run = 0;    // major GCs in a row that freed < 10 %
  bool v8_abort_rule = false;              // 4 in a row, avg mu < 0.4, >= 80 % of the limit
  uint64_t starvation_episodes = 0;        // heap grew >= 50 % over >= 50 scavenges with no major GC
  double worst_starvation_growth_mb = 0;
  uint64_t promotion_spikes = 0;  // scavenges that left >= 4 MB more behind
  double biggest_promotion_mb = 0;
  double first_external_mb = -1, last_external_mb = -1;  // --trace-gc-verbose
  double first_backing_mb = -1, last_backing_mb = -1;
  double minutes_to_limit = -1;
  std::vector<MajorGc> majors;  // thinned
  struct Point {
    double time_ms, heap_mb, pause_ms;
    bool major;
  };
  std::vector<Point> timeline;  // thinned
  Verdict verdict;
};

struct GcLogReport {
  std::vector<IsolateReport> isolates;  // most major GCs first
  uint64_t lines = 0, trace_lines = 0, gc_lines = 0, skipped_lines = 0, long_lines = 0;
  uint64_t unparsed_lines = 0;
  uint64_t isolates_omitted = 0;  // beyond the 64 with the most GCs
  uint64_t first_unparsed_line = 0;
  std::string first_unparsed;
  bool oom_seen = false;  // "FATAL ERROR: ... heap out of memory" or "Ineffective mark-compacts" in the log
  std::string oom_message;
  Verdict verdict;  // the main isolate's
};

Result<GcLogReport> AnalyzeGcLog(const std::string& path, const GcLogOptions& options);
// The same over text in memory (tests, fuzzing).
Result<GcLogReport> AnalyzeGcText(std::string_view text, const GcLogOptions& options);

}  // namespace oomkit::gc
