// Leak detection over snapshots of one process, memlab's definition adapted
// to Node services: an object leaks when it was allocated after the baseline
// (its id is above every heap object id of the baseline: V8 hands out ids in
// increasing order) and is still alive in every later snapshot.
//
// Leaked objects are reported at their tops: a leaked object under another
// leaked object in the dominator tree is part of that one's retained size.
// Tops are grouped into clusters by the shape of their shortest retaining
// path (edge names with indexes blurred, the holders' constructors, repeated
// stretches folded), so 40,000 entries of one Map make one cluster.
//
// Not candidates (V8/Node internals that churn, or parts of a candidate):
//   - node types hidden ("system / ..."), array (backing stores), code,
//     number, object shape, synthetic, native (Node's embedder objects:
//     their ids are addresses, not allocation order), symbol;
//   - objects reached only through V8's system roots (the string table,
//     handle scopes, compilation caches), not through user roots.
// A cluster is above noise when it grew in every step after the baseline
// (retained size of its objects allocated after the baseline) and by at
// least 32 kB and 0.1 % of the last snapshot's heap.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "heap/analysis.h"
#include "heap/retaining_paths.h"

namespace oomkit::heap {

// The largest id of a V8 heap object (native and synthetic nodes excluded).
uint32_t MaxHeapObjectId(const Snapshot& s);

// Ids of the objects allocated after `baseline_max`, sorted.
std::vector<uint32_t> IdsAbove(const Snapshot& s, uint32_t baseline_max);

struct ClusterTally {
  uint64_t count = 0;
  uint64_t retained_size = 0;
};

// One top of the objects allocated after the baseline, in one snapshot.
struct NewObject {
  uint32_t node;
  std::string cluster;  // the path shape
};

// The tops of the candidate objects allocated after `baseline_max`.
std::vector<NewObject> FindNewObjectTops(const Snapshot& s, const Analysis& a, const PathFinder& finder,
                                         uint32_t baseline_max);

// Per cluster shape: count and retained size of the tops.
std::unordered_map<std::string, ClusterTally> TallyClusters(const Analysis& a, const std::vector<NewObject>& tops);

struct LeakCluster {
  std::string shape;
  uint32_t representative = 0;  // its largest leaked object, in the last snapshot
  RetainingPath path;           // to the representative
  uint64_t count = 0, retained_size = 0;  // leaked: alive in every snapshot after the baseline
  std::vector<ClusterTally> history;      // all objects of the cluster allocated after the baseline, per snapshot after it
  std::map<std::string, uint64_t> classes;  // class of the leaked tops -> count
  bool grew_every_step = false;
  bool significant = false;
};

// The clusters of the last snapshot, ranked by retained size: `earlier` holds
// the tallies of the snapshots between the baseline and the last, in order,
// and `alive_ids` their ids above the baseline (sorted).
std::vector<LeakCluster> RankLeakClusters(const Snapshot& last, const Analysis& a, const PathFinder& finder,
                                          const std::vector<NewObject>& tops,
                                          const std::vector<std::unordered_map<std::string, ClusterTally>>& earlier,
                                          const std::vector<std::vector<uint32_t>>& alive_ids);

}  // namespace oomkit::heap
