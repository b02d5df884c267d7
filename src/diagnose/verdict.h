// The verdict of `oomkit diagnose` and `oomkit soak`: which of five kinds of
// memory behaviour the run showed, the evidence, the culprit and the fix.
//
// The decisive measurement is the heap after full GCs (the probe forces
// them) at three moments: after the warm-up (baseline), after a load phase
// (target) and after the same load again (final). Garbage is gone then, so
// what remains is what the process keeps:
//   - a leak keeps growing in the second phase as in the first: the growth
//     is proportional to the requests;
//   - a bounded cache grows in the first phase and stops;
//   - neither keeps anything; churn tells itself by the share of time in GC.
// A growth counts when it is over the noise: 1 MiB and the tolerance (5 %
// by default) of the baseline. Then:
//   external-memory-leak  external memory (Buffers, ArrayBuffers) grew in
//                         both phases, by more than twice the JS heap;
//   js-heap-leak          the JS heap grew in both phases, the second by at
//                         least 30 % of the first (a cache that fills up
//                         during the second phase still adds less);
//   bounded-high-usage    it grew in the first phase only, or the heap after
//                         GC is >= 70 % of the old space's limit;
//   gc-churn-no-leak      GC pauses took >= 10 % of the busy time of node's
//                         main thread under load, before any snapshot (its
//                         time on a CPU or ready for one, not wall time, so
//                         the same at any rate the app serves);
//   healthy               none of these.
// The culprit comes from the snapshots: the largest leak cluster (objects
// allocated after the baseline and alive in every later snapshot) of the
// right kind, with its retaining path; else the top suspect. The allocation
// site is the sampling heap profile's largest site in the application's code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace oomkit::diagnose {

inline constexpr const char* kVerdictKinds[] = {"js-heap-leak", "external-memory-leak", "gc-churn-no-leak",
                                                 "bounded-high-usage", "healthy"};

// process.memoryUsage() as the probe read it, after full GCs when forced.
struct Reading {
  bool present = false;
  int64_t t_ms = 0;  // Unix
  uint64_t heap_used = 0, heap_total = 0, external = 0, array_buffers = 0, rss = 0;
  double time_origin_ms = 0;  // the process's performance.timeOrigin: where the GC log's times start
};

struct VerdictInput {
  Reading baseline, target, final_, idle;  // idle: the last of the idle watch
  uint64_t peak_heap_used = 0;  // the highest sample during the load
  uint64_t requests_1 = 0, requests_2 = 0;  // answered in each measured load phase (0: no load of ours)
  // The GC pauses in the load phases, node's main thread's CPU time in them
  // (-1: unknown), and its time ready to run but off a CPU (0 when unknown):
  // pauses are wall time and hold that wait too (see supervise/thread_cpu.h).
  struct GcTime {
    double gc_ms = 0, cpu_ms = -1, waiting_ms = 0;
  };
  GcTime load;
  // The same in the warm-up, the only load before any heap snapshot. Once V8
  // has written a snapshot it records every object's move for the object ids
  // of the snapshots to come, and a scavenge costs several times more (7x
  // measured on a churning process): GC's share is measured here.
  GcTime warmup;
  // When the app could not serve the rate asked: the open loop's drops and
  // the worst median latency over the measured phases. The memory figures
  // still hold (they count answered requests); the user should know.
  double target_rate = 0;
  uint64_t dropped = 0, worst_p50_us = 0;
  uint64_t old_space_limit = 0;
  double tolerance = 0.05;
  bool died = false;            // the process ended before the end of the run
  std::string exit_kind;        // as oomkit run classifies it
  std::string exit_summary;
  // What the analysis commands printed (--json); null when not run.
  nlohmann::ordered_json leaks, suspects, profile, gc;
};

struct Verdict {
  std::string kind;
  std::string culprit_class, culprit_path, allocation_site;
  std::string culprit_full_path;  // from the GC roots
  uint32_t culprit_id = 0;
  bool has_growth = false;
  double growth_per_1000_requests = 0;  // bytes; with our load
  double growth_per_minute = 0;         // bytes
  std::vector<std::string> evidence;
  std::string fix;
  std::string headline;  // one sentence
};

Verdict Decide(const VerdictInput& in);

// The report's form: {kind, culprit: {class, path, allocation_site}, growth_per_1000_requests, evidence, fix, ...}.
nlohmann::ordered_json VerdictJson(const Verdict& v);

// "system / Context .sessionCache → Map .table → (array) [12] → RequestContext"
std::string PathText(const nlohmann::ordered_json& path);
// The same from the last closure variable or global property on the way
// ("… → system / Context .sessionCache → Map .table → ..."); the whole path
// when there is none.
std::string ShortPathText(const nlohmann::ordered_json& path);

}  // namespace oomkit::diagnose
