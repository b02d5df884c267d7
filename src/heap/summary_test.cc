#include "heap/summary.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "heap/test_support.h"

namespace oomkit::heap {
namespace {

struct Expected {
  const char* file;
  uint32_t nodes;
  uint64_t edges;
  Statistics stats;
};

// Values from ../shared/fixtures/README.md: the upstream getStatistics()
// assertions of heap-snapshot-toolkit, and node/edge counts from DevTools.
TEST(Summary, ToolkitFixturesStatistics) {
  Statistics s1{.total = 352312, .native = 11568, .typed_arrays = 0, .v8heap = 340744, .code = 20840,
                .strings = 5156, .js_arrays = 512, .system = 140576};
  Statistics s2{.total = 353421, .native = 11568, .typed_arrays = 0, .v8heap = 341853, .code = 21204,
                .strings = 5501, .js_arrays = 512, .system = 140560};
  for (const Expected& e : {Expected{"fixtures/heap-snapshot-toolkit-snapshot1.heapsnapshot.gz", 16929, 63858, s1},
                            Expected{"fixtures/heap-snapshot-toolkit-snapshot2.heapsnapshot.gz", 16963, 63970, s2}}) {
    auto snap = testing::ReadFile(testing::SharedPath(e.file));
    ASSERT_TRUE(snap.ok()) << snap.error();
    EXPECT_EQ(snap.value().node_count, e.nodes);
    EXPECT_EQ(snap.value().edge_count, e.edges);
    Analysis a = Analyze(&snap.value(), {});
    const Statistics& st = a.statistics;
    EXPECT_EQ(st.total, e.stats.total) << e.file;
    EXPECT_EQ(st.native, e.stats.native) << e.file;
    EXPECT_EQ(st.typed_arrays, e.stats.typed_arrays) << e.file;
    EXPECT_EQ(st.v8heap, e.stats.v8heap) << e.file;
    EXPECT_EQ(st.code, e.stats.code) << e.file;
    EXPECT_EQ(st.strings, e.stats.strings) << e.file;
    EXPECT_EQ(st.js_arrays, e.stats.js_arrays) << e.file;
    EXPECT_EQ(st.system, e.stats.system) << e.file;
  }
}

// The README's Summary rows for snapshot1, computed with DevTools' code:
// (system) first by retained size, and a plain-object interface row.
TEST(Summary, ToolkitFixtureRows) {
  auto snap = testing::ReadFile(testing::SharedPath("fixtures/heap-snapshot-toolkit-snapshot1.heapsnapshot.gz"));
  ASSERT_TRUE(snap.ok()) << snap.error();
  Analysis a = Analyze(&snap.value(), {});
  auto rows = SummarizeClasses(snap.value(), a, 2);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0].name, "(system)");
  EXPECT_EQ(rows[0].count, 2136u);
  EXPECT_EQ(rows[0].self_size, 140576u);
  EXPECT_EQ(rows[0].retained_size, 187564u);
  EXPECT_EQ(rows[0].distance, 2);
  bool found = false;
  for (const auto& r : rows) {
    if (!r.name.starts_with("{constructor, toString, toDateString")) continue;
    found = true;
    EXPECT_EQ(r.count, 2u);
    EXPECT_EQ(r.self_size, 432u);
    EXPECT_EQ(r.retained_size, 4328u);
  }
  EXPECT_TRUE(found) << "no {constructor, toString, toDateString, ...} row";
}

// Output must not depend on the number of threads (1, 2 or 3), nor on the ids
// and the edge words being freed before the dominators, as the Summary has
// them (what reads the edge words after that point reads freed memory).
TEST(Summary, SameRowsWhateverTheThreadCount) {
  std::vector<std::vector<std::tuple<std::string, uint64_t, uint64_t, uint64_t, int32_t>>> results;
  // Every node's class id and key: the ids, numbered by range and joined,
  // must be those one thread gives.
  std::vector<std::vector<std::tuple<uint32_t, std::string, bool, uint32_t, uint32_t, uint32_t>>> classes;
  std::vector<std::vector<int32_t>> distances;
  std::vector<std::vector<uint64_t>> statistics;
  for (int threads : {1, 2, 3, 4}) {
    auto snap = testing::ReadFile(testing::SharedPath("fixtures/heap-snapshot-toolkit-snapshot2.heapsnapshot.gz"),
                                  false, std::min(threads, 3));
    ASSERT_TRUE(snap.ok()) << snap.error();
    AnalysisOptions o;
    o.threads = std::min(threads, 3);
    o.release_ids = threads == 4;  // what the Summary asks: the ids go before the dominators,
    o.release_edge_words = threads == 4;  // and the edges' types and names
    Analysis a = Analyze(&snap.value(), o);
    EXPECT_EQ(snap.value().edge_word.empty(), threads == 4);
    distances.emplace_back(a.distance.begin(), a.distance.end());
    const Statistics& st = a.statistics;
    statistics.push_back({st.total, st.native, st.typed_arrays, st.code, st.strings, st.js_arrays, st.system});
    auto rows = SummarizeClasses(snap.value(), a, threads);
    results.emplace_back();
    for (const auto& r : rows)
      results.back().emplace_back(std::string(r.name), r.count, r.self_size, r.retained_size, r.distance);
    classes.emplace_back();
    for (uint32_t n = 0; n < snap.value().node_count; ++n) {
      const ClassKey& k = a.classes[a.class_of[n]];
      classes.back().emplace_back(a.class_of[n], std::string(snap.value().strings[k.name]), k.has_location,
                                  k.script_id, k.line, k.column);
    }
  }
  EXPECT_EQ(results[0], results[1]);
  EXPECT_EQ(results[0], results[2]);
  EXPECT_EQ(results[0], results[3]);
  ASSERT_GT(classes[0].size(), 0u);
  EXPECT_TRUE(std::any_of(classes[0].begin(), classes[0].end(), [](const auto& c) { return std::get<2>(c); }))
      << "the fixture should have objects with a constructor location";
  EXPECT_EQ(classes[0], classes[1]);
  EXPECT_EQ(classes[0], classes[2]);
  EXPECT_EQ(classes[0], classes[3]);
  for (size_t i = 1; i < distances.size(); ++i) {
    EXPECT_EQ(distances[0], distances[i]) << i;
    EXPECT_EQ(statistics[0], statistics[i]) << i;
  }
}

// Objects with a constructor location are split by it: three Foo objects at
// three places are three rows. An object listed twice takes its last
// location (DevTools keys a map by node); the list need not be in node order.
TEST(Summary, ClassesSplitByLocationTheLastOneWins) {
  const std::string text =
      R"({"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count","detachedness"],)"
      R"("node_types":[["hidden","array","string","object","code","closure","regexp","number","native",)"
      R"("synthetic","concatenated string","sliced string","symbol","bigint","object shape"],)"
      R"("string","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],)"
      R"("edge_types":[["context","element","property","internal","hidden","shortcut","weak"],)"
      R"("string_or_number","node"],"location_fields":["object_index","script_id","line","column"]},)"
      R"("node_count":4,"edge_count":3},)"
      R"("nodes":[9,0,1,0,3,0, 3,1,3,10,0,0, 3,1,5,20,0,0, 3,1,7,30,0,0],)"
      R"("edges":[2,2,6, 2,3,12, 2,4,18],)"
      R"("locations":[18,1,10,2, 6,1,5,0, 12,1,5,0, 6,2,7,7],)"
      R"("strings":["", "Foo", "a", "b", "c"]})";
  auto snap = testing::ReadText(text);
  ASSERT_TRUE(snap.ok()) << snap.error();
  Analysis a = Analyze(&snap.value(), {});
  auto rows = SummarizeClasses(snap.value(), a, 2);
  int foo_rows = 0;
  for (const auto& r : rows)
    if (r.name == "Foo") {
      ++foo_rows;
      EXPECT_EQ(r.count, 1u);
    }
  EXPECT_EQ(foo_rows, 3);
  const ClassKey& first = a.classes[a.class_of[1]];
  EXPECT_TRUE(first.has_location);
  EXPECT_EQ(first.script_id, 2u);
  EXPECT_EQ(first.line, 7u);
  EXPECT_EQ(first.column, 7u);
  EXPECT_EQ(a.classes[a.class_of[2]].line, 5u);
  EXPECT_EQ(a.classes[a.class_of[3]].line, 10u);
}

}  // namespace
}  // namespace oomkit::heap
