#include "heap/summary.h"

#include <gtest/gtest.h>

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

// Output must not depend on the number of threads.
TEST(Summary, SameRowsWhateverTheThreadCount) {
  std::vector<std::vector<std::tuple<std::string, uint64_t, uint64_t, uint64_t, int32_t>>> results;
  for (int threads : {1, 2, 3}) {
    auto snap = testing::ReadFile(testing::SharedPath("fixtures/heap-snapshot-toolkit-snapshot2.heapsnapshot.gz"),
                                  false, threads);
    ASSERT_TRUE(snap.ok()) << snap.error();
    AnalysisOptions o;
    o.threads = threads;
    Analysis a = Analyze(&snap.value(), o);
    auto rows = SummarizeClasses(snap.value(), a, threads);
    results.emplace_back();
    for (const auto& r : rows)
      results.back().emplace_back(std::string(r.name), r.count, r.self_size, r.retained_size, r.distance);
  }
  EXPECT_EQ(results[0], results[1]);
  EXPECT_EQ(results[0], results[2]);
}

}  // namespace
}  // namespace oomkit::heap
