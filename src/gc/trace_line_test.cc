#include "gc/trace_line.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace oomkit::gc {
namespace {

std::string Shared(const std::string& rel) { return std::string(OOMKIT_SHARED_DIR) + "/" + rel; }

// Every trace line V8 printed in the real runs of Node 16-26 parses; lines of
// the application and other tools are not trace lines.
TEST(TraceLine, EverySampleTraceLineParses) {
  size_t files = 0, trace_lines = 0, gc_lines = 0, other = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(Shared("samples"))) {
    std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || !name.ends_with(".stdout.txt")) continue;
    ++files;
    std::ifstream in(entry.path());
    std::string line;
    size_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      TraceLine t = ParseTraceLine(line);
      if (t.kind == LineKind::kNotTrace) {
        ++other;
        continue;
      }
      ++trace_lines;
      EXPECT_NE(t.kind, LineKind::kUnparsed) << entry.path() << ":" << number << ": " << line.substr(0, 200);
      if (t.kind == LineKind::kGc) ++gc_lines;
    }
  }
  EXPECT_GE(files, 20u);
  EXPECT_GE(trace_lines, 2500u);
  EXPECT_GE(gc_lines, 1000u);
  EXPECT_GT(other, 0u);
}

TEST(TraceLine, Node20MarkCompactFieldByField) {
  TraceLine t = ParseTraceLine(
      "[22830:0xc105cb0]      327 ms: Mark-Compact (reduce) 63.7 (93.9) -> 62.7 (68.2) MB, 16.76 / 0.00 ms  (+ 33.9 "
      "ms in 34 steps since start of marking, biggest step 9.7 ms, walltime since start of marking 53 ms) (average mu "
      "= 0.259, current mu = 0.187) finalize incremental marking via task; GC in old space requested");
  ASSERT_EQ(t.kind, LineKind::kGc);
  EXPECT_EQ(t.pid, 22830u);
  EXPECT_EQ(t.isolate, 0xc105cb0u);
  EXPECT_EQ(t.time_ms, 327);
  const GcEvent& e = t.event;
  EXPECT_EQ(e.collector, Collector::kMarkCompact);
  EXPECT_TRUE(e.reduce);
  EXPECT_TRUE(e.incremental);
  EXPECT_DOUBLE_EQ(e.start_object_mb, 63.7);
  EXPECT_DOUBLE_EQ(e.start_memory_mb, 93.9);
  EXPECT_DOUBLE_EQ(e.end_object_mb, 62.7);
  EXPECT_DOUBLE_EQ(e.end_memory_mb, 68.2);
  EXPECT_DOUBLE_EQ(e.pause_ms, 16.76);
  EXPECT_DOUBLE_EQ(e.avg_mu, 0.259);
  EXPECT_DOUBLE_EQ(e.current_mu, 0.187);
  EXPECT_EQ(e.reason, "finalize incremental marking via task");
  EXPECT_EQ(e.collector_reason, "GC in old space requested");
}

TEST(TraceLine, Node16ReasonsWithoutSeparator) {
  TraceLine t = ParseTraceLine(
      "[22806:0x135e68f0]      153 ms: Mark-sweep 40.2 (64.9) -> 35.1 (62.7) MB, 9.5 / 0.0 ms  (average mu = 0.801, "
      "current mu = 0.801) allocation failure scavenge might not succeed");
  ASSERT_EQ(t.kind, LineKind::kGc);
  EXPECT_EQ(t.event.collector, Collector::kMarkCompact);
  EXPECT_EQ(t.event.reason, "allocation failure");
  EXPECT_EQ(t.event.collector_reason, "scavenge might not succeed");
  TraceLine s = ParseTraceLine(
      "[22806:0x135e68f0]       27 ms: Scavenge 4.7 (5.0) -> 4.5 (6.0) MB, 1.2 / 0.0 ms  (average mu = 1.000, "
      "current mu = 1.000) allocation failure ");
  ASSERT_EQ(s.kind, LineKind::kGc);
  EXPECT_EQ(s.event.collector, Collector::kScavenge);
  EXPECT_EQ(s.event.reason, "allocation failure");
  EXPECT_EQ(s.event.collector_reason, "");
}

TEST(TraceLine, Node22PooledInterleavedAndNode26) {
  TraceLine t = ParseTraceLine(
      "[22884:0x25689000]       17 ms: Scavenge (interleaved) 4.4 (5.1) -> 4.2 (6.1) MB, pooled: 0 MB, 0.89 / 0.00 "
      "ms  (average mu = 1.000, current mu = 1.000) allocation failure; ");
  ASSERT_EQ(t.kind, LineKind::kGc);
  EXPECT_TRUE(t.event.interleaved);
  EXPECT_DOUBLE_EQ(t.event.pause_ms, 0.89);
  TraceLine u = ParseTraceLine(
      "[22908:0x434ba000]      300 ms: Incremental Mark-Compact 60.1 (80.6) -> 55.0 (82.6) MB, pooled: 0.0 MB, 5.28 "
      "/ 0.00 ms (+ 20.1 ms in 40 steps since start of marking, biggest step 1.2 ms, walltime since start of marking "
      "30 ms) (average mu = 0.500, current mu = 0.400) finalize incremental marking via task; GC in old space "
      "requested");
  ASSERT_EQ(u.kind, LineKind::kGc);
  EXPECT_EQ(u.event.collector, Collector::kMarkCompact);
  EXPECT_TRUE(u.event.incremental);
  EXPECT_DOUBLE_EQ(u.event.end_object_mb, 55.0);
}

TEST(TraceLine, NvpPairsAndJson) {
  TraceLine t = ParseTraceLine(
      "[25955:0x2f31c000:1]       37 ms: pause=1.3 mutator=0.3 gc=mc reduce_memory=1 interleaved=0 "
      "start_object_size=5006232 end_object_size=4764184 promoted=1048576 clear.join_filter_job=0.0clear.join_job=0.1");
  ASSERT_EQ(t.kind, LineKind::kGc);
  EXPECT_EQ(t.isolate_id, 1);
  EXPECT_EQ(t.event.collector, Collector::kMarkCompact);
  EXPECT_TRUE(t.event.reduce);
  EXPECT_DOUBLE_EQ(t.event.pause_ms, 1.3);
  EXPECT_NEAR(t.event.start_object_mb, 5006232 / 1048576.0, 1e-9);
  EXPECT_DOUBLE_EQ(t.event.promoted_mb, 1.0);
  TraceLine j = ParseTraceLine(
      R"([25967:0x22689000:0]       29 ms: GC: {"pause":2.39,"mutator":21.476,"gc":"s","reduce_memory":false,)"
      R"("reason":"allocation failure","collector_reason":"","start_object_size":5006232,"end_object_size":4764184})");
  ASSERT_EQ(j.kind, LineKind::kGc);
  EXPECT_EQ(j.event.collector, Collector::kScavenge);
  EXPECT_EQ(j.event.reason, "allocation failure");
  EXPECT_DOUBLE_EQ(j.event.pause_ms, 2.39);
}

TEST(TraceLine, VerboseAndNotTrace) {
  EXPECT_EQ(ParseTraceLine("[25747:0x36ebd000] External memory reported:                    32902 KB").kind,
            LineKind::kExternal);
  TraceLine b = ParseTraceLine("[25747:0x36ebd000] Backing store memory:                        34576 KB");
  EXPECT_EQ(b.kind, LineKind::kBackingStore);
  EXPECT_EQ(b.value_kb, 34576);
  EXPECT_EQ(ParseTraceLine("[25747:0x36ebd000] Old space,                  used:   2897 KB, available:*      81 KB, "
                           "committed:   3072 KB")
                .kind,
            LineKind::kSpace);
  EXPECT_EQ(ParseTraceLine("buffers=20 heapUsed=4.0MB external=21.6MB").kind, LineKind::kNotTrace);
  EXPECT_EQ(ParseTraceLine("[INFO] server listening").kind, LineKind::kNotTrace);
  EXPECT_EQ(ParseTraceLine("[123:0xabc]     12 ms: Mark-Compact garbage").kind, LineKind::kUnparsed);
  EXPECT_EQ(ParseTraceLine(std::string(1 << 20, '[')).kind, LineKind::kNotTrace);
  // The heap limit as Node 22 writes it, and that line mangled past what any
  // heap could be (a fuzzer's find, once undefined behaviour): noise, no limit.
  TraceLine limit = ParseTraceLine("[25665:0x2b364000]      116 ms: [HeapController] Limit: old size: 3672 KB, new limit: 12888 KB (1.1)");
  EXPECT_EQ(limit.kind, LineKind::kHeapLimit);
  EXPECT_EQ(limit.value_kb, 12888);
  TraceLine huge = ParseTraceLine("[25665:0x2b364000]      116 ms: [HeapController] Limit: old size: 3672 KB, new limit: "
                                  "13333333333333333333333333333333333333333333333333333333217 KB (1.1)");
  EXPECT_EQ(huge.kind, LineKind::kVerboseOther);
  EXPECT_EQ(ParseTraceLine("[25665:0x2b364000] External memory reported:  99999999999999999999 KB").kind, LineKind::kUnparsed);
}

// Lines Node 20 wrote under oomkit diagnose: the probe's gc(), a heap
// snapshot, the sampling profile's fetch, and the application's own GCs.
TEST(TraceLine, GcsRequestedByToolsAreToldFromTheApplications) {
  auto requested = [](std::string_view line) {
    TraceLine t = ParseTraceLine(line);
    EXPECT_EQ(t.kind, LineKind::kGc) << line;
    return RequestedByTooling(t.event);
  };
  EXPECT_TRUE(requested("[2486:0x3a544590]     3063 ms: Mark-Compact 4.6 (9.0) -> 4.2 (9.0) MB, 3.90 / 0.02 ms  (average mu = 0.912, "
                        "current mu = 0.912) testing; GC in old space requested"));
  EXPECT_TRUE(requested("[2486:0x3a544590]     3074 ms: Mark-Compact (reduce) 4.3 (9.0) -> 4.1 (5.7) MB, 5.42 / 0.02 ms  (average mu = "
                        "0.700, current mu = 0.257) heap profiler; GC in old space requested"));
  EXPECT_TRUE(requested("[2486:0x3a544590]     3018 ms: Mark-Compact 5.5 (9.2) -> 4.0 (8.7) MB, 5.03 / 0.02 ms  (average mu = 1.000, "
                        "current mu = 1.000) sampling profiler; GC in old space requested"));
  EXPECT_FALSE(requested("[10624:0x11ea85b0]    12266 ms: Scavenge 18.4 (39.7) -> 7.9 (39.7) MB, 9.39 / 0.24 ms  (average mu = 0.988, "
                         "current mu = 0.969) task; "));
  EXPECT_FALSE(requested("[10624:0x11ea85b0]      884 ms: Mark-Compact 15.9 (28.7) -> 4.0 (43.5) MB, 2.12 / 0.07 ms  (+ 2.6 ms in 28 steps "
                         "since start of marking, biggest step 0.1 ms, walltime since start of marking 6 ms) (average mu = 0.991, "
                         "current mu = 0.991) finalize incremental marking via task; GC in old space requested"));
}

TEST(TraceLine, FindsRunTogetherEntries) {
  std::string block =
      "me[22830:0xc105cb0]      265 ms: Mark-Compact 61.1 (83.4) -> 57.5 (93.9) MB, finalize increme[22830:0xc105cb0]"
      "      327 ms: Mark-Compact (reduce)";
  EXPECT_EQ(FindTracePrefix(block, 0), 2u);
  EXPECT_EQ(FindTracePrefix(block, 3), block.find("[22830", 3));
  EXPECT_EQ(FindTracePrefix("[note] [1:2]", 0), std::string_view::npos);
}

}  // namespace
}  // namespace oomkit::gc
