#include "heap/essential_edges.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "heap/test_support.h"
#include "heap/weakmap_edges.h"

namespace oomkit::heap {
namespace {

std::string PairName(int i, const std::string& key_class) {
  return std::to_string(i) + " / part of key (" + key_class + " @" + std::to_string(100 + 2 * i) +
         ") -> value (Object @" + std::to_string(101 + 2 * i) + ") pair in WeakMap (table @3)";
}

// The reader notes the strings that may name WeakMap edges as it parses
// them, and WeakMapNames parses only those: it must answer for every internal
// edge as parsing that edge's name would. Here with names in both halves of a
// strings section read in two halves (over 1 MB), one unescaped into the
// arena (a quote in the key's class), and a lookalike.
TEST(WeakMapNames, AnswersForEveryInternalEdgeAsParsingItsName) {
  const int fillers = 40000;  // ~1.3 MB of strings: the reader takes two halves
  std::vector<std::string> strings = {"", "global", "WeakMap", "Object"};
  std::vector<int> pair_names;  // string indexes
  auto add = [&](const std::string& s) {
    strings.push_back(s);
    return static_cast<int>(strings.size()) - 1;
  };
  pair_names.push_back(add(PairName(1, "Object")));
  pair_names.push_back(add(PairName(2, "K\\\"quoted\\\"")));  // escaped in the file
  const int lookalike = add("7 / part of key (Object @1) -> value ... not a pair)");
  for (int i = 0; i < fillers; ++i) {
    add("filler string number " + std::to_string(i) + " with some padding");
    if (i == fillers / 2 || i == fillers - 2) pair_names.push_back(add(PairName(3 + i % 7, "Object")));
  }
  pair_names.push_back(add(PairName(9, "Object")));
  // Nodes: root, global, table (id 3), and one holder per internal edge.
  const int edges_from_table = static_cast<int>(pair_names.size()) + 1;
  std::string nodes = "9,0,1,0,1, 3,1,2,8,2, 3,2,3,8," + std::to_string(edges_from_table);
  std::string edges = "5,0,5, 2,3,10, 2," + std::to_string(pair_names[0]) + ",10";  // root->global; global->table twice
  int node_count = 3, edge_count = 3;
  auto holder = [&] { nodes += ", 3,3," + std::to_string(1000 + node_count) + ",8,0"; return 5 * node_count++; };
  for (int name : pair_names) edges += ", 3," + std::to_string(name) + "," + std::to_string(holder()), ++edge_count;
  edges += ", 3," + std::to_string(lookalike) + "," + std::to_string(holder()), ++edge_count;
  std::string joined;
  for (size_t i = 0; i < strings.size(); ++i) joined += (i ? ",\n\"" : "\"") + strings[i] + "\"";
  auto snap = testing::ReadText(testing::GraphText(nodes, edges, joined, node_count, edge_count));
  ASSERT_TRUE(snap.ok()) << snap.error();
  Snapshot& s = snap.value();
  const WeakMapNames weakmaps(s);
  int pairs_found = 0;
  for (uint64_t e = 0; e < s.edge_count; ++e) {
    if (s.edge_type(e) != s.layout.internal) continue;
    const WeakMapEdgeName* found = weakmaps.Find(s.edge_name(e));
    const auto parsed = ParseWeakMapEdgeName(s.strings[s.edge_name(e)]);
    ASSERT_EQ(found != nullptr, parsed.has_value()) << "edge " << e << ": " << s.strings[s.edge_name(e)];
    if (!found) continue;
    EXPECT_EQ(found->table_id, parsed->table_id);
    EXPECT_EQ(found->duplicated_part, parsed->duplicated_part);
    EXPECT_EQ(found->table_id, 3u);
    ++pairs_found;
  }
  EXPECT_EQ(pairs_found, static_cast<int>(pair_names.size()));
  EXPECT_NE(s.strings[static_cast<uint32_t>(pair_names[1])].find("K\"quoted\""), std::string_view::npos);
}

}  // namespace
}  // namespace oomkit::heap
