// One line of V8's GC tracing (--trace-gc, --trace-gc-verbose,
// --trace-gc-nvp) as Node 16-26 print it on stdout.
//
// Every trace line starts with "[pid:0xisolate]" (NVP on Node 24+:
// "[pid:0xisolate:id]"); GC lines then carry the isolate's clock, "%8.0f ms: ".
// The human GC line changed in every major (collector names, the reason
// separator, decimals, "pooled:", "(interleaved)"); it is read here token by
// token, each optional part tried where it may appear, so one reader covers
// all versions. NVP lines are key=value pairs (Node 16-24) or "GC: {json}"
// (Node 26). Verbose lines give per-space usage, external and backing-store
// memory, and the old generation's new allocation limit.
#pragma once

#include <cstdint>
#include <string_view>

namespace oomkit::gc {

enum class Collector : uint8_t { kScavenge, kMinor, kMarkCompact };

struct GcEvent {
  Collector collector = Collector::kScavenge;
  bool reduce = false;       // memory-reducing GC, typical right before an OOM
  bool interleaved = false;  // a young GC during a full GC cycle (22+)
  bool incremental = false;  // a mark-compact finished after incremental marking
  double start_object_mb = 0, start_memory_mb = 0, end_object_mb = 0, end_memory_mb = 0;
  double pause_ms = 0;
  double avg_mu = -1, current_mu = -1;  // -1: not in this form (NVP)
  std::string_view reason, collector_reason;
  double promoted_mb = -1;  // NVP only
};

enum class LineKind : uint8_t {
  kNotTrace,        // not a trace line (the application's output, other tools)
  kGc,              // a GC: event is set
  kSpace,           // verbose: one space's usage
  kExternal,        // verbose: "External memory reported: N KB" (value_kb)
  kBackingStore,    // verbose: "Backing store memory: N KB" (value_kb)
  kHeapLimit,       // verbose: "[HeapController] Limit: old size: .. KB, new limit: N KB" (value_kb)
  kVerboseOther,    // other known verbose or NVP lines
  kUnparsed,        // starts like a trace line but does not parse: reported, never guessed at
};

struct TraceLine {
  LineKind kind = LineKind::kNotTrace;
  uint32_t pid = 0;
  uint64_t isolate = 0;
  int32_t isolate_id = -1;  // NVP on 24+
  double time_ms = -1;      // the isolate's clock; -1 on lines without it
  GcEvent event;
  int64_t value_kb = 0;
};

// Parses one line (without its newline). The string views in the result
// point into `line`.
TraceLine ParseTraceLine(std::string_view line);

// The same, but a human GC line cut short (V8's OOM block keeps 255
// characters of each) still counts when its collector and sizes are whole;
// the fields after them are then left at their defaults.
TraceLine ParseCutGcLine(std::string_view line);

// A GC that a tool asked for rather than the application's allocations: a
// gc() call (V8's reason "testing", as the probe's before each reading), a
// heap snapshot ("heap profiler"), a sampling heap profile's fetch
// ("sampling profiler"). Not the application's cost.
bool RequestedByTooling(const GcEvent& event);

// Where the next "[pid:0x..]" prefix starts in `text` at or after `from`, or
// npos: the "Last few GCs" block runs entries together, so it is split there.
size_t FindTracePrefix(std::string_view text, size_t from);

}  // namespace oomkit::gc
