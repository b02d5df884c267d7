// Which edges retain, i.e. take part in dominators and retained sizes.
//
// DevTools semantics (the default; docs/semantics.md gives the reasons):
//   1. weak edges never retain;
//   2. of the two edges V8 emits per WeakMap entry, the one from the table is
//      dropped and the one from the key kept;
//   3. self edges are dropped;
//   4. shortcut edges retain only from the root (they mark user globals);
//   5. an edge from a node outside the page-owned set into a page-owned node
//      is dropped. Page-owned = reachable over non-weak edges from the root's
//      shortcut targets (user globals) and from "(Document DOM trees)".
// Raw semantics: every non-weak, non-self edge retains.
#pragma once

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "common/parallel.h"
#include "common/pod_array.h"
#include "heap/snapshot.h"
#include "heap/weakmap_edges.h"

namespace oomkit::heap {

enum class Semantics { kDevTools, kRaw };

// One bit per node: reachable from the user roots the way DevTools'
// markPageOwnedNodes walks. (The analysis finds this set during the
// dominators' DFS instead, see dominators.h; this is the direct definition.)
BitVector MarkPageOwned(const Snapshot& s);

// Whether root edge e leads to a user root: a shortcut edge (to a global), or
// an element edge to "(Document DOM trees)". Their targets seed the page-owned set.
bool IsUserRootEdge(const Snapshot& s, uint32_t e);

// Adds to `page` what is reachable over non-weak edges from the nodes in
// `from` that it does not hold yet (the nodes it holds must be closed already).
void ExtendPageOwned(const Snapshot& s, std::vector<uint32_t> from, BitVector* page);

// The names of WeakMap entry edges (see weakmap_edges.h), parsed once per
// string that may be one (Snapshot::weakmap_name_candidates), then looked up
// by string index.
class WeakMapNames {
 public:
  explicit WeakMapNames(const Snapshot& s);
  // The parsed name, or nullptr when the string does not name a WeakMap edge.
  const WeakMapEdgeName* Find(uint32_t name) const {
    if (!is_weakmap_.Get(name)) return nullptr;
    return &parsed_.at(name);
  }

 private:
  BitVector is_weakmap_;  // 1 bit per string: the common answer, "no", costs one load
  std::unordered_map<uint32_t, WeakMapEdgeName> parsed_;
};

// Runs fn(task, lo, hi, n) on edge ranges [lo, hi) of whole 64-edge words,
// so that no two tasks write one word of an edge bit vector; n is the node
// owning edge lo, and fn advances it as it goes.
template <typename Fn>
void ForEdgeWords(const Snapshot& s, int threads, size_t tasks, Fn&& fn) {
  const uint64_t words = (s.edge_count + 63) / 64;
  ParallelFor(tasks, threads, [&](size_t t) {
    const uint64_t lo = std::min(s.edge_count, t * words / tasks * 64);
    const uint64_t hi = std::min(s.edge_count, (t + 1) * words / tasks * 64);
    if (lo >= hi) return;
    // The node owning edge lo: the last whose first edge is at or before it.
    uint32_t n = static_cast<uint32_t>(
        std::upper_bound(s.first_edge.begin(), s.first_edge.begin() + s.node_count + 1, lo) - s.first_edge.begin() - 1);
    fn(t, static_cast<uint32_t>(lo), static_cast<uint32_t>(hi), n);
  });
}

// One bit per edge (1 bit/edge): the edges that pass rules 1-4 (under raw
// semantics, all of its rules). The edges are split between `threads`.
BitVector EdgesPassingRules(const Snapshot& s, Semantics semantics, const WeakMapNames& weakmaps, int threads);

// Rule 5: clears the bits of the edges from outside `page` (but the root)
// into it; returns the targets of the edges it cleared, one per edge.
std::vector<uint32_t> DropEdgesIntoPage(const Snapshot& s, const BitVector& page, BitVector* bits, int threads);

}  // namespace oomkit::heap
