// Leak suspects in one snapshot, in the spirit of Eclipse MAT's report: big
// retainers with their accumulation point, and detectors for the shapes Node
// leaks take, each reading the V8/Node structures that hold them:
//   collection        a Map/Set (entries counted from its hash table), an
//                     Array, or an object used as a dictionary, with >= 1,000
//                     entries retaining >= 1 % of the heap;
//   promises          such a collection whose entries are mostly Promises;
//   log-array         such an Array whose entries are mostly strings;
//   listeners         an EventEmitter event with more than 10 listeners
//                     (Node's MaxListenersExceededWarning) and >= 100 of them
//                     or >= 1 % of the heap;
//   timers            >= 500 live Timeout objects (timers never cleared);
//   closure-context   >= 10 closures of one function whose Contexts each own
//                     a big value through one variable, together >= 1 MB and
//                     >= 1 % of the heap;
//   big-string        one string (usually grown by +=) retaining >= 1 MB and
//                     >= 1 % of the heap;
//   duplicate-strings one string value stored many times, >= 1 MB and >= 2 %
//                     of the heap wasted;
//   external-memory   ArrayBuffer backing stores >= 25 % of the heap and >= 8 MB;
//   buffer-slices     >= 10 backing stores of >= 64 kB each kept by one view
//                     (a slice keeps its whole parent), >= 4 MB and 5 % of the heap;
//   big-retainer      an object retaining >= 10 % of the heap (below the
//                     roots, the global object and contexts), with its
//                     accumulation point: down the dominator tree while one
//                     child holds >= 80 % of it;
//   class-share       a class retaining >= 10 % of the heap.
// With a baseline, collections, listener lists and timers count only when
// they grew since it (matched by object id).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "heap/analysis.h"

namespace oomkit::heap {

struct Suspect {
  std::string kind;
  std::string what;  // one line: what it is ("Map with 23,000 entries")
  std::string why;   // why it is suspicious
  std::string fix;   // the one-line fix; empty for information only
  uint32_t node = UINT32_MAX;  // the object to show a retaining path to
  uint32_t accumulation = UINT32_MAX;  // big-retainer: where the size fans out
  std::string class_name;
  uint64_t retained_size = 0;
  uint64_t count = 0;  // entries, listeners, timers, closures, copies
  bool has_growth = false;
  int64_t growth = 0;  // count since the baseline
};

// Entry counts of a snapshot's collections and listener lists, by object id
// (what --baseline compares against).
std::unordered_map<uint32_t, uint64_t> CollectionSizes(const Snapshot& s);

// Suspects ranked: those with a fix first, then by retained size.
std::vector<Suspect> FindSuspects(const Snapshot& s, const Analysis& a,
                                  const std::unordered_map<uint32_t, uint64_t>* baseline);

}  // namespace oomkit::heap
