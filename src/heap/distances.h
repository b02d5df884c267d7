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

#include "common/pod_array.h"
#include "heap/essential_edges.h"
#include "heap/snapshot.h"

namespace oomkit::heap {

constexpr int32_t kNoDistance = -5;
constexpr int32_t kBaseSystemDistance = 100000000;

// Memory: the result, 4 B/node, and the queue, 4 B per node waiting in it
// (a third of the nodes at most on real snapshots).
PodArray<int32_t> ComputeDistances(const Snapshot& s, Semantics semantics, const WeakMapNames& weakmaps);

}  // namespace oomkit::heap
