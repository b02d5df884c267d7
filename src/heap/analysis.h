// Analysis: everything computed over a Snapshot, in DevTools' order:
//   detachedness -> essential edges -> shallow sizes -> dominators and
//   retained sizes -> distances -> class names -> statistics.
//
// Memory that stays (per node): self size 4, distance 4, class 4, dominator 4,
// retained 8, dominator-tree children 8 = 32 B/node.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/pod_array.h"
#include "common/progress.h"
#include "heap/class_names.h"
#include "heap/dominators.h"
#include "heap/essential_edges.h"
#include "heap/snapshot.h"

namespace oomkit::heap {

struct Statistics {
  uint64_t total = 0;         // root's retained size + extra_native_bytes
  uint64_t native = 0;        // native nodes + extra_native_bytes
  uint64_t typed_arrays = 0;  // "system / JSArrayBufferData" (ArrayBuffer backing stores)
  uint64_t v8heap = 0;        // total - native
  uint64_t code = 0;
  uint64_t strings = 0;
  uint64_t js_arrays = 0;  // Arrays with their elements store when only they hold it
  uint64_t system = 0;     // hidden nodes
  uint64_t other_js() const { return v8heap - code - strings - js_arrays - system; }
  uint64_t other_native() const { return native - typed_arrays; }
};

// A Summary row key: the class name, split by constructor location for
// objects that have one (two classes named Foo in two files stay apart).
struct ClassKey {
  uint32_t name;  // string index of its text (one of them when the text is there twice)
  bool has_location = false;
  uint32_t script_id = 0, line = 0, column = 0;
};

struct AnalysisOptions {
  Semantics semantics = Semantics::kDevTools;
  // false: stop after the dominators and retained sizes (no distances, class
  // names or statistics), for work that needs only the dominator tree.
  bool summary = true;
  // Name plain objects after these interfaces instead of inferring them from
  // the snapshot (for a base snapshot compared with another).
  const std::vector<InterfaceDefinition>* interfaces = nullptr;
  // Or ask for them when they are needed (may wait for another analysis).
  std::function<const std::vector<InterfaceDefinition>*()> interfaces_from;
  // Told the interfaces as soon as they are known (another analysis may be
  // waiting for them).
  std::function<void(const std::vector<InterfaceDefinition>&)> on_interfaces;
  // Free the object ids once the retaining edges are known (a WeakMap entry
  // names its table by id): 4 B/node off the dominators' peak, for callers
  // that print no object (the Summary view).
  bool release_ids = false;
  // Free the edge words (type and name) before the dominators' peak: the
  // predecessor lists take their pages (4 B/edge off the peak). For callers
  // that read no edge's type or name after the analysis (the Summary view).
  bool release_edge_words = false;
  int threads = 0;
  Progress progress;
};

struct Analysis {
  Semantics semantics = Semantics::kDevTools;
  // Taken from the snapshot (its node_self_size is empty afterwards), then
  // re-attributed in place with DevTools semantics.
  PodArray<uint32_t> self_size;
  PodArray<int32_t> distance;
  PodArray<uint32_t> class_of;  // index into classes
  std::vector<ClassKey> classes;
  std::vector<InterfaceDefinition> interfaces;  // the ones the class names used
  std::optional<WeakMapNames> weakmaps;         // parsed once, for later passes (retaining paths)
  DominatorTree tree;
  Statistics statistics;
  uint64_t total_size = 0;
  // Per phase, in order (printed by --stats): seconds, CPU seconds of all
  // threads, and the process's peak RSS when it ended.
  struct Timing {
    const char* phase;
    double seconds;
    double cpu_seconds;
    uint64_t peak_rss;
    uint64_t rss;  // resident at the end of the phase
  };
  std::vector<Timing> timings;
};

// Runs every phase; may add strings and rename detached native nodes in s,
// and takes its self sizes (see Analysis::self_size).
Analysis Analyze(Snapshot* s, const AnalysisOptions& options);

}  // namespace oomkit::heap
