#include "supervise/output_splitter.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace oomkit::supervise {
namespace {

struct Split {
  std::string passed, traced;
  std::vector<size_t> pass_sizes;
};

Split SplitInChunks(const std::string& input, size_t chunk) {
  Split s;
  OutputSplitter splitter([&](std::string_view b) { s.passed.append(b); s.pass_sizes.push_back(b.size()); },
                          [&](std::string_view l) { s.traced.append(l); });
  for (size_t at = 0; at < input.size(); at += chunk) splitter.Feed(std::string_view(input).substr(at, chunk));
  splitter.Finish();
  return s;
}

std::string ReadShared(const std::string& name) {
  std::ifstream in(std::string(OOMKIT_SHARED_DIR) + "/samples/" + name);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(OutputSplitter, RealNodeOutputSplitsAtEveryChunkSize) {
  // Real --trace-gc stdout of Node 20 and 26: V8's lines and the program's
  // own ("items=200000 heapUsed=43.7MB"), mixed with more application lines
  // that look almost like trace lines.
  std::string sample = ReadShared("node20/leak.trace-gc.stdout.txt") + ReadShared("node26/leak.trace-gc.stdout.txt");
  ASSERT_GT(sample.size(), 1000u);
  std::string gc, app, mixed;
  std::istringstream lines(sample);
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    mixed += line + "\n";
    (line.rfind("[", 0) == 0 ? gc : app) += line + "\n";
    std::string mine = n % 3 == 0 ? "[12:0xZZ] not a gc line\n" : n % 3 == 1 ? "progress 10%\rprogress 20%\r" : "{\"level\":\"info\"}\n";
    mixed += mine;
    app += mine;
  }
  ASSERT_GT(gc.size(), app.size());
  for (size_t chunk : {1u, 2u, 7u, 64u, 4096u, 1u << 20}) {
    Split s = SplitInChunks(mixed, chunk);
    EXPECT_EQ(s.passed, app) << "chunk " << chunk;
    EXPECT_EQ(s.traced, gc) << "chunk " << chunk;
  }
}

TEST(OutputSplitter, FindsATraceLineWrittenIntoTheMiddleOfAnApplicationLine) {
  // Seen on a pipe: the application's 64 KiB write was split by the kernel and
  // V8's line (one atomic write) went between the two pieces.
  std::string gc = "[10203:0x9520250]       35 ms: Scavenge 4.4 (4.5) -> 3.7 (5.5) MB, 0.77 / 0.00 ms  (average mu = 1.000, current mu = 1.000) task; \n";
  std::string app = "line 1486 yyyyyyyyyyyy\nline 1487 [1:0x1] 10 looks like a trace line\n[x] done\n";
  std::string mixed = app.substr(0, 17) + gc + app.substr(17, 26) + gc + app.substr(43);
  for (size_t chunk : {1u, 3u, 16u, 4096u}) {
    Split s = SplitInChunks(mixed, chunk);
    EXPECT_EQ(s.passed, app) << chunk;
    EXPECT_EQ(s.traced, gc + gc) << chunk;
  }
}

TEST(OutputSplitter, PassesPartialLinesOnAtOnceUnlessTheyMayBeTrace) {
  std::vector<std::string> passed;
  std::string traced;
  OutputSplitter s([&](std::string_view b) { passed.emplace_back(b); }, [&](std::string_view l) { traced.append(l); });
  s.Feed("Downloading 45%");
  ASSERT_EQ(passed.size(), 1u) << "a progress line is not held back";
  s.Feed("\r");
  size_t before = passed.size();
  s.Feed("[4211:0x5e");
  EXPECT_EQ(passed.size(), before) << "may be a trace line: held";
  s.Feed("d8a40]       12 ms: Scavenge 3.9 (4.2) -> 3.6 (5.2) MB, 0.71 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure; \n");
  EXPECT_EQ(passed.size(), before);
  EXPECT_NE(traced.find("Scavenge"), std::string::npos);
  s.Feed("[4211:0x5ed8a40] this is the app's own line\n");
  s.Finish();
  std::string all;
  for (const std::string& p : passed) all += p;
  EXPECT_EQ(all, "Downloading 45%\r[4211:0x5ed8a40] this is the app's own line\n") << "no pid is ours: not V8's";
}

TEST(OutputSplitter, AnUnknownTraceLineOfOurProcessIsKept) {
  std::string passed, traced;
  OutputSplitter s([&](std::string_view b) { passed.append(b); }, [&](std::string_view l) { traced.append(l); },
                   [](uint32_t pid) { return pid == 4211; });
  s.Feed("[4211:0x5ed8a40] Memory reducer: some line a future V8 prints\n[99:0x1] the app's\n");
  s.Finish();
  EXPECT_EQ(traced, "[4211:0x5ed8a40] Memory reducer: some line a future V8 prints\n");
  EXPECT_EQ(passed, "[99:0x1] the app's\n");
}

TEST(OutputSplitter, MayStartTraceLine) {
  EXPECT_TRUE(MayStartTraceLine(""));
  EXPECT_TRUE(MayStartTraceLine("[12"));
  EXPECT_TRUE(MayStartTraceLine("[12:0x"));
  EXPECT_TRUE(MayStartTraceLine("[12:0xab] rest"));
  EXPECT_FALSE(MayStartTraceLine("[:0x"));
  EXPECT_FALSE(MayStartTraceLine("[12:1x"));
  EXPECT_FALSE(MayStartTraceLine("hello"));
  EXPECT_FALSE(MayStartTraceLine("[12:0xz"));
}

}  // namespace
}  // namespace oomkit::supervise
