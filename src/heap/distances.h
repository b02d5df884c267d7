// Distance from the roots, as DevTools' "Distance" column shows it.
//
// Breadth-first over non-weak edges, first from the user roots (the root's
// non-synthetic children and "(Document DOM trees)", at distance 1), then from
// the root for everything not reached yet; when user roots exist the root
// starts at 100000000 so that system-only objects sort last. Unreachable
// nodes get -5. With DevTools semantics three edges are not followed: a
// NativeContext's sloppy_function_map, descriptor-array links (crbug 413608),
// and the first edge of each WeakMap pair met (the value then takes the larger
// of its key's and its table's distance, crbug 1290800).
#pragma once

#include <utility>
#include <vector>

#include "common/pod_array.h"
#include "heap/essential_edges.h"
#include "heap/snapshot.h"

namespace oomkit::heap {

constexpr int32_t kNoDistance = -5;
constexpr int32_t kBaseSystemDistance = 100000000;

// Which edges the search follows, read from the edge words ahead of it, so
// that the search reads the graph's targets alone and the edge words can go
// before the dominators' peak (the Summary frees them there: 4 B/edge).
// 2 bits/edge, and 8 B per edge named as half of a WeakMap entry.
class DistanceEdges {
 public:
  // The edges are split between `threads`.
  DistanceEdges(const Snapshot& s, Semantics semantics, const WeakMapNames& weakmaps, int threads);

 private:
  friend PodArray<int32_t> ComputeDistances(const Snapshot& s, const DistanceEdges& edges);
  BitVector skipped_;  // weak, or never followed by DevTools' filter
  BitVector paired_;   // half of a WeakMap entry: followed when it is the second of its pair met
  std::vector<std::pair<uint32_t, uint32_t>> pair_names_;  // (edge, its name), by edge, for the paired ones
  const WeakMapNames* weakmaps_;
};

// Memory: the result, 4 B/node, and the queue, 4 B per node waiting in it
// (a third of the nodes at most on real snapshots). Reads first_edge and
// edge_to of s, not its edge words.
PodArray<int32_t> ComputeDistances(const Snapshot& s, const DistanceEdges& edges);

}  // namespace oomkit::heap
