#include "report/node_report.h"

#include <filesystem>

#include <gtest/gtest.h>

namespace oomkit::report {
namespace {

std::string Shared(const std::string& rel) { return std::string(OOMKIT_SHARED_DIR) + "/samples/" + rel; }

TEST(NodeReport, EveryReportSampleOfEveryVersion) {
  size_t seen = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(Shared(""))) {
    std::string name = e.path().filename().string();
    if (!name.starts_with("report") || !name.ends_with(".json")) continue;
    ++seen;
    auto r = ReadNodeReportFile(e.path().string());
    ASSERT_TRUE(r.ok()) << e.path() << ": " << r.error();
    const NodeReport& n = r.value();
    EXPECT_GE(n.version, 2) << e.path();
    EXPECT_GT(n.heap_limit, 0u) << e.path();
    EXPECT_GT(n.heap_used, 0u) << e.path();
    EXPECT_FALSE(n.spaces.empty()) << e.path();
    EXPECT_FALSE(n.findings.empty()) << e.path();
    std::string kind = name == "report-on-fatalerror.json" ? "oom"
                       : name == "report-signal.json"      ? "signal"
                       : name == "report-exception.json"   ? "exception"
                                                           : "api";
    EXPECT_EQ(n.kind, kind) << e.path();
    if (kind == "oom") {
      EXPECT_EQ(n.event, "Allocation failed - JavaScript heap out of memory");
      EXPECT_TRUE(n.findings.front().starts_with("V8 ran out of heap") || n.findings.size() > 1) << e.path();
    }
  }
  EXPECT_GE(seen, 9u);
}

TEST(NodeReport, Node20OomFigures) {
  auto r = ReadNodeReportFile(Shared("node20/report-on-fatalerror.json"));
  ASSERT_TRUE(r.ok());
  const NodeReport& n = r.value();
  EXPECT_EQ(n.version, 4);
  EXPECT_EQ(n.node_version, "v20.20.2");
  EXPECT_EQ(n.heap_limit, 117440512u);  // 64 MiB old space + young generation
  EXPECT_EQ(n.heap_used, 67886672u);
  EXPECT_EQ(n.rss, 121262080u);
  EXPECT_EQ(n.container_limit, 0u);  // 2^64-1: no limit
  EXPECT_EQ(n.max_old_space_flag, "--max-old-space-size=64");
  EXPECT_EQ(n.total_memory, 25276530688u);
}

TEST(NodeReport, ContainerLimitBelowHeapLimit) {
  std::string r = R"({"header":{"reportVersion":5,"trigger":"API","nodejsVersion":"v22.0.0"},
    "javascriptHeap":{"memoryLimit":4345298944,"usedMemory":1000000,"totalMemory":2000000,"externalMemory":0,"heapSpaces":{}},
    "resourceUsage":{"rss":50000000,"total_memory":25276530688,"constrained_memory":1073741824}})";
  auto n = ReadNodeReport(r);
  ASSERT_TRUE(n.ok()) << n.error();
  EXPECT_EQ(n.value().container_limit, 1073741824u);
  EXPECT_NE(n.value().findings.front().find("kernel kills the process"), std::string::npos) << n.value().findings.front();
}

TEST(NodeReport, BadInput) {
  EXPECT_FALSE(ReadNodeReport("").ok());
  auto cut = ReadNodeReport(R"({"header":{"reportVersion":4},"javascriptHeap":{"usedMem)");
  ASSERT_FALSE(cut.ok());
  EXPECT_TRUE(cut.error().starts_with("byte ")) << cut.error();
  EXPECT_FALSE(ReadNodeReport(R"({"traceEvents":[]})").ok());
  // Found by the fuzzer: a number out of range.
  EXPECT_FALSE(ReadNodeReport(R"({"header":{"reportVersion":42E680},"javascriptHeap":{}})").ok());
  auto future = ReadNodeReport(R"({"header":{"reportVersion":9,"trigger":"API"},"javascriptHeap":{"memoryLimit":1,"usedMemory":1},"newSection":{}})");
  ASSERT_TRUE(future.ok());
  EXPECT_EQ(future.value().warnings.size(), 1u);
}

}  // namespace
}  // namespace oomkit::report
