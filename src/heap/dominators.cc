#include "heap/dominators.h"

#include <algorithm>
#include <atomic>
#include <vector>

#include "common/parallel.h"
#include "common/worker_threads.h"
#include "heap/essential_edges.h"

namespace oomkit::heap {
namespace {

// Predecessors over essential edges, by DFS number: the numbers of the
// retainers of vertex i are preds[first[i] .. first[i+1]), i in 1..n. The
// edge the DFS entered a vertex by is left out: its source is the DFS
// parent, which the semidominator step reads from parent[] anyway. That is
// one edge per node nearly (12.9 M on the 1 GB bench file): 4 B each off the
// dominators' peak, and as many random writes fewer (peak 1,107 -> 1,065 MB
// there). The lists lie in numbering order, so that their offsets are made
// as the vertices are numbered, beside the DFS; the semidominator step reads
// them from the end back.
struct Predecessors {
  PodArray<uint32_t> first;
  PodArray<uint32_t> preds;
};

// Where each thread's range of target nodes begins, for `parts` threads
// (parts + 1 entries, the last node_count).
std::vector<uint32_t> EvenCuts(uint32_t node_count, size_t parts) {
  std::vector<uint32_t> cuts(parts + 1);
  for (size_t t = 0; t <= parts; ++t) cuts[t] = static_cast<uint32_t>(t * node_count / parts);
  return cuts;
}

// The same with about as many retaining edges into each range: a thread's
// share of the scatter costs a random write per edge kept. Even ranges left
// one thread with 77 % of them on the 1 GB bench file (175 against 90 ms).
// *total: the retaining edges in all.
std::vector<uint32_t> BalancedCuts(const uint32_t* retainers, uint32_t node_count, size_t parts, uint64_t* total_out) {
  uint64_t total = 0;
  for (uint32_t v = 0; v < node_count; ++v) total += retainers[v];
  *total_out = total;
  std::vector<uint32_t> cuts(parts + 1, node_count);
  cuts[0] = 0;
  uint64_t sum = 0;
  size_t t = 1;
  for (uint32_t v = 0; v < node_count && t < parts; ++v) {
    sum += retainers[v];
    while (t < parts && sum * parts >= total * t) cuts[t++] = v + 1;
  }
  return cuts;
}

// Each pass runs on the threads given without atomics: each thread owns a
// range of target nodes (cuts[t] .. cuts[t+1]) and scans every edge, keeping
// those that land in its range (the scan is sequential and cheap; the writes
// it saves from contention are random and dear). Each list comes out in edge
// order whatever the thread count.
// fetch(to) is called kAhead edges before fn would be, whether or not the
// edge turns out to be kept: it starts the random access fn makes.
template <typename Fetch, typename Fn>
void ForEachEssentialEdge(const Snapshot& s, const BitVector& essential, const std::vector<uint32_t>& cuts,
                          Fetch&& fetch, Fn&& fn) {
  constexpr uint32_t kAhead = 16;
  const uint32_t node_count = s.node_count, edge_count = s.first_edge[node_count];
  const size_t parts = cuts.size() - 1;
  ParallelFor(parts, static_cast<int>(parts), [&](size_t t) {
    const uint32_t lo = cuts[t], hi = cuts[t + 1];
    for (uint32_t v = 0; v < node_count; ++v)
      for (uint32_t x = s.first_edge[v]; x < s.first_edge[v + 1]; ++x) {
        if (x + kAhead < edge_count) {
          const uint32_t ahead = s.edge_to[x + kAhead];
          if (ahead >= lo && ahead < hi) fetch(ahead);
        }
        uint32_t to = s.edge_to[x];
        if (to >= lo && to < hi && essential.Get(x)) fn(v, to, x);
      }
  });
}

// node -> how many essential edges retain it. It reads what the DFS reads
// and writes what the DFS does not, so it runs beside it.
void CountRetainers(const Snapshot& s, const BitVector& essential, int threads, uint32_t* c) {
  ForEachEssentialEdge(
      s, essential, EvenCuts(s.node_count, static_cast<size_t>(std::max(threads, 1))),
      [&](uint32_t to) { __builtin_prefetch(&c[to], 1); }, [&](uint32_t, uint32_t to, uint32_t) { ++c[to]; });
}

// Fills the lists whose offsets the numbering made: cursor[node] is where
// the node's next retainer goes. `tree` marks the edges the DFS entered
// vertices by.
void ScatterPredecessors(const Snapshot& s, const BitVector& essential, const BitVector& tree,
                         const std::vector<uint32_t>& cuts, uint32_t* cursor, const uint32_t* number,
                         Predecessors* p) {
  ForEachEssentialEdge(
      s, essential, cuts, [&](uint32_t to) { __builtin_prefetch(&cursor[to], 1); },
      [&](uint32_t v, uint32_t to, uint32_t x) {
        if (!tree.Get(x)) p->preds[cursor[to]++] = number[v];
      });
}

// What eval/link reads of a vertex, in one place: the walk up the linked
// forest touches one record per hop instead of two arrays. Lengauer-Tarjan
// keeps the label (the vertex of least semidominator on the compressed path)
// for its bucket step; Semi-NCA only ever compares the labels'
// semidominators, so the record keeps that number alone. 8 B per node.
struct EvalRecord {
  uint32_t ancestor;    // 0 until linked
  uint32_t label_semi;  // least semidominator on the compressed path
};

}  // namespace

DominatorTree ComputeDominators(const Snapshot& s, RetainingEdges edges, const PodArray<uint32_t>& self_size,
                                NodeArrays& arrays, int threads, const Progress& progress,
                                const std::function<void()>& beside_dfs, const std::function<void()>& alongside,
                                const std::function<void()>& before_lists) {
  const uint32_t node_count = s.node_count;
  BitVector& essential = edges.essential;
  // Preorder numbers run 1..n so that 0 means "none"; the root gets 1.
  // One block of 8 B/node serves in turn as node -> preorder number and the
  // retainer counts side by side (4 B/node each; both are dead once the
  // predecessor lists are built), the eval records, and the retained sizes:
  // 103 MB of pages on a 1 GB snapshot mapped once instead of three times.
  const size_t half = size_t{node_count} + 1;
  PodArray<uint32_t> block(2 * half);
  uint32_t* const number = block.data();  // node -> preorder number
  uint32_t* const retainers = block.data() + half;
  PodArray<uint32_t> vertex = arrays.Take();  // number -> node
  PodArray<uint32_t> parent = arrays.Take();  // number -> DFS parent's number; later the idom's number
  // Visited bits (1 bit per node) stay in cache where the 4-byte numbers do
  // not: the DFS tests every essential edge's target.
  BitVector visited(node_count);
  // The edges the DFS follows (1 bit per edge): the predecessor lists leave
  // them out.
  BitVector tree_edge(s.edge_count);
  uint32_t n = 0;

  struct Frame {
    uint32_t node, next_edge, number;
  };
  std::vector<Frame> stack;
  // node -> number is a random write per node: the other core makes it from
  // vertex[] as the DFS goes, which tells it every kPublish visits how far
  // vertex[] is written (bit 31: the DFS is over; ordinals are below 2^31).
  constexpr uint32_t kPublish = 1 << 16, kOver = uint32_t{1} << 31;
  std::atomic<uint32_t> numbered{0};
  auto publish = [&](uint32_t value) {
    numbered.store(value, std::memory_order_release);
    numbered.notify_one();
  };
  auto visit = [&](uint32_t node, uint32_t parent_number) {
    visited.Set(node);
    vertex[++n] = node;
    parent[n] = parent_number;
    stack.push_back({node, s.first_edge[node], n});
    if (n % kPublish == 0) publish(n);
  };
  // Iterative DFS from the frames on the stack, successors in edge order,
  // over the edges for which follows(node, edge) holds.
  auto walk = [&](auto&& follows) {
    while (!stack.empty()) {
      Frame& f = stack.back();
      uint32_t end = s.first_edge[f.node + 1], e = f.next_edge;
      while (e < end && (!follows(f.node, e) || visited.Get(s.edge_to[e]))) ++e;
      if (e == end) {
        stack.pop_back();
        continue;
      }
      f.next_edge = e + 1;
      tree_edge.Set(e);
      visit(s.edge_to[e], f.number);
    }
  };
  auto essential_edge = [&](uint32_t, uint32_t e) { return essential.Get(e); };
  auto dfs = [&](uint32_t start, uint32_t parent_number) {
    visit(start, parent_number);
    walk(essential_edge);
  };

  // Numbering a vertex also places its predecessor list: vertex i's
  // retainers go to preds[first[i] ..), and the node's retainer count becomes
  // the cursor that the scatter advances. The DFS parent's edge is left out
  // of every vertex numbered 2..walked but those the DFS started from (count
  // 0); `walked` is only known when the DFS is over: until then (UINT32_MAX
  // here) every vertex numbered is below it. This pass makes a random read
  // and two random writes per vertex (58 ms on the 1 GB bench file). It runs
  // on the other core, as the DFS publishes vertices once the counts are
  // final (with the page rule, at the DFS's end), and beside the mapping of
  // the lists' pages; it was a serial pass after the numbering (46 ms).
  Predecessors pred;
  pred.first = arrays.Take();
  uint32_t placed = 0;
  std::atomic<uint32_t> walked_at{UINT32_MAX};
  auto number_up_to = [&](uint32_t from, uint32_t to) {
    const uint32_t walked_bound = walked_at.load(std::memory_order_relaxed);
    for (uint32_t i = from + 1; i <= to; ++i) {
      const uint32_t v = vertex[i], c = retainers[v];
      number[v] = i;
      pred.first[i] = placed;
      retainers[v] = placed;
      placed += c - (i >= 2 && i <= walked_bound && c > 0 ? 1 : 0);
    }
  };
  // The retainer counts take the other cores first (after the work given
  // beside the DFS): one random write per edge, beside the DFS's random
  // reads. With the page rule they count rules 1-4's edges, and the edges
  // rule 5 drops are taken off after: the numbering, which reads them, waits
  // for that (`adjusted`).
  std::fill(retainers, retainers + node_count, 0);
  std::atomic<bool> counted{false}, adjusted{!edges.page_rule}, cut{false};
  std::vector<uint32_t> cuts;  // the scatter's ranges of target nodes
  uint64_t retaining_edges = 0;
  const size_t parts = static_cast<size_t>(std::max(threads, 1));
  WorkerThread helper;
  if (threads > 1) {
    helper = WorkerThread([&] {
      if (beside_dfs) beside_dfs();
      CountRetainers(s, essential, threads - 1, retainers);
      counted.store(true, std::memory_order_release);
      counted.notify_one();
      adjusted.wait(false, std::memory_order_acquire);
      cuts = BalancedCuts(retainers, node_count, parts, &retaining_edges);
      cut.store(true, std::memory_order_release);
      cut.notify_one();
      for (uint32_t done = 0;;) {
        const uint32_t seen = numbered.load(std::memory_order_acquire);
        number_up_to(done, seen & ~kOver);
        done = seen & ~kOver;
        if (seen & kOver) break;
        numbered.wait(seen, std::memory_order_acquire);
      }
    });
  } else {
    if (beside_dfs) beside_dfs();
    CountRetainers(s, essential, 1, retainers);
    counted = true;
  }
  if (!edges.page_rule) {
    dfs(s.root, 0);
    counted.wait(false, std::memory_order_acquire);
  } else {
    // The user roots first. A non-weak edge that rules 1-4 drop there may
    // lead to a page-owned node this part of the DFS does not reach.
    const uint32_t weak = static_cast<uint32_t>(s.layout.weak);
    std::vector<uint32_t> hidden;
    visit(s.root, 0);
    walk([&](uint32_t node, uint32_t e) {
      if (node == s.root) {
        if (!IsUserRootEdge(s, e)) return false;
        hidden.push_back(s.edge_to[e]);  // page-owned even when the root itself
      }
      if (essential.Get(e)) {
        // The root is visited but not page-owned until an edge like this one
        // makes it so (and with it all it reaches).
        if (s.edge_to[e] == s.root) hidden.push_back(s.root);
        return true;
      }
      if (static_cast<uint32_t>(s.edge_type(e)) != weak) hidden.push_back(s.edge_to[e]);
      return false;
    });
    BitVector page = visited.Clone();
    page.Clear(s.root);
    ExtendPageOwned(s, std::move(hidden), &page);
    counted.wait(false, std::memory_order_acquire);  // the counts read the bits rule 5 changes
    for (uint32_t to : DropEdgesIntoPage(s, page, &essential, threads)) --retainers[to];
    adjusted.store(true, std::memory_order_release);
    adjusted.notify_one();
    page.Release();
    // On from the root's other edges.
    stack.push_back({s.root, s.first_edge[s.root], 1});
    walk(essential_edge);
  }
  const uint32_t reached = n;
  progress("dominators", 1, 4);
  uint32_t starts = 0;  // vertices the DFS started from: their count is 0
  for (uint32_t v = 0; n < node_count && v < node_count; ++v)
    if (!visited.Get(v) && retainers[v] == 0) {
      dfs(v, 1);
      ++starts;
    }
  // Vertices numbered past this one hang from the root without an edge from
  // it: their DFS parent is not a retainer. (Set before any of them is
  // published: the numbering reads it after the number that publishes them.)
  const uint32_t walked = n;
  walked_at.store(walked, std::memory_order_relaxed);
  if (n < node_count)
    for (uint32_t v = 0; v < node_count; ++v)
      if (!visited.Get(v)) {
        visit(v, 1);
        stack.clear();
      }
  stack = std::vector<Frame>();
  visited.Release();
  if (helper.joinable()) {
    publish(n | kOver);
    // The lists' pages are mapped while the other core numbers the last
    // vertices (fresh pages: 125 ms on the 1 GB bench file, beside its 58 ms
    // of numbering). Their length is every retaining edge but one into each
    // vertex numbered 2..walked, except those the DFS started from.
    cut.wait(false, std::memory_order_acquire);
    const int64_t length = static_cast<int64_t>(retaining_edges) - (int64_t{walked} - 1 - starts);
    if (before_lists) before_lists();
    pred.preds.Reset(static_cast<size_t>(std::max<int64_t>(length, 0)));
    helper.join();
  } else {
    cuts = EvenCuts(node_count, parts);
    number_up_to(0, n);
    if (before_lists) before_lists();
  }
  pred.first[n + 1] = placed;
  // The numbering's count is the one the lists follow. On one thread the
  // lists are allocated here; on several the two counts agree but for a case
  // the rules above do not foresee, where the pages move over (the page
  // pool) rather than being mapped again.
  if (pred.preds.size() != placed) pred.preds.Reset(placed);
  // From here on everything works on DFS numbers: node -> number is not
  // needed once the predecessor lists are written in numbers.
  ScatterPredecessors(s, essential, tree_edge, cuts, retainers, number, &pred);
  essential.Release();
  tree_edge.Release();
  progress("dominators", 2, 4);
  // From here on one core is enough: the other takes the work given alongside.
  WorkerThread beside;
  if (alongside && threads > 1) beside = WorkerThread(alongside);

  // Semidominators, in decreasing preorder, with eval/link over DFS numbers.
  arrays.Keep(0);  // idle arrays must not add to this phase's peak
  PodArray<EvalRecord> rec = std::move(block).Recast<EvalRecord>(size_t{n} + 1);
  for (uint32_t i = 0; i <= n; ++i) rec[i] = {0, i};
  std::vector<uint32_t> path;
  auto eval = [&](const uint32_t v) -> const EvalRecord& {
    if (rec[v].ancestor == 0) return rec[v];
    // Path compression: every vertex on the path to the linked root takes
    // the best label above it and points at that root.
    for (uint32_t x = v; rec[rec[x].ancestor].ancestor != 0; x = rec[x].ancestor) path.push_back(x);
    while (!path.empty()) {
      EvalRecord& w = rec[path.back()];
      path.pop_back();
      const EvalRecord& a = rec[w.ancestor];
      w.label_semi = std::min(w.label_semi, a.label_semi);
      w.ancestor = a.ancestor;
    }
    return rec[v];
  };
  // A retainer numbered below i is not linked yet: its record is still
  // {0, itself}, so it is its own answer and its record is not read (on the
  // 1 GB bench snapshot 13 M of the 41 M retainers, every DFS parent among
  // them: semidominators 0.48 -> 0.38 s). The DFS parent is such a retainer
  // and is not in the lists: the search starts from it. (A vertex the DFS
  // started from, its only retainers weak, has the root as parent: it hangs
  // from the root; one numbered on its own, held in a cycle the root does not
  // reach, does not start from its parent.) The first read of any other
  // retainer's record misses the cache: fetching kAhead retainers ahead
  // overlaps those misses. The lists are read from the end of preds[] back,
  // so that the reads run straight through it.
  constexpr uint32_t kAhead = 16;
  uint32_t end = pred.first[n + 1];
  for (uint32_t i = n; i >= 2; --i) {
    uint32_t best = i > walked ? i : parent[i];
    const uint32_t begin = pred.first[i];
    for (uint32_t k = end; k-- > begin;) {
      if (k >= kAhead) {
        const uint32_t ahead = pred.preds[k - kAhead];
        if (ahead >= i) __builtin_prefetch(&rec[ahead]);
      }
      const uint32_t v = pred.preds[k];
      best = std::min(best, v < i ? v : eval(v).label_semi);
    }
    end = begin;
    // first[i] is never read again: it keeps semi(i) for the next step.
    pred.first[i] = best;
    rec[i].label_semi = best;
    rec[i].ancestor = parent[i];  // link
  }
  pred.preds.Release();
  PodArray<uint32_t> semi = std::move(pred.first);  // semi(i), i >= 2
  progress("dominators", 3, 4);

  // Immediate dominators (Semi-NCA): the nearest DFS ancestor of the parent
  // whose number is at most the semidominator; parent[] becomes the idom.
  parent[1] = 1;
  for (uint32_t i = 2; i <= n; ++i) {
    uint32_t d = parent[i];
    while (d > semi[i]) d = parent[d];
    parent[i] = d;
  }
  arrays.Give(std::move(semi));

  DominatorTree tree;
  tree.unreachable = node_count - reached;
  tree.dominator = arrays.Take();
  for (uint32_t i = 1; i <= n; ++i) tree.dominator[vertex[i]] = vertex[parent[i]];
  // The eval records' 8 B/node become the retained sizes' (n == node_count
  // here: every node was numbered): pages already mapped, not fresh ones.
  tree.retained_size = std::move(rec).Recast<uint64_t>(node_count);
  for (uint32_t o = 0; o < node_count; ++o) tree.retained_size[o] = self_size[o];
  for (uint32_t i = n; i > 1; --i) {
    uint32_t o = vertex[i];
    tree.retained_size[tree.dominator[o]] += tree.retained_size[o];
  }
  arrays.Give(std::move(vertex));
  arrays.Give(std::move(parent));

  // Children lists, in ordinal order.
  tree.first_child = arrays.Take(0);
  tree.children = arrays.Take();
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
  if (alongside) alongside();
  if (beside.joinable()) beside.join();
  progress("dominators", 4, 4);
  return tree;
}

}  // namespace oomkit::heap
