// The Summary view: one row per class with # Objects, Shallow size, Retained
// size and Distance, as DevTools computes them:
//   - only objects with a non-zero self size count (as in DevTools);
//   - Distance is the smallest distance among them;
//   - Retained size adds an object's retained size only when no object above
//     it in the dominator tree (with a non-zero self size) has the same class,
//     so nothing is counted twice.
#pragma once

#include <string>
#include <vector>

#include "heap/analysis.h"

namespace oomkit::heap {

struct ClassRow {
  uint32_t class_id = 0;
  std::string_view name;
  uint64_t count = 0;
  uint64_t self_size = 0;
  uint64_t retained_size = 0;
  int32_t distance = 0;
  uint32_t largest = 0;  // ordinal of the instance with the largest retained size
};

// Rows sorted by retained size, then self size, then name (deterministic).
std::vector<ClassRow> SummarizeClasses(const Snapshot& s, const Analysis& a, int threads);

}  // namespace oomkit::heap
