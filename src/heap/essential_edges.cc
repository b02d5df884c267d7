#include "heap/essential_edges.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "common/parallel.h"

namespace oomkit::heap {

WeakMapNames::WeakMapNames(const Snapshot& s) : is_weakmap_(s.strings.size()) {
  if (s.layout.internal < 0) return;
  // The reader noted every string that may name a WeakMap edge; of the rest,
  // none does. Only internal edges' names are looked up, so the strings no
  // internal edge uses, parsed here too, are never asked for. (Marking those
  // names first was a pass over every edge: 11 ms of the 205 MB bench file.)
  for (uint32_t i : s.weakmap_name_candidates)
    if (auto wm = ParseWeakMapEdgeName(s.strings[i])) {
      is_weakmap_.Set(i);
      parsed_.emplace(i, *wm);
    }
}

bool IsUserRootEdge(const Snapshot& s, uint32_t e) {
  const SnapshotLayout& L = s.layout;
  const int t = s.edge_type(e);
  if (t == L.shortcut) return true;
  const uint32_t to = s.edge_to[e];
  return t == L.element && s.node_type[to] == L.synthetic && s.node_name_str(to) == "(Document DOM trees)";
}

void ExtendPageOwned(const Snapshot& s, std::vector<uint32_t> from, BitVector* page) {
  const SnapshotLayout& L = s.layout;
  std::vector<uint32_t> stack;
  for (uint32_t n : from)
    if (!page->Get(n)) {
      page->Set(n);
      stack.push_back(n);
    }
  while (!stack.empty()) {
    uint32_t n = stack.back();
    stack.pop_back();
    for (uint32_t e = s.first_edge[n]; e < s.first_edge[n + 1]; ++e) {
      uint32_t to = s.edge_to[e];
      if (page->Get(to) || s.edge_type(e) == L.weak) continue;
      page->Set(to);
      stack.push_back(to);
    }
  }
}

BitVector MarkPageOwned(const Snapshot& s) {
  BitVector page(s.node_count);
  std::vector<uint32_t> user_roots;
  for (uint32_t e = s.first_edge[s.root]; e < s.first_edge[s.root + 1]; ++e)
    if (IsUserRootEdge(s, e)) user_roots.push_back(s.edge_to[e]);
  ExtendPageOwned(s, std::move(user_roots), &page);
  return page;
}

namespace {

// Rules 1-4 for edge e of node n (all of raw semantics'), the same for every
// node: rule 5, which needs the page-owned set, comes after.
bool PassesEdgeRules(const Snapshot& s, Semantics semantics, const WeakMapNames& weakmaps, uint32_t n,
                            uint32_t e) {
  const SnapshotLayout& L = s.layout;
  const int type = s.edge_type(e);
  if (type == L.weak || s.edge_to[e] == n) return false;
  if (semantics == Semantics::kRaw) return true;
  if (type == L.internal) {
    const WeakMapEdgeName* wm = weakmaps.Find(s.edge_name(e));
    if (wm && wm->table_id == s.node_id[n]) return false;  // the table's half of a WeakMap entry
  }
  return type != L.shortcut || n == s.root;
}

}  // namespace

BitVector EdgesPassingRules(const Snapshot& s, Semantics semantics, const WeakMapNames& weakmaps, int threads) {
  BitVector bits(s.edge_count);
  ForEdgeWords(s, threads, static_cast<size_t>(std::max(threads, 1)) * 4, [&](size_t, uint32_t lo, uint32_t hi, uint32_t n) {
    for (uint32_t e = lo; e < hi; ++e) {
      while (s.first_edge[n + 1] <= e) ++n;
      if (PassesEdgeRules(s, semantics, weakmaps, n, e)) bits.Set(e);
    }
  });
  return bits;
}

std::vector<uint32_t> DropEdgesIntoPage(const Snapshot& s, const BitVector& page, BitVector* bits, int threads) {
  const size_t tasks = static_cast<size_t>(std::max(threads, 1)) * 4;
  std::vector<std::vector<uint32_t>> dropped(tasks);
  // Most nodes are page-owned: their edges are skipped unread.
  ForEdgeWords(s, threads, tasks, [&](size_t t, uint32_t lo, uint32_t hi, uint32_t n) {
    for (; n < s.node_count && s.first_edge[n] < hi; ++n) {
      if (n == s.root || page.Get(n)) continue;
      const uint32_t end = std::min(hi, s.first_edge[n + 1]);
      for (uint32_t e = std::max(lo, s.first_edge[n]); e < end; ++e) {
        if (!bits->Get(e)) continue;
        const uint32_t to = s.edge_to[e];
        if (!page.Get(to)) continue;
        bits->Clear(e);
        dropped[t].push_back(to);
      }
    }
  });
  std::vector<uint32_t> all;
  for (auto& part : dropped) all.insert(all.end(), part.begin(), part.end());
  return all;
}

}  // namespace oomkit::heap
