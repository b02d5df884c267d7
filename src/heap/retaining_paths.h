// Retaining paths: how an object is held from the GC roots, as DevTools'
// Retainers pane shows it, hop by hop (holder, edge name, holder's class).
//
// Paths follow a breadth-first distance from the roots taken in layers, so
// that a path runs through the most lasting holder there is (a snapshot is
// written while native code holds a few objects directly, in handle scopes
// and identity maps; a path through those would change from one snapshot to
// the next):
//   1. user roots (the root's non-synthetic children: `global`);
//   2. handles native objects keep: "(Global handles)", "(Eternal handles)",
//      "(Traced handles)" (a server, socket or timer), from 100,000,000 on;
//   3. "(Stack roots)": running and suspended functions, from 200,000,000;
//   4. "(Strong roots)", "(Wrapper tracing)", from 300,000,000;
//   5. everything else the root reaches (V8's string table, compilation
//      cache, builtins, "(Handle scope)"), from 400,000,000 on.
// Weak edges and the table's half of each WeakMap entry are not followed (the
// key's half is). The search keeps, for each node, the holder and edge it was
// first reached by: a node's shortest path is read back through them, in
// O(length), and is the same on every run.
//
// Memory: distances and the holder and edge of each node, 12 B per node (plus
// 4 B per node while they are computed). The retainer index, needed only to
// list one path per direct retainer, costs 4 B per edge and 4 B per node.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/pod_array.h"
#include "heap/analysis.h"
#include "heap/essential_edges.h"

namespace oomkit::heap {

// Edges into each node (reverse adjacency), grouped by target.
class RetainerIndex {
 public:
  RetainerIndex(const Snapshot& s, int threads);
  std::span<const uint32_t> EdgesInto(uint32_t n) const {
    return {edges_.data() + first_[n], edges_.data() + first_[n + 1]};
  }
  // The node an edge comes from.
  uint32_t Source(uint32_t edge) const;

 private:
  const Snapshot* s_;
  PodArray<uint32_t> first_;
  PodArray<uint32_t> edges_;
};

struct PathHop {
  uint32_t holder;  // node ordinal
  uint32_t edge;    // edge ordinal, from holder to the next hop (or the target)
};

struct RetainingPath {
  std::vector<PathHop> hops;  // from the top (the node under the root) down to the target's holder
  uint32_t target = 0;
  bool reaches_root = false;  // false: held only by weak edges or unreachable
  bool through_weakmap_table = false;
  bool system_rooted = false;  // starts at a system root, not at a user root
  // For system-rooted paths: the child of "(GC roots)" it goes through, e.g.
  // "(Stack roots)", "(Global handles)", "(Internalized strings)".
  std::string_view system_root;
  // Reached only through the last layer (V8's own tables and caches, or
  // "(Handle scope)"), not through a root an application holds state by.
  bool v8_internal_root = false;
  size_t length() const { return hops.size(); }
};

constexpr uint32_t kApplicationRootLayer = 100000000;  // layers 2-4 start here, one each 100,000,000
constexpr uint32_t kInternalRootLayer = 400000000;
constexpr uint32_t kUnreachable = UINT32_MAX;

// The label DevTools shows for an edge: the property, variable or internal
// name, or "[index]" for elements and numbered hidden edges.
std::string EdgeLabel(const Snapshot& s, uint32_t edge);
// The same with element indexes blurred ("[]"), for grouping similar paths.
std::string EdgeShape(const Snapshot& s, uint32_t edge);

class PathFinder {
 public:
  // `retainers` may be null when Paths() is not used.
  PathFinder(const Snapshot& s, const Analysis& a, const WeakMapNames& weakmaps, const RetainerIndex* retainers);
  // The shortest path to n (the one each hop's closest retainer gives).
  RetainingPath Shortest(uint32_t n) const;
  bool Reachable(uint32_t n) const { return distance_[n] != kUnreachable; }
  // One step up from x: the holder the shortest path takes; false at a top
  // (a user or named root) or when nothing reaches x.
  bool Up(uint32_t x, PathHop* hop) const {
    if (parent_[x] == UINT32_MAX) return false;
    *hop = {parent_[x], parent_edge_[x]};
    return true;
  }
  // Up to max_paths paths, at most one per direct retainer of n, ranked:
  // paths that avoid WeakMap tables and V8-internal roots first, then
  // user-rooted before system-rooted, then shorter.
  std::vector<RetainingPath> Paths(uint32_t n, size_t max_paths) const;

 private:
  bool IsWeakMapTableEdge(uint32_t edge, uint32_t holder) const;
  // The path to `target` that ends with `tail` (whose first holder is climbed from).
  RetainingPath Climb(uint32_t target, std::vector<PathHop> tail) const;

  const Snapshot& s_;
  const WeakMapNames& weakmaps_;
  const RetainerIndex* retainers_;
  PodArray<uint32_t> distance_;     // layered BFS distance (see the top of this file)
  PodArray<uint32_t> parent_;       // the holder a node was first reached from; UINT32_MAX at tops
  PodArray<uint32_t> parent_edge_;  // and the edge
};

// A run of `repeats` copies of the `length` hops starting at `start`
// (Node's timer lists and other linked lists give paths of thousands of hops).
struct FoldedRun {
  size_t start, length, repeats;
};
// Runs of a segment of 1-4 hops repeated (same edge shape, holder type and
// name) at least 3 times; runs do not overlap and are in path order.
std::vector<FoldedRun> FoldRepeats(const Snapshot& s, const RetainingPath& path);

}  // namespace oomkit::heap
