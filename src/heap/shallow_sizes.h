// DevTools' shallow-size re-attribution: a V8-internal `array` or `hidden`
// node (or a `system / ExternalStringData`) that is reachable, through other
// such nodes, from exactly one ordinary node is "owned" by it: its self size
// moves to the owner. This is why DevTools shows a JS Array's backing store in
// the Array's own Shallow size. Skipped when the snapshot has no user roots
// (taken with exposeInternals): then sizes stay as V8 wrote them.
#pragma once

#include "common/pod_array.h"
#include "heap/node_arrays.h"
#include "heap/snapshot.h"

namespace oomkit::heap {

// True when the root has a child that DevTools counts as a user root: a
// non-synthetic node, or the synthetic "(Document DOM trees)".
bool HasUserRoots(const Snapshot& s);
bool IsUserRoot(const Snapshot& s, uint32_t node);

// Re-attributes `self` (the self sizes, by ordinal) in place, as DevTools
// does to its node array.
void ReattributeShallowSizes(const Snapshot& s, PodArray<uint32_t>* self, NodeArrays& arrays);

}  // namespace oomkit::heap
