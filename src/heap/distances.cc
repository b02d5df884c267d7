#include "heap/distances.h"

#include <sys/mman.h>

#include <algorithm>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/pod_array.h"
#include "common/prefault.h"
#include "heap/shallow_sizes.h"

namespace oomkit::heap {
namespace {

// JavaScript's parseInt(s, 10) for what it meets here; -1 stands for NaN.
int64_t ParseIntJs(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  int64_t v = 0;
  size_t start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && v < (int64_t{1} << 40)) v = v * 10 + (s[i++] - '0');
  if (i == start) return -1;
  return negative ? -v : v;
}

// First in, first out, in one array with a slot for every push the search
// can make, in huge pages that are mapped as the tail reaches them and
// handed back as the head leaves them: what is resident is the frontier (up
// to a third of the nodes at once) plus two pages, not 4 B per node, so the
// search can run beside the dominators' peak. (A std::deque's 512-byte blocks
// came from malloc's heap in 4 KiB pages: 2,500 page faults on the 1 GB bench
// file, ~10 us each here.)
class NodeQueue {
 public:
  explicit NodeQueue(size_t capacity) : items_(PodArray<uint32_t>::MappedAsWritten(capacity)) {}
  bool empty() const { return head_ == tail_; }
  size_t size() const { return tail_ - head_; }
  uint32_t operator[](size_t i) const { return items_[head_ + i]; }
  void push(uint32_t node) { items_[tail_++] = node; }
  uint32_t pop() {
    const uint32_t node = items_[head_++];
    if (head_ - released_ >= kPageItems) {  // whole pages behind the head
      const size_t upto = head_ / kPageItems * kPageItems;
      ::madvise(items_.data() + released_, (upto - released_) * sizeof(uint32_t), MADV_DONTNEED);
      released_ = upto;
    }
    return node;
  }

 private:
  static constexpr size_t kPageItems = kPrefaultHugeBytes / sizeof(uint32_t);
  PodArray<uint32_t> items_;
  size_t head_ = 0, tail_ = 0, released_ = 0;
};

}  // namespace

DistanceEdges::DistanceEdges(const Snapshot& s, Semantics semantics, const WeakMapNames& weakmaps, int threads)
    : skipped_(s.edge_count), paired_(s.edge_count), weakmaps_(&weakmaps) {
  const SnapshotLayout& L = s.layout;
  const bool devtools = semantics == Semantics::kDevTools;
  const uint32_t weak = static_cast<uint32_t>(L.weak), internal = static_cast<uint32_t>(L.internal);
  const int hidden = L.hidden, array = L.array;
  // The names DevTools' filter (JSHeapSnapshot.calculateDistances) looks
  // for, as string indexes.
  const auto sloppy_function_map = s.strings.IndexesOf("sloppy_function_map");
  const auto native_context = s.strings.IndexesOf("system / NativeContext");
  const auto map_descriptors = s.strings.IndexesOf("(map descriptors)");
  const size_t tasks = static_cast<size_t>(std::max(threads, 1)) * 4;
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> names(tasks);
  ForEdgeWords(s, threads, tasks, [&](size_t t, uint32_t lo, uint32_t hi, uint32_t n) {
    for (; n < s.node_count && s.first_edge[n] < hi; ++n) {
      const uint32_t begin = std::max(lo, s.first_edge[n]), end = std::min(hi, s.first_edge[n + 1]);
      const int from_type = s.node_type[n];
      // A NativeContext's sloppy_function_map, and descriptor-array links
      // (every third index from 2 on), are never followed; a descriptor
      // array's other edges always are.
      const bool native_context_node = devtools && from_type == hidden && native_context.contains(s.node_name[n]);
      const bool descriptors = devtools && from_type == array && map_descriptors.contains(s.node_name[n]);
      for (uint32_t e = begin; e < end; ++e) {
        const uint32_t type = static_cast<uint32_t>(s.edge_type(e));
        if (type == weak) {
          skipped_.Set(e);
        } else if (descriptors) {
          const int64_t index = L.named_by_string(static_cast<int>(type)) ? ParseIntJs(s.strings[s.edge_name(e)])
                                                                            : s.edge_name(e);
          // NaN (-1): neither comparison holds in JS.
          if (index >= 2 && index % 3 == 1) skipped_.Set(e);
        } else if (native_context_node && L.named_by_string(static_cast<int>(type)) &&
                   sloppy_function_map.contains(s.edge_name(e))) {
          skipped_.Set(e);
        } else if (devtools && type == internal && weakmaps.Find(s.edge_name(e))) {
          paired_.Set(e);
          names[t].push_back({e, s.edge_name(e)});
        }
      }
    }
  });
  for (const auto& part : names) pair_names_.insert(pair_names_.end(), part.begin(), part.end());
}

PodArray<int32_t> ComputeDistances(const Snapshot& s, const DistanceEdges& edges) {
  PodArray<int32_t> distance(s.node_count, kNoDistance);
  // Each node enters the queue once, but a user root the root points at
  // twice enters twice (as in DevTools, where that matters for the WeakMap
  // pairing below), and the root starts the second search even when the
  // first reached it.
  NodeQueue queue(size_t{s.node_count} + (s.first_edge[s.root + 1] - s.first_edge[s.root]) + 1);
  // Views into the string table, which never moves its strings.
  std::unordered_set<std::string_view> pending_ephemerons;
  // Of the two edges of a WeakMap entry, the first met is skipped and the
  // second sets the distance.
  auto second_of_pair = [&](uint32_t e) {
    const auto it = std::lower_bound(edges.pair_names_.begin(), edges.pair_names_.end(), std::make_pair(e, uint32_t{0}));
    const WeakMapEdgeName* wm = edges.weakmaps_->Find(it->second);
    if (pending_ephemerons.erase(wm->duplicated_part)) return true;
    pending_ephemerons.insert(wm->duplicated_part);
    return false;
  };
  // The queue says which nodes come next: their edge ranges are fetched
  // ahead in two steps (the range's start, then its first edges), so that
  // popping a node rarely waits on memory.
  constexpr size_t kRangeAhead = 16, kEdgesAhead = 8;
  auto bfs = [&] {
    while (!queue.empty()) {
      if (queue.size() > kRangeAhead) __builtin_prefetch(&s.first_edge[queue[kRangeAhead]]);
      if (queue.size() > kEdgesAhead) __builtin_prefetch(&s.edge_to[s.first_edge[queue[kEdgesAhead]]]);
      uint32_t n = queue.pop();
      int32_t d = distance[n] + 1;
      for (uint32_t e = s.first_edge[n]; e < s.first_edge[n + 1]; ++e) {
        if (edges.skipped_.Get(e)) continue;
        uint32_t to = s.edge_to[e];
        if (distance[to] != kNoDistance) continue;
        if (edges.paired_.Get(e) && !second_of_pair(e)) continue;
        distance[to] = d;
        queue.push(to);
      }
    }
  };

  bool user_roots = false;
  for (uint32_t e = s.first_edge[s.root]; e < s.first_edge[s.root + 1]; ++e) {
    uint32_t to = s.edge_to[e];
    if (IsUserRoot(s, to)) {
      distance[to] = 1;
      queue.push(to);
      user_roots = true;
    }
  }
  bfs();
  distance[s.root] = user_roots ? kBaseSystemDistance : 0;
  queue.push(s.root);
  bfs();
  return distance;
}

}  // namespace oomkit::heap
