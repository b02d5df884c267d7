#include "heap/class_names.h"

#include <gtest/gtest.h>

#include "heap/test_support.h"

namespace oomkit::heap {
namespace {

// Every plain object's list holds its property edges' names in edge order,
// objects with one list share its number, and neither the lists nor their
// numbers depend on how many ranges found them.
TEST(PlainObjectShapes, ListsAreThePropertyEdgesAndDoNotDependOnThreads) {
  auto snap = testing::ReadFile(testing::SharedPath("fixtures/heap-snapshot-toolkit-snapshot1.heapsnapshot.gz"));
  ASSERT_TRUE(snap.ok()) << snap.error();
  const Snapshot& s = snap.value();
  const PlainObjectShapes one = FindPlainObjectShapes(s, 1);
  const auto object = s.strings.IndexesOf("Object");
  size_t k = 0;
  for (uint32_t n = 0; n < s.node_count; ++n) {
    if (s.node_type[n] != s.layout.object || !object.contains(s.node_name[n])) continue;
    ASSERT_LT(k, one.shape_of.size());
    std::vector<uint32_t> names;
    for (uint32_t e = s.first_edge[n]; e < s.first_edge[n + 1]; ++e)
      if (s.edge_type(e) == s.layout.property) names.push_back(s.edge_name(e));
    EXPECT_EQ(one.lists[one.shape_of[k++]], names) << "node " << n;
  }
  EXPECT_EQ(k, one.shape_of.size());
  EXPECT_LT(one.lists.size(), one.shape_of.size()) << "the fixture's plain objects should share shapes";
  for (size_t i = 0; i < one.lists.size(); ++i)
    for (size_t j = i + 1; j < one.lists.size(); ++j) ASSERT_NE(one.lists[i], one.lists[j]);
  for (int threads : {2, 3, 4}) {
    const PlainObjectShapes more = FindPlainObjectShapes(s, threads);
    EXPECT_EQ(more.shape_of, one.shape_of) << threads;
    EXPECT_EQ(more.lists, one.lists) << threads;
    // The ranges cover the nodes in order, each starting where the plain
    // objects before it end.
    ASSERT_FALSE(more.ranges.empty());
    EXPECT_EQ(more.ranges.front().begin, 0u);
    EXPECT_EQ(more.ranges.back().end, s.node_count);
    for (size_t r = 1; r < more.ranges.size(); ++r) EXPECT_EQ(more.ranges[r].begin, more.ranges[r - 1].end);
  }
}

}  // namespace
}  // namespace oomkit::heap
