#include "heap/leaks.h"

#include <algorithm>

#include <fmt/format.h>


namespace oomkit::heap {
namespace {

bool IsCandidateType(const SnapshotLayout& L, int t) {
  return t == L.object || t == L.closure || t == L.regexp || t == L.string || t == L.cons_string ||
         t == L.sliced_string || t == L.bigint;
}

// What identifies a holder across snapshots and across requests: its type
// and, for objects, functions and natives, its constructor or function name
// (not the inferred {a, b} class, which depends on the whole snapshot).
std::string HolderShape(const Snapshot& s, uint32_t n) {
  const SnapshotLayout& L = s.layout;
  int t = s.node_type[n];
  std::string type = t < static_cast<int>(L.node_types.size()) ? L.node_types[static_cast<size_t>(t)] : "?";
  if (t == L.object || t == L.closure || t == L.native || t == L.hidden) return fmt::format("{}:{}", type, s.node_name_str(n));
  return type;
}

// Dictionaries keyed by request ids or similar: one property per entry, each
// with its own name; the shape keeps only that it is a keyed entry.
constexpr uint32_t kDictionaryEdges = 64;

// A hop's edge, blurred where it varies per entry (indexes, dictionary keys).
std::string EdgeShapeFor(const Snapshot& s, const PathHop& hop) {
  bool many = s.first_edge[hop.holder + 1] - s.first_edge[hop.holder] > kDictionaryEdges;
  return many && s.edge_type(hop.edge) == s.layout.property ? "{key}" : EdgeShape(s, hop.edge);
}

std::string HopShape(const Snapshot& s, const PathHop& hop) {
  return fmt::format("{} {}", HolderShape(s, hop.holder), EdgeShapeFor(s, hop));
}

std::string PathShape(const Snapshot& s, const RetainingPath& path) {
  std::string shape;
  auto runs = FoldRepeats(s, path);
  size_t r = 0;
  for (size_t i = 0; i < path.hops.size();) {
    if (r < runs.size() && runs[r].start == i) {
      shape += "(";
      for (size_t k = 0; k < runs[r].length; ++k) shape += HopShape(s, path.hops[i + k]) + " > ";
      shape += ")* > ";
      i += runs[r].repeats * runs[r].length;
      ++r;
    } else {
      shape += HopShape(s, path.hops[i++]) + " > ";
    }
  }
  shape += HolderShape(s, path.target);
  return shape;
}

}  // namespace

uint32_t MaxHeapObjectId(const Snapshot& s) {
  uint32_t max = 0;
  for (uint32_t n = 0; n < s.node_count; ++n) {
    int t = s.node_type[n];
    if (t == s.layout.native || t == s.layout.synthetic) continue;
    max = std::max(max, s.node_id[n]);
  }
  return max;
}

std::vector<uint32_t> IdsAbove(const Snapshot& s, uint32_t baseline_max) {
  std::vector<uint32_t> ids;
  for (uint32_t n = 0; n < s.node_count; ++n)
    if (s.node_id[n] > baseline_max && s.node_type[n] != s.layout.native) ids.push_back(s.node_id[n]);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<NewObject> FindNewObjectTops(const Snapshot& s, const Analysis& a, const PathFinder& finder,
                                         uint32_t baseline_max) {
  auto is_new = [&](uint32_t n) {
    return s.node_id[n] > baseline_max && IsCandidateType(s.layout, s.node_type[n]) && a.self_size[n] != 0 &&
           finder.Reachable(n);
  };
  // Walk the dominator tree from the root: a new object with no new object
  // above it is a top.
  std::vector<uint32_t> tops;
  std::vector<std::pair<uint32_t, bool>> stack{{s.root, false}};
  while (!stack.empty()) {
    auto [n, under_new] = stack.back();
    stack.pop_back();
    bool here = !under_new && is_new(n);
    if (here) tops.push_back(n);
    for (uint32_t k = a.tree.first_child[n]; k < a.tree.first_child[n + 1]; ++k)
      stack.push_back({a.tree.children[k], under_new || here});
  }
  std::sort(tops.begin(), tops.end());
  // Tops share their holders (the 40,000 entries of one Map have one table):
  // each holder's path and its shape are worked out once.
  struct HolderPath {
    std::string shape;
    bool usable;
  };
  std::unordered_map<uint32_t, HolderPath> holders;
  std::vector<NewObject> out;
  out.reserve(tops.size());
  for (uint32_t n : tops) {
    PathHop hop;
    if (!finder.Up(n, &hop)) continue;  // a root itself, or unreachable
    auto [it, inserted] = holders.try_emplace(hop.holder);
    HolderPath& h = it->second;
    if (inserted) {
      RetainingPath path = finder.Shortest(hop.holder);
      h.usable = path.reaches_root && !path.v8_internal_root;
      if (h.usable) h.shape = PathShape(s, path);
    }
    if (!h.usable) continue;
    // The path itself is rebuilt only for each cluster's representative.
    out.push_back({n, fmt::format("{} > {} > {}", h.shape, EdgeShapeFor(s, hop), HolderShape(s, n))});
  }
  return out;
}

std::unordered_map<std::string, ClusterTally> TallyClusters(const Analysis& a, const std::vector<NewObject>& tops) {
  std::unordered_map<std::string, ClusterTally> tally;
  for (const NewObject& o : tops) {
    ClusterTally& t = tally[o.cluster];
    ++t.count;
    t.retained_size += a.tree.retained_size[o.node];
  }
  return tally;
}

std::vector<LeakCluster> RankLeakClusters(const Snapshot& last, const Analysis& a, const PathFinder& finder,
                                          const std::vector<NewObject>& tops,
                                          const std::vector<std::unordered_map<std::string, ClusterTally>>& earlier,
                                          const std::vector<std::vector<uint32_t>>& alive_ids) {
  std::unordered_map<std::string, size_t> index;
  std::vector<LeakCluster> clusters;
  auto alive_before = [&](uint32_t id) {
    for (const auto& ids : alive_ids)
      if (!std::binary_search(ids.begin(), ids.end(), id)) return false;
    return true;
  };
  std::vector<uint64_t> biggest;  // retained size of each cluster's representative
  for (const NewObject& o : tops) {
    auto [it, inserted] = index.emplace(o.cluster, clusters.size());
    if (inserted) {
      clusters.emplace_back();
      clusters.back().shape = o.cluster;
      clusters.back().history.assign(earlier.size() + 1, ClusterTally{});
      biggest.push_back(0);
    }
    LeakCluster& c = clusters[it->second];
    const uint64_t retained = a.tree.retained_size[o.node];
    ClusterTally& now = c.history.back();
    ++now.count;
    now.retained_size += retained;
    if (!alive_before(last.node_id[o.node])) continue;
    ++c.count;
    c.retained_size += retained;
    ++c.classes[std::string(last.strings[a.classes[a.class_of[o.node]].name])];
    if (c.count == 1 || retained > biggest[it->second]) {
      biggest[it->second] = retained;
      c.representative = o.node;
    }
  }
  std::erase_if(clusters, [](const LeakCluster& c) { return c.count == 0; });
  for (LeakCluster& c : clusters) c.path = finder.Shortest(c.representative);
  const uint64_t noise = std::max<uint64_t>(32000, a.total_size / 1000);
  for (LeakCluster& c : clusters) {
    for (size_t k = 0; k < earlier.size(); ++k) {
      auto it = earlier[k].find(c.shape);
      if (it != earlier[k].end()) c.history[k] = it->second;
    }
    c.grew_every_step = true;
    for (size_t k = 1; k < c.history.size(); ++k)
      c.grew_every_step &= c.history[k].retained_size > c.history[k - 1].retained_size;
    const uint64_t first = c.history.front().retained_size, now = c.history.back().retained_size;
    c.significant = c.grew_every_step && now > first && now - first >= noise;
  }
  std::sort(clusters.begin(), clusters.end(), [](const LeakCluster& x, const LeakCluster& y) {
    if (x.significant != y.significant) return x.significant;
    if (x.retained_size != y.retained_size) return x.retained_size > y.retained_size;
    return x.shape < y.shape;
  });
  return clusters;
}

}  // namespace oomkit::heap
