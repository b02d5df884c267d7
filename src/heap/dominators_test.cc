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
