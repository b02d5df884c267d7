#include "heap/retaining_paths.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "common/parallel.h"

namespace oomkit::heap {

RetainerIndex::RetainerIndex(const Snapshot& s, int threads) : s_(&s) {
  const uint32_t n = s.node_count;
  first_.Reset(size_t{n} + 1, 0);
  // Each thread owns a range of targets and scans every edge: no atomics, and
  // each list keeps edge order whatever the thread count.
  const size_t parts = static_cast<size_t>(std::max(threads, 1));
  auto for_each_edge = [&](auto&& fn) {
    ParallelFor(parts, threads, [&](size_t t) {
      const uint32_t lo = static_cast<uint32_t>(t * n / parts), hi = static_cast<uint32_t>((t + 1) * n / parts);
      for (uint64_t e = 0; e < s.edge_count; ++e) {
        uint32_t to = s.edge_to[e];
        if (to >= lo && to < hi) fn(static_cast<uint32_t>(e), to);
      }
    });
  };
  for_each_edge([&](uint32_t, uint32_t to) { ++first_[to + 1]; });
  for (uint32_t i = 0; i < n; ++i) first_[i + 1] += first_[i];
  edges_.Reset(s.edge_count);
  PodArray<uint32_t> cursor(n);
  for (uint32_t i = 0; i < n; ++i) cursor[i] = first_[i];
  for_each_edge([&](uint32_t e, uint32_t to) { edges_[cursor[to]++] = e; });
}

uint32_t RetainerIndex::Source(uint32_t edge) const {
  const uint32_t* begin = s_->first_edge.data();
  const uint32_t* it = std::upper_bound(begin, begin + s_->node_count + 1, edge);
  return static_cast<uint32_t>(it - begin - 1);
}

std::string EdgeLabel(const Snapshot& s, uint32_t edge) {
  if (s.edge_has_string_name(edge)) return std::string(s.strings[s.edge_name(edge)]);
  return fmt::format("[{}]", s.edge_name(edge));
}

std::string EdgeShape(const Snapshot& s, uint32_t edge) {
  if (!s.edge_has_string_name(edge)) return "[]";
  std::string_view name = s.strings[s.edge_name(edge)];
  // Numbered internal names ("12 / part of key ...") and numeric keys of
  // dictionaries vary per entry; their shape does not.
  if (!name.empty() && name.front() >= '0' && name.front() <= '9') return "[]";
  return std::string(name);
}

PathFinder::PathFinder(const Snapshot& s, const Analysis&, const WeakMapNames& weakmaps,
                       const RetainerIndex* retainers)
    : s_(s),
      weakmaps_(weakmaps),
      retainers_(retainers),
      distance_(s.node_count, kUnreachable),
      parent_(s.node_count, UINT32_MAX),
      parent_edge_(s.node_count) {
  const SnapshotLayout& L = s.layout;
  PodArray<uint32_t> queue(s.node_count);
  size_t head = 0, tail = 0;
  auto seed = [&](uint32_t n, uint32_t d) {
    if (distance_[n] != kUnreachable) return;
    distance_[n] = d;
    queue[tail++] = n;
  };
  auto run = [&] {
    while (head < tail) {
      uint32_t n = queue[head++];
      for (uint32_t e = s.first_edge[n]; e < s.first_edge[n + 1]; ++e) {
        uint32_t to = s.edge_to[e];
        if (distance_[to] != kUnreachable || s.edge_type(e) == L.weak || IsWeakMapTableEdge(e, n)) continue;
        distance_[to] = distance_[n] + 1;
        parent_[to] = n;
        parent_edge_[to] = e;
        queue[tail++] = to;
      }
    }
  };
  // Layer 1: the user roots, reached from the root (not a hop of any path).
  distance_[s.root] = 0;
  for (uint32_t e = s.first_edge[s.root]; e < s.first_edge[s.root + 1]; ++e)
    if (s.node_type[s.edge_to[e]] != L.synthetic) seed(s.edge_to[e], 1);
  run();
  // Layers 2-4: the named roots an application holds state through.
  const std::vector<std::vector<std::string_view>> layers = {
      {"(Global handles)", "(Eternal handles)", "(Traced handles)"},
      {"(Stack roots)"},
      {"(Strong roots)", "(Wrapper tracing)"}};
  for (size_t k = 0; k < layers.size(); ++k) {
    for (uint32_t n = 0; n < s.node_count; ++n) {
      if (s.node_type[n] != L.synthetic || n == s.root) continue;
      std::string_view name = s.node_name_str(n);
      if (std::find(layers[k].begin(), layers[k].end(), name) != layers[k].end())
        seed(n, kApplicationRootLayer * static_cast<uint32_t>(k + 1));
    }
    run();
  }
  // Layer 5: everything else, from the root.
  distance_[s.root] = kUnreachable;
  seed(s.root, kInternalRootLayer);
  run();
  distance_[s.root] = 0;
  // The root is no hop: its children are tops.
  for (uint32_t n = 0; n < s.node_count; ++n)
    if (parent_[n] == s.root) parent_[n] = UINT32_MAX;
}

bool PathFinder::IsWeakMapTableEdge(uint32_t edge, uint32_t holder) const {
  if (s_.edge_type(edge) != s_.layout.internal) return false;
  const WeakMapEdgeName* wm = weakmaps_.Find(s_.edge_name(edge));
  return wm && wm->table_id == s_.node_id[holder];
}

RetainingPath PathFinder::Climb(uint32_t target, std::vector<PathHop> tail) const {
  RetainingPath path;
  path.target = target;
  uint32_t x = tail.empty() ? target : tail.front().holder;
  path.reaches_root = distance_[x] != kUnreachable;
  std::vector<PathHop> up;  // from x upwards
  PathHop hop;
  while (path.reaches_root && Up(x, &hop)) {
    if (hop.holder == target) {  // a path through the object itself is no path to it
      path.reaches_root = false;
      break;
    }
    up.push_back(hop);
    x = hop.holder;
  }
  path.hops.assign(up.rbegin(), up.rend());
  path.hops.insert(path.hops.end(), tail.begin(), tail.end());
  for (const PathHop& h : path.hops)
    if (IsWeakMapTableEdge(h.edge, h.holder)) path.through_weakmap_table = true;
  uint32_t top_node = path.hops.empty() ? target : path.hops.front().holder;
  const uint32_t top_distance = distance_[top_node];
  path.system_rooted = top_distance != kUnreachable && top_distance >= kApplicationRootLayer;
  if (path.system_rooted) {
    // In the last layer the top is "(GC roots)": the named root is below it.
    uint32_t sub_root = path.hops.size() >= 2 ? path.hops[1].holder : target;
    if (top_distance >= kInternalRootLayer && s_.node_type[top_node] == s_.layout.synthetic &&
        s_.node_type[sub_root] == s_.layout.synthetic)
      path.system_root = s_.node_name_str(sub_root);
    else
      path.system_root = s_.node_name_str(top_node);
    path.v8_internal_root = top_distance >= kInternalRootLayer;
  }
  return path;
}

RetainingPath PathFinder::Shortest(uint32_t n) const { return Climb(n, {}); }

std::vector<RetainingPath> PathFinder::Paths(uint32_t n, size_t max_paths) const {
  std::vector<RetainingPath> paths;
  std::vector<uint32_t> holders;
  for (uint32_t e : retainers_->EdgesInto(n)) {
    uint32_t h = retainers_->Source(e);
    if (h == n || s_.edge_type(e) == s_.layout.weak || distance_[h] == kUnreachable ||
        std::find(holders.begin(), holders.end(), h) != holders.end())
      continue;
    holders.push_back(h);
    if (h == s_.root) {
      RetainingPath p;
      p.target = n;
      p.reaches_root = true;
      paths.push_back(std::move(p));
      continue;
    }
    RetainingPath p = Climb(n, {{h, e}});
    if (p.reaches_root) paths.push_back(std::move(p));
  }
  std::stable_sort(paths.begin(), paths.end(), [](const RetainingPath& x, const RetainingPath& y) {
    bool xl = x.through_weakmap_table || x.v8_internal_root, yl = y.through_weakmap_table || y.v8_internal_root;
    if (xl != yl) return !xl;
    if (x.system_rooted != y.system_rooted) return !x.system_rooted;
    return x.length() < y.length();
  });
  if (paths.size() > max_paths) paths.resize(max_paths);
  return paths;
}

std::vector<FoldedRun> FoldRepeats(const Snapshot& s, const RetainingPath& path) {
  const size_t n = path.hops.size();
  // A hop's shape: the edge (indexes blurred), the holder's type and name
  // (the constructor: class names need not have been computed).
  std::vector<std::tuple<std::string, uint8_t, uint32_t>> shape(n);
  for (size_t i = 0; i < n; ++i) {
    uint32_t h = path.hops[i].holder;
    shape[i] = {EdgeShape(s, path.hops[i].edge), s.node_type[h], s.node_name[h]};
  }
  std::vector<FoldedRun> runs;
  for (size_t i = 0; i < n;) {
    FoldedRun best{i, 1, 1};
    for (size_t k = 1; k <= 4 && i + 2 * k <= n; ++k) {
      size_t r = 1;
      while (i + (r + 1) * k <= n && std::equal(shape.begin() + i, shape.begin() + i + k, shape.begin() + i + r * k)) ++r;
      if (r >= 3 && r * k > best.repeats * best.length) best = {i, k, r};
    }
    if (best.repeats >= 3) {
      runs.push_back(best);
      i += best.repeats * best.length;
    } else {
      ++i;
    }
  }
  return runs;
}

}  // namespace oomkit::heap
