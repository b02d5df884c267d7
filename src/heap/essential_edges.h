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

#include "common/pod_array.h"
#include "heap/snapshot.h"

namespace oomkit::heap {

enum class Semantics { kDevTools, kRaw };

// One bit per node: reachable from the user roots the way DevTools'
// markPageOwnedNodes walks.
BitVector MarkPageOwned(const Snapshot& s);

// One bit per edge (1 bit/edge).
BitVector EssentialEdges(const Snapshot& s, Semantics semantics, int threads);

// Per string index: the table id when the string names a WeakMap entry edge.
// Computed lazily for internal-edge names only.
class WeakMapNames {
 public:
  explicit WeakMapNames(const Snapshot& s);
  // Fills the cache for every string used as an internal edge name.
  void Prepare(int threads);
  bool IsWeakMapEdge(uint32_t name) const { return kind_[name] == 1; }
  uint64_t TableId(uint32_t name) const;
  std::string_view DuplicatedPart(uint32_t name) const;

 private:
  const Snapshot& s_;
  PodArray<uint8_t> kind_;  // 0 unknown/not, 1 WeakMap entry edge name
};

}  // namespace oomkit::heap
