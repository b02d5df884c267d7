#include "heap/dominators.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "heap/analysis.h"
#include "heap/essential_edges.h"
#include "heap/test_support.h"

namespace oomkit::heap {
namespace {

using testing::ReadFile;
using testing::SharedPath;

// DevTools' createHeapSnapshotMockRaw graph: root -> A, B; A -> B, C; B -> C,
// D; C -> E. Upstream asserts dominators [0,0,0,0,2,3] and retained sizes
// [20,2,8,10,5,6] by ordinal.
TEST(Dominators, DevToolsMockSixNodes) {
  auto snap = ReadFile(SharedPath("fixtures/devtools-mock-6node.heapsnapshot"));
  ASSERT_TRUE(snap.ok()) << snap.error();
  Analysis a = Analyze(&snap.value(), {});
  std::vector<uint32_t> dom(a.tree.dominator.begin(), a.tree.dominator.begin() + snap.value().node_count);
  std::vector<uint64_t> retained(a.tree.retained_size.begin(), a.tree.retained_size.end());
  EXPECT_EQ(dom, (std::vector<uint32_t>{0, 0, 0, 0, 2, 3}));
  EXPECT_EQ(retained, (std::vector<uint64_t>{20, 2, 8, 10, 5, 6}));
  EXPECT_EQ(a.total_size, 20u);
  std::vector<int32_t> dist(a.distance.begin(), a.distance.end());
  EXPECT_EQ(dist, (std::vector<int32_t>{100000000, 1, 1, 2, 2, 3}));
}

// createMockSnapshotWithGCRoots: C is reached from A2 and from B, so its
// immediate dominator is "(Stack roots)", not either parent.
TEST(Dominators, DevToolsMockGcRootsIdomIsNotParent) {
  auto snap = ReadFile(SharedPath("fixtures/devtools-mock-gcroots.heapsnapshot"));
  ASSERT_TRUE(snap.ok()) << snap.error();
  const Snapshot& s = snap.value();
  Analysis a = Analyze(&snap.value(), {});
  auto ordinal_of = [&](std::string_view name) {
    for (uint32_t n = 0; n < s.node_count; ++n)
      if (s.node_name_str(n) == name) return n;
    ADD_FAILURE() << "no node " << name;
    return 0u;
  };
  EXPECT_EQ(a.tree.dominator[ordinal_of("C")], ordinal_of("(Stack roots)"));
  EXPECT_EQ(a.tree.dominator[ordinal_of("E")], ordinal_of("C"));
  EXPECT_EQ(a.tree.dominator[ordinal_of("D")], ordinal_of("B"));
  EXPECT_EQ(a.tree.dominator[ordinal_of("A2")], ordinal_of("A1"));
  EXPECT_EQ(a.tree.dominator[ordinal_of("(GC roots)")], 0u);
  std::vector<int32_t> dist(a.distance.begin(), a.distance.end());
  EXPECT_EQ(dist, (std::vector<int32_t>{0, 1, 2, 3, 4, 5, 3, 4, 4, 5}));
}

}  // namespace
}  // namespace oomkit::heap

namespace oomkit::heap {
namespace {

// Two objects holding each other, reached from the root only by a weak
// edge: neither is an orphan (each has a retaining edge) nor reachable. As in
// DevTools, each is numbered under the root on its own, their buckets are
// never processed, and both end up dominated by the root.
TEST(Dominators, CycleReachedOnlyWeaklyHangsFromTheRoot) {
  auto snap = testing::ReadText(testing::GraphText("9,0,1,0,2, 3,1,3,10,0, 3,2,5,20,1, 3,2,7,30,1",
                                                   "5,3,5, 6,4,10, 2,3,15, 2,3,10",
                                                   R"("", "global", "Object", "next", "w")", 4, 4));
  ASSERT_TRUE(snap.ok()) << snap.error();
  Analysis a = Analyze(&snap.value(), {});
  EXPECT_EQ(a.tree.unreachable, 2u);
  EXPECT_EQ(a.tree.dominator[2], 0u);
  EXPECT_EQ(a.tree.dominator[3], 0u);
  EXPECT_EQ(a.tree.retained_size[0], 60u);
}

}  // namespace
}  // namespace oomkit::heap

namespace oomkit::heap {
namespace {

// Brute force: v's dominators are the nodes without which v cannot be
// reached from the root. The graph is DevTools' view: retaining edges plus
// an edge from the root to every node with no retaining edge at all; nodes
// still unreached hang from the root.
std::vector<uint32_t> BruteForceDominators(uint32_t n, const std::vector<std::vector<uint32_t>>& out) {
  std::vector<std::vector<uint32_t>> succ = out;
  std::vector<int> indegree(n, 0);
  for (uint32_t v = 0; v < n; ++v)
    for (uint32_t w : out[v]) ++indegree[w];
  for (uint32_t v = 1; v < n; ++v)
    if (indegree[v] == 0) succ[0].push_back(v);
  auto reach = [&](uint32_t removed) {
    std::vector<char> seen(n, 0);
    std::vector<uint32_t> stack = {0};
    seen[0] = 1;
    while (!stack.empty()) {
      uint32_t v = stack.back();
      stack.pop_back();
      for (uint32_t w : succ[v])
        if (w != removed && !seen[w]) seen[w] = 1, stack.push_back(w);
    }
    return seen;
  };
  std::vector<char> reachable = reach(UINT32_MAX);
  std::vector<std::vector<char>> dominated_by(n);  // dominated_by[d][v]: d dominates v
  for (uint32_t d = 1; d < n; ++d) {
    std::vector<char> without = reach(d);
    dominated_by[d].resize(n);
    for (uint32_t v = 0; v < n; ++v) dominated_by[d][v] = reachable[v] && !without[v] && v != d;
  }
  std::vector<uint32_t> idom(n, 0);
  for (uint32_t v = 1; v < n; ++v) {
    if (!reachable[v]) continue;  // hangs from the root
    // The immediate dominator: the dominator that all other dominators dominate.
    for (uint32_t d = 1; d < n; ++d) {
      if (!dominated_by[d][v]) continue;
      bool immediate = true;
      for (uint32_t e = 1; e < n && immediate; ++e)
        if (e != d && dominated_by[e][v] && !dominated_by[e][d]) immediate = false;
      if (immediate) idom[v] = d;
    }
  }
  return idom;
}

// A fixed sequence of pseudo-random numbers (a 64-bit LCG's high bits).
struct RandomNumbers {
  uint64_t seed;
  uint32_t operator()() {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(seed >> 33);
  }
};

TEST(Dominators, RandomGraphsMatchBruteForce) {
  RandomNumbers next{12345};
  for (int round = 0; round < 3000; ++round) {
    const uint32_t n = 2 + next() % 12;
    std::vector<std::vector<uint32_t>> out(n);  // retaining edges only
    std::string nodes, edges;
    uint32_t edge_count = 0;
    for (uint32_t v = 0; v < n; ++v) {
      uint32_t k = next() % 4;
      std::string mine;
      for (uint32_t j = 0; j < k; ++j) {
        uint32_t w = next() % n;
        bool weak = next() % 5 == 0;
        if (!weak && w != v) out[v].push_back(w);
        mine += fmt::format("{}{},1,{}", edges.empty() && mine.empty() ? "" : ",", weak ? 6 : 3, w * 5);
      }
      edges += mine;
      edge_count += k;
      // Type "object" everywhere but the synthetic root: no shortcut edges, so
      // no page-owned filtering; self edges and weak ones never retain.
      nodes += fmt::format("{}{},1,{},{},{}", v ? "," : "", v ? 3 : 9, 2 * v + 1, 1 + v, k);
    }
    const std::string text = testing::GraphText(nodes, edges, R"("", "x")", n, edge_count);
    auto snap = testing::ReadText(text);
    ASSERT_TRUE(snap.ok()) << snap.error() << "\n" << text;
    // One to three threads: the predecessor lists are scattered by ranges
    // of target nodes, one per thread, and their offsets made by the
    // numbering beside the DFS or, on one thread, after it. Both semantics:
    // without shortcut edges they retain alike, and only DevTools' finds
    // the page-owned set during the DFS.
    AnalysisOptions options;
    options.threads = 1 + round % 3;
    options.semantics = round % 2 ? Semantics::kRaw : Semantics::kDevTools;
    Analysis a = Analyze(&snap.value(), options);
    std::vector<uint32_t> expected = BruteForceDominators(n, out);
    for (uint32_t v = 1; v < n; ++v)
      ASSERT_EQ(a.tree.dominator[v], expected[v])
          << "round " << round << " threads " << options.threads << " node " << v << "\n" << text;
  }
}

}  // namespace
}  // namespace oomkit::heap

namespace oomkit::heap {
namespace {

// The tree when the DFS finds the page-owned set on its way (what Analyze
// does) against the tree from bits made up front with MarkPageOwned, the
// set's direct definition, at one and two threads.
void ExpectPageRuleOnTheWayMatchesUpFront(const Snapshot& s, const std::string& what) {
  const WeakMapNames weakmaps(s);
  for (int threads : {1, 2}) {
    NodeArrays up_front_arrays(s.node_count), walk_arrays(s.node_count);
    RetainingEdges up_front;
    up_front.essential = EdgesPassingRules(s, Semantics::kDevTools, weakmaps, threads);
    DropEdgesIntoPage(s, MarkPageOwned(s), &up_front.essential, threads);
    DominatorTree expected = ComputeDominators(s, std::move(up_front), s.node_self_size, up_front_arrays, threads, {});
    RetainingEdges on_the_way;
    on_the_way.essential = EdgesPassingRules(s, Semantics::kDevTools, weakmaps, threads);
    on_the_way.page_rule = true;
    DominatorTree got = ComputeDominators(s, std::move(on_the_way), s.node_self_size, walk_arrays, threads, {});
    EXPECT_EQ(got.unreachable, expected.unreachable) << what;
    for (uint32_t v = 0; v < s.node_count; ++v) {
      ASSERT_EQ(got.dominator[v], expected.dominator[v]) << what << " node " << v << " threads " << threads;
      ASSERT_EQ(got.retained_size[v], expected.retained_size[v]) << what << " node " << v;
    }
  }
}

TEST(Dominators, PageRuleOnTheWayMatchesUpFrontOnRealSnapshots) {
  for (const char* name : {"fixtures/heap-snapshot-toolkit-snapshot1.heapsnapshot.gz",
                           "fixtures/heap-snapshot-toolkit-snapshot2.heapsnapshot.gz",
                           "fixtures/devtools-mock-gcroots.heapsnapshot"}) {
    auto snap = ReadFile(SharedPath(name));
    ASSERT_TRUE(snap.ok()) << snap.error();
    ExpectPageRuleOnTheWayMatchesUpFront(snap.value(), name);
  }
}

// Random graphs where the page rule bites: the root's shortcut edges make
// user roots, its element edges lead elsewhere; shortcut edges between other
// nodes make page-owned nodes the DFS from the user roots does not reach, and
// edges from outside the page into it are dropped.
TEST(Dominators, PageRuleOnTheWayMatchesUpFrontOnRandomGraphs) {
  RandomNumbers next{777};
  for (int round = 0; round < 2000; ++round) {
    const uint32_t n = 2 + next() % 14;
    std::string nodes, edges;
    uint32_t edge_count = 0;
    for (uint32_t v = 0; v < n; ++v) {
      const uint32_t k = next() % 4 + (v == 0 ? 2 : 0);
      for (uint32_t j = 0; j < k; ++j) {
        const uint32_t w = next() % n;
        // element, property, internal, shortcut, weak; the root: shortcut or element
        static constexpr int kTypes[] = {1, 2, 3, 5, 6};
        const int type = v == 0 ? (next() % 2 ? 5 : 1) : kTypes[next() % 5];
        edges += fmt::format("{}{},1,{}", edge_count ? "," : "", type, w * 5);
        ++edge_count;
      }
      nodes += fmt::format("{}{},1,{},{},{}", v ? "," : "", v ? 3 : 9, 2 * v + 1, 1 + v, k);
    }
    const std::string text = testing::GraphText(nodes, edges, R"("", "x")", n, edge_count);
    auto snap = testing::ReadText(text);
    ASSERT_TRUE(snap.ok()) << snap.error() << "\n" << text;
    ExpectPageRuleOnTheWayMatchesUpFront(snap.value(), fmt::format("round {}\n{}", round, text));
    if (::testing::Test::HasFailure()) return;
  }
}

}  // namespace
}  // namespace oomkit::heap
