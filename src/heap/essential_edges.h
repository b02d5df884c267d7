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

#include <unordered_map>
#include <vector>

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

// One bit per edge (1 bit/edge): the edges that pass rules 1-4 (under raw
// semantics, all of its rules). The edges are split between `threads`.
BitVector EdgesPassingRules(const Snapshot& s, Semantics semantics, const WeakMapNames& weakmaps, int threads);

// Rule 5: clears the bits of the edges from outside `page` (but the root)
// into it; returns the targets of the edges it cleared, one per edge.
std::vector<uint32_t> DropEdgesIntoPage(const Snapshot& s, const BitVector& page, BitVector* bits, int threads);

}  // namespace oomkit::heap
