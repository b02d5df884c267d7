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
// markPageOwnedNodes walks.
BitVector MarkPageOwned(const Snapshot& s);

// The names of WeakMap entry edges (see weakmap_edges.h), parsed once per
// distinct string used by an internal edge, then looked up by string index.
class WeakMapNames {
 public:
  WeakMapNames(const Snapshot& s, int threads);
  // The parsed name, or nullptr when the string does not name a WeakMap edge.
  const WeakMapEdgeName* Find(uint32_t name) const {
    if (!is_weakmap_.Get(name)) return nullptr;
    return &parsed_.at(name);
  }

 private:
  BitVector is_weakmap_;  // 1 bit per string: the common answer, "no", costs one load
  std::unordered_map<uint32_t, WeakMapEdgeName> parsed_;
};

// One bit per edge (1 bit/edge).
// `page` is MarkPageOwned(s) under DevTools semantics (raw ones do not read
// it). The edges are split between `threads`.
BitVector EssentialEdges(const Snapshot& s, Semantics semantics, const WeakMapNames& weakmaps, const BitVector& page,
                         int threads);

}  // namespace oomkit::heap
