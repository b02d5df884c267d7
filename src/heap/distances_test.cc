#include "heap/distances.h"

#include <gtest/gtest.h>

#include "heap/analysis.h"
#include "heap/test_support.h"

namespace oomkit::heap {
namespace {

// Regression: the root pointing twice at the same user root put it in the
// breadth-first queue twice; with every node reached (the root too, through
// a back edge) that overflowed a queue of one slot per node.
TEST(Distances, RootPointingTwiceAtOneUserRoot) {
  auto snap = testing::ReadText(testing::GraphText("9,0,1,0,2, 3,1,3,10,2, 2,2,5,4,0", "5,3,5, 1,1,5, 2,4,10, 3,3,0",
                                      R"("", "global", "hi", "g", "x")", 3, 4));
  ASSERT_TRUE(snap.ok()) << snap.error();
  Analysis a = Analyze(&snap.value(), {});
  EXPECT_EQ(a.distance[0], kBaseSystemDistance);
  EXPECT_EQ(a.distance[1], 1);
  EXPECT_EQ(a.distance[2], 2);
}

// A WeakMap value is as far as the farther of its key and its table.
TEST(Distances, WeakMapValueTakesTheLongerPath) {
  // root -> global; global -(map)-> table; global -(k)-> holder -(key)-> key;
  // table and key both point at the value with the pair's internal edges.
  const std::string pair = "1 / part of key (Object @9) -> value (Object @11) pair in WeakMap (table @5)";
  const std::string text = testing::GraphText(
      // root, global, table, holder, key, value (5 fields per node)
      "9,0,1,0,1, 3,1,3,8,2, 3,2,5,8,1, 3,3,7,8,1, 3,3,9,8,1, 3,3,11,8,0",
      // root->global; global->table, global->holder; table->value; holder->key; key->value
      "5,0,5, 2,4,10, 2,5,15, 3,6,25, 2,7,20, 3,6,25",
      R"("", "global", "WeakMap", "Object", "map", "h", ")" + pair + R"(", "k")", 6, 6);
  // The table is known by its id in the pair's name: the same with the ids
  // freed once the retaining edges are known, as the Summary does.
  for (bool release_ids : {false, true}) {
    auto snap = testing::ReadText(text);
    ASSERT_TRUE(snap.ok()) << snap.error();
    AnalysisOptions o;
    o.release_ids = release_ids;
    Analysis a = Analyze(&snap.value(), o);
    EXPECT_EQ(a.distance[2], 2);  // table
    EXPECT_EQ(a.distance[4], 3);  // key, via holder
    EXPECT_EQ(a.distance[5], 4);  // value: max(table + 1, key + 1)
    // And the table's edge does not retain: the value is dominated by the key.
    EXPECT_EQ(a.tree.dominator[5], 4u) << (release_ids ? "ids released" : "ids kept");
  }
}

// 1,024 chains of 1,100 objects under the global: every object at its place
// in its chain. The queue hands back the pages behind its head (2 MB, 512 K
// nodes) as the search goes, here twice, with the whole frontier (1,024
// nodes that still have edges to follow) just ahead of the head each time.
TEST(Distances, LongChainsEveryNodeAtItsPlace) {
  const uint32_t chains = 1024, length = 1100, objects = chains * length;
  std::string nodes = "9,0,1,0,1, 3,1,3,8," + std::to_string(chains), edges = "5,0,5";
  for (uint32_t c = 0; c < chains; ++c) edges += ",2,2," + std::to_string(5 * (2 + c * length));
  for (uint32_t i = 0; i < objects; ++i) {
    const bool last = i % length == length - 1;
    nodes += ",3,2," + std::to_string(2 * i + 5) + ",8," + (last ? "0" : "1");
    if (!last) edges += ",2,2," + std::to_string(5 * (i + 3));
  }
  auto snap = testing::ReadText(testing::GraphText(nodes, edges, R"("", "global", "x")", objects + 2, objects + 1));
  ASSERT_TRUE(snap.ok()) << snap.error();
  Analysis a = Analyze(&snap.value(), {});
  ASSERT_EQ(a.distance[1], 1);
  for (uint32_t i = 0; i < objects; ++i)
    ASSERT_EQ(a.distance[i + 2], static_cast<int32_t>(i % length) + 2) << "object " << i;
}

}  // namespace
}  // namespace oomkit::heap
