// What every `oomkit heap` command does first: read a snapshot (with a
// progress bar and one-line errors), analyse it, and name its objects the way
// a DevTools user recognises them.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "cli/heap_command.h"
#include "cli/progress_bar.h"
#include "heap/analysis.h"
#include "heap/snapshot.h"

namespace oomkit::cli {

// --stats: the time and memory of each phase on stderr.
class PhaseTimer {
 public:
  explicit PhaseTimer(bool enabled);
  void Lap(const char* phase);

 private:
  bool enabled_;
  std::chrono::steady_clock::time_point last_;
  double last_cpu_;
};

// Reads `file`, or prints "oomkit: FILE: <error>" and returns false.
// nodes_only: no edges (ReadOptions::nodes_only).
bool Load(const HeapOptions& o, const std::string& file, heap::Snapshot* out, ProgressBar& bar,
          bool nodes_only = false);

heap::Semantics ParseSemantics(const std::string& s);

// Reads `file` and runs every analysis phase, with progress and --stats
// timings; false (after printing the error) when the file cannot be read.
// `ao` may carry the interface hooks; its semantics, threads and progress
// come from `o`.
bool LoadAndAnalyze(const HeapOptions& o, const std::string& file, PhaseTimer& timer, heap::Snapshot* s,
                    heap::Analysis* a, heap::AnalysisOptions ao = {});

// The node type's name ("object", "closure", ...).
std::string TypeName(const heap::Snapshot& s, uint32_t n);

// What a person needs to recognise one object: its class, and for strings
// and functions the value or function name.
std::string DisplayName(const heap::Snapshot& s, const heap::Analysis& a, uint32_t n);

// The name of the edge by which `holder` references `n`, if it does.
std::string EdgeTo(const heap::Snapshot& s, uint32_t holder, uint32_t n);

}  // namespace oomkit::cli
