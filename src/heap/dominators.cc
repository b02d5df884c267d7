#include "heap/dominators.h"

namespace oomkit::heap {
namespace {

// Predecessors over essential edges: preds[first[v] .. first[v+1]) for
// ordinal v.
struct Predecessors {
  PodArray<uint32_t> first;
  PodArray<uint32_t> preds;
};

Predecessors BuildPredecessors(const Snapshot& s, const BitVector& essential) {
  Predecessors p;
  p.first.Reset(s.node_count + 1, 0);
  uint64_t total = 0;
  for (uint32_t n = 0; n < s.node_count; ++n)
    for (uint32_t e = s.first_edge[n]; e < s.first_edge[n + 1]; ++e)
      if (essential.Get(e)) ++p.first[s.edge_to[e]], ++total;
  uint32_t sum = 0;
  for (uint32_t v = 0; v <= s.node_count; ++v) {
    uint32_t c = p.first[v];
    p.first[v] = sum;
    sum += c;
  }
  p.preds.Reset(total);
  // first[v] is used as the fill cursor, then shifted back.
  for (uint32_t n = 0; n < s.node_count; ++n)
    for (uint32_t e = s.first_edge[n]; e < s.first_edge[n + 1]; ++e)
      if (essential.Get(e)) p.preds[p.first[s.edge_to[e]]++] = n;
  for (uint32_t v = s.node_count; v > 0; --v) p.first[v] = p.first[v - 1];
  p.first[0] = 0;
  return p;
}

}  // namespace

DominatorTree ComputeDominators(const Snapshot& s, const BitVector& essential, const PodArray<uint32_t>& self_size,
                                const Progress& progress) {
  const uint32_t node_count = s.node_count;
  Predecessors pred = BuildPredecessors(s, essential);
  progress("dominators", 1, 4);

  // Vertices are numbered 1..n (ordinal + 1) so that 0 means "none".
  const size_t len = size_t{node_count} + 1;
  PodArray<uint32_t> parent(len, 0), ancestor(len, 0), vertex(len, 0), label(len, 0), semi(len, 0), dom(len, 0);
  PodArray<uint32_t> cursor(len, 0);  // DFS: next edge per node; later the compression stack
  // Buckets are singly linked lists: head per vertex, and the link of a
  // vertex w kept in dom[w], which is only written when w leaves its bucket.
  PodArray<uint32_t> bucket_head(len, 0);
  uint32_t n = 0;

  auto dfs = [&](uint32_t root) {
    cursor[root - 1] = s.first_edge[root - 1];
    uint32_t v = root;
    while (v != 0) {
      if (semi[v] == 0) {
        semi[v] = ++n;
        vertex[n] = label[v] = v;
      }
      uint32_t next = parent[v];
      const uint32_t vo = v - 1;
      for (; cursor[vo] < s.first_edge[vo + 1]; ++cursor[vo]) {
        uint32_t e = cursor[vo];
        if (!essential.Get(e)) continue;
        uint32_t w = s.edge_to[e] + 1;
        if (semi[w] == 0) {
          parent[w] = v;
          cursor[w - 1] = s.first_edge[w - 1];
          next = w;
          break;
        }
      }
      v = next;
    }
  };

  const uint32_t r = s.root + 1;
  dfs(r);
  uint32_t reached = n;
  if (n < node_count) {
    for (uint32_t v = 1; v <= node_count; ++v) {
      if (semi[v] == 0 && pred.first[v - 1] == pred.first[v]) {
        parent[v] = r;
        dfs(v);
      }
    }
  }
  if (n < node_count) {
    for (uint32_t v = 1; v <= node_count; ++v) {
      if (semi[v] == 0) {
        parent[v] = r;
        semi[v] = ++n;
        vertex[n] = label[v] = v;
      }
    }
  }
  progress("dominators", 2, 4);

  uint32_t* stack = cursor.data();  // the DFS is over: reuse its array
  auto compress = [&](uint32_t v) {
    uint32_t sp = 0;
    while (ancestor[ancestor[v]] != 0) {
      stack[++sp] = v;
      v = ancestor[v];
    }
    while (sp > 0) {
      uint32_t w = stack[sp--];
      if (semi[label[ancestor[w]]] < semi[label[w]]) label[w] = label[ancestor[w]];
      ancestor[w] = ancestor[ancestor[w]];
    }
  };
  auto eval = [&](uint32_t v) {
    if (ancestor[v] == 0) return v;
    compress(v);
    return label[v];
  };

  for (uint32_t i = n; i >= 2; --i) {
    const uint32_t w = vertex[i];
    const uint32_t wo = w - 1;
    if (pred.first[wo] == pred.first[wo + 1]) {
      semi[w] = semi[r];  // an orphan's only predecessor is the root
    } else {
      for (uint32_t k = pred.first[wo]; k < pred.first[wo + 1]; ++k) {
        uint32_t u = eval(pred.preds[k] + 1);
        if (semi[u] < semi[w]) semi[w] = semi[u];
      }
    }
    uint32_t b = vertex[semi[w]];
    dom[w] = bucket_head[b];
    bucket_head[b] = w;
    const uint32_t pw = parent[w];
    ancestor[w] = pw;  // link
    for (uint32_t v = bucket_head[pw], next; v != 0; v = next) {
      next = dom[v];
      uint32_t u = eval(v);
      dom[v] = semi[u] < semi[v] ? u : pw;
    }
    bucket_head[pw] = 0;
  }
  // Buckets never processed (only in cycles nothing reachable retains): their
  // members' dom still holds a link; DevTools leaves it 0, which the step
  // below turns into the root.
  for (uint32_t i = 1; i <= n; ++i)
    for (uint32_t v = bucket_head[vertex[i]], next; v != 0; v = next) {
      next = dom[v];
      dom[v] = 0;
    }
  dom[0] = dom[r] = r;
  for (uint32_t i = 2; i <= n; ++i) {
    uint32_t w = vertex[i];
    if (dom[w] != vertex[semi[w]]) dom[w] = dom[dom[w]];
  }
  progress("dominators", 3, 4);

  DominatorTree tree;
  tree.unreachable = node_count - reached;
  pred = Predecessors();
  parent.Release();
  ancestor.Release();
  label.Release();
  semi.Release();
  cursor.Release();
  bucket_head.Release();

  tree.dominator.Reset(node_count);
  tree.retained_size.Reset(node_count);
  for (uint32_t o = 0; o < node_count; ++o) {
    tree.dominator[o] = dom[o + 1] - 1;
    tree.retained_size[o] = self_size[o];
  }
  for (uint32_t i = n; i > 1; --i) {
    uint32_t o = vertex[i] - 1;
    tree.retained_size[tree.dominator[o]] += tree.retained_size[o];
  }
  dom.Release();
  vertex.Release();

  // Children lists, in ordinal order.
  tree.first_child.Reset(len, 0);
  for (uint32_t o = 0; o < node_count; ++o)
    if (o != s.root) ++tree.first_child[tree.dominator[o]];
  uint32_t sum = 0;
  for (uint32_t o = 0; o <= node_count; ++o) {
    uint32_t c = tree.first_child[o];
    tree.first_child[o] = sum;
    sum += c;
  }
  tree.children.Reset(sum);
  for (uint32_t o = 0; o < node_count; ++o)
    if (o != s.root) tree.children[tree.first_child[tree.dominator[o]]++] = o;
  for (uint32_t o = node_count; o > 0; --o) tree.first_child[o] = tree.first_child[o - 1];
  tree.first_child[0] = 0;
  progress("dominators", 4, 4);
  return tree;
}

}  // namespace oomkit::heap
