// Allocation stacks, in snapshots written with --track-heap-objects: each
// object's trace_node_id names a node of the trace tree, whose path to the
// top is the stack that allocated it (innermost frame first).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "heap/snapshot.h"

namespace oomkit::heap {

struct AllocationFrame {
  std::string function;  // "(anonymous)" when V8 has no name
  std::string script;
  uint32_t line = 0, column = 0;  // as V8 writes them: 1-based, 0 when unknown
};

class AllocationTraces {
 public:
  explicit AllocationTraces(const Snapshot& s);
  bool available() const { return !index_.empty(); }
  // Innermost frame first; empty when the object has no trace.
  std::vector<AllocationFrame> StackOf(uint32_t node) const;

 private:
  const Snapshot& s_;
  std::unordered_map<uint32_t, uint32_t> index_;  // trace node id -> index in s.trace_nodes
  int name_ = -1, script_ = -1, line_ = -1, column_ = -1;
  size_t fields_ = 0;
};

}  // namespace oomkit::heap
