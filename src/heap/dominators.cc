#include "heap/dominators.h"

#include <atomic>
#include <vector>

#include "common/parallel.h"

namespace oomkit::heap {
namespace {

// Predecessors over essential edges, by DFS number: the numbers of the
// retainers of vertex i are preds[first[i] .. first[i+1]), i in 1..n.
struct Predecessors {
  PodArray<uint32_t> first;
  PodArray<uint32_t> preds;
};

// Both passes run on all threads: counts and slots are taken with atomic
// increments, so a vertex's list comes out in any order, which changes
// nothing (semidominators take a minimum over it).
Predecessors BuildPredecessors(const Snapshot& s, const BitVector& essential, const PodArray<uint32_t>& number,
                               NodeArrays& arrays, int threads) {
  const uint32_t n = s.node_count;
  Predecessors p;
  p.first = arrays.Take(0);
  const size_t slices = static_cast<size_t>(threads) * 8;
  auto for_each_edge = [&](auto&& fn) {
    ParallelFor(slices, threads, [&](size_t t) {
      uint32_t b = static_cast<uint32_t>(t * n / slices), e = static_cast<uint32_t>((t + 1) * n / slices);
      for (uint32_t v = b; v < e; ++v)
        for (uint32_t x = s.first_edge[v]; x < s.first_edge[v + 1]; ++x)
          if (essential.Get(x)) fn(v, x);
    });
  };
  for_each_edge([&](uint32_t, uint32_t x) {
    std::atomic_ref<uint32_t>(p.first[number[s.edge_to[x]]]).fetch_add(1, std::memory_order_relaxed);
  });
  uint32_t sum = 0;
  for (uint32_t i = 0; i <= n + 1; ++i) {
    uint32_t c = p.first[i];
    p.first[i] = sum;
    sum += c;
  }
  p.preds.Reset(sum);
  // first[i] is used as the fill cursor, then shifted back.
  for_each_edge([&](uint32_t v, uint32_t x) {
    uint32_t slot = std::atomic_ref<uint32_t>(p.first[number[s.edge_to[x]]]).fetch_add(1, std::memory_order_relaxed);
    p.preds[slot] = number[v];
  });
  for (uint32_t i = n + 1; i > 0; --i) p.first[i] = p.first[i - 1];
  p.first[0] = 0;
  return p;
}

// One bit per node: has at least one essential retainer.
BitVector HasRetainers(const Snapshot& s, const BitVector& essential) {
  BitVector has(s.node_count);
  for (uint64_t e = 0; e < s.edge_count; ++e)
    if (essential.Get(e)) has.Set(s.edge_to[e]);
  return has;
}

}  // namespace

DominatorTree ComputeDominators(const Snapshot& s, BitVector essential, const PodArray<uint32_t>& self_size,
                                NodeArrays& arrays, int threads, const Progress& progress) {
  const uint32_t node_count = s.node_count;
  // Preorder numbers run 1..n so that 0 means "none"; the root gets 1.
  PodArray<uint32_t> number = arrays.Take(0);  // node -> preorder number, 0 until visited
  PodArray<uint32_t> vertex = arrays.Take();   // number -> node
  PodArray<uint32_t> parent = arrays.Take();   // number -> DFS parent's number; later the idom's number
  PodArray<uint32_t> cursor = arrays.Take();   // node -> next edge to look at, during the DFS only
  uint32_t n = 0;

  auto visit = [&](uint32_t node, uint32_t parent_number) {
    number[node] = ++n;
    vertex[n] = node;
    parent[n] = parent_number;
    cursor[node] = s.first_edge[node];
  };
  // Iterative DFS over essential edges in edge order, from start up to the
  // return to start.
  auto dfs = [&](uint32_t start, uint32_t parent_number) {
    visit(start, parent_number);
    uint32_t v = start;
    while (true) {
      uint32_t next = UINT32_MAX;
      for (uint32_t end = s.first_edge[v + 1]; cursor[v] < end; ++cursor[v]) {
        uint32_t e = cursor[v];
        if (!essential.Get(e)) continue;
        uint32_t w = s.edge_to[e];
        if (number[w] == 0) {
          next = w;
          break;
        }
      }
      if (next != UINT32_MAX) {
        visit(next, number[v]);
        v = next;
      } else if (v == start) {
        break;
      } else {
        v = vertex[parent[number[v]]];
      }
    }
  };

  dfs(s.root, 0);
  const uint32_t reached = n;
  progress("dominators", 1, 4);
  if (n < node_count) {
    BitVector retained = HasRetainers(s, essential);
    for (uint32_t v = 0; v < node_count; ++v)
      if (number[v] == 0 && !retained.Get(v)) dfs(v, 1);
  }
  if (n < node_count)
    for (uint32_t v = 0; v < node_count; ++v)
      if (number[v] == 0) visit(v, 1);
  // From here on everything works on DFS numbers: node -> number is not
  // needed once the predecessor lists are written in numbers.
  Predecessors pred = BuildPredecessors(s, essential, number, arrays, threads);
  arrays.Give(std::move(number));
  essential.Release();
  auto has_preds = [&](uint32_t i) { return pred.first[i] != pred.first[i + 1]; };
  progress("dominators", 2, 4);

  // Semidominators, in decreasing preorder, with eval/link over DFS numbers.
  PodArray<uint32_t>& label = cursor;  // the DFS is over: reuse its array
  PodArray<uint32_t> semi = arrays.Take(), ancestor = arrays.Take(0);
  for (uint32_t i = 0; i <= n; ++i) label[i] = semi[i] = i;
  std::vector<uint32_t> stack;
  auto eval = [&](const uint32_t v) {
    if (ancestor[v] == 0) return v;
    // Path compression: every vertex on the path to the linked root takes
    // the best label above it and points at that root.
    for (uint32_t x = v; ancestor[ancestor[x]] != 0; x = ancestor[x]) stack.push_back(x);
    while (!stack.empty()) {
      uint32_t w = stack.back();
      stack.pop_back();
      if (semi[label[ancestor[w]]] < semi[label[w]]) label[w] = label[ancestor[w]];
      ancestor[w] = ancestor[ancestor[w]];
    }
    return label[v];
  };
  for (uint32_t i = n; i >= 2; --i) {
    if (!has_preds(i)) {
      semi[i] = 1;  // a node with only weak retainers hangs from the root
    } else {
      for (uint32_t k = pred.first[i]; k < pred.first[i + 1]; ++k) {
        uint32_t u = eval(pred.preds[k]);
        if (semi[u] < semi[i]) semi[i] = semi[u];
      }
    }
    ancestor[i] = parent[i];  // link
  }
  arrays.Give(std::move(pred.first));
  pred.preds.Release();
  progress("dominators", 3, 4);

  // Immediate dominators (Semi-NCA): the nearest DFS ancestor of the parent
  // whose number is at most the semidominator; parent[] becomes the idom.
  parent[1] = 1;
  for (uint32_t i = 2; i <= n; ++i) {
    uint32_t d = parent[i];
    while (d > semi[i]) d = parent[d];
    parent[i] = d;
  }

  DominatorTree tree;
  tree.unreachable = node_count - reached;
  tree.dominator = std::move(label);
  for (uint32_t i = 1; i <= n; ++i) tree.dominator[vertex[i]] = vertex[parent[i]];
  tree.retained_size.Reset(node_count);
  for (uint32_t o = 0; o < node_count; ++o) tree.retained_size[o] = self_size[o];
  for (uint32_t i = n; i > 1; --i) {
    uint32_t o = vertex[i];
    tree.retained_size[tree.dominator[o]] += tree.retained_size[o];
  }
  arrays.Give(std::move(vertex));
  arrays.Give(std::move(parent));

  // Children lists, in ordinal order, in the arrays semi and ancestor leave.
  tree.first_child = std::move(semi);
  tree.children = std::move(ancestor);
  tree.first_child.Fill(0);
  for (uint32_t o = 0; o < node_count; ++o)
    if (o != s.root) ++tree.first_child[tree.dominator[o]];
  uint32_t sum = 0;
  for (uint32_t o = 0; o <= node_count; ++o) {
    uint32_t c = tree.first_child[o];
    tree.first_child[o] = sum;
    sum += c;
  }
  for (uint32_t o = 0; o < node_count; ++o)
    if (o != s.root) tree.children[tree.first_child[tree.dominator[o]]++] = o;
  for (uint32_t o = node_count; o > 0; --o) tree.first_child[o] = tree.first_child[o - 1];
  tree.first_child[0] = 0;
  progress("dominators", 4, 4);
  return tree;
}

}  // namespace oomkit::heap
