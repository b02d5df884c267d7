#include "heap/dominators.h"

#include <gtest/gtest.h>

#include "heap/analysis.h"
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
  std::vector<uint32_t> dom(a.tree.dominator.begin(), a.tree.dominator.end());
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
  auto snap = testing::ReadText(
      R"({"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],)"
      R"("node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic"],)"
      R"("string","number","number","number"],"edge_fields":["type","name_or_index","to_node"],)"
      R"("edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"]},)"
      R"("node_count":4,"edge_count":4},)"
      R"("nodes":[9,0,1,0,2, 3,1,3,10,0, 3,2,5,20,1, 3,2,7,30,1],)"
      R"("edges":[5,3,5, 6,4,10, 2,3,15, 2,3,10],)"
      R"("strings":["", "global", "Object", "next", "w"]})");
  ASSERT_TRUE(snap.ok()) << snap.error();
  Analysis a = Analyze(&snap.value(), {});
  EXPECT_EQ(a.tree.unreachable, 2u);
  EXPECT_EQ(a.tree.dominator[2], 0u);
  EXPECT_EQ(a.tree.dominator[3], 0u);
  EXPECT_EQ(a.tree.retained_size[0], 60u);
}

}  // namespace
}  // namespace oomkit::heap
