#include "crash/crash_output.h"

#include <filesystem>

#include <gtest/gtest.h>

namespace oomkit::crash {
namespace {

std::string Shared(const std::string& rel) { return std::string(OOMKIT_SHARED_DIR) + "/samples/" + rel; }

CrashReport Read(const std::string& rel, int status = -1) {
  auto r = ReadCrashFile(Shared(rel), status);
  EXPECT_TRUE(r.ok()) << rel << ": " << r.error();
  return r.ok() ? r.value() : CrashReport{};
}

// Every crash output captured from real Node 16-26 is classified as the
// research notes describe how that process died.
TEST(CrashOutput, EverySampleOfEveryVersion) {
  struct Case {
    const char* file;
    const char* kind;
    const char* location;
  };
  const Case cases[] = {
      {"node16/leak.oom.stderr.txt", "v8-heap-oom", "Reached heap limit"},
      {"node18/leak.oom.stderr.txt", "v8-heap-oom", "Reached heap limit"},
      {"node20/leak.oom.stderr.txt", "v8-heap-oom", "Reached heap limit"},
      {"node22/leak.oom.stderr.txt", "v8-heap-oom", "Reached heap limit"},
      {"node24/leak.oom.stderr.txt", "v8-heap-oom", "Reached heap limit"},
      {"node26/leak.oom.stderr.txt", "v8-heap-oom", "Ineffective mark-compacts near heap limit"},
      {"node16/report-on-fatalerror.stderr.txt", "v8-heap-oom", "Reached heap limit"},
      {"node18/report-on-fatalerror.stderr.txt", "v8-heap-oom", "Reached heap limit"},
      {"node20/report-on-fatalerror.stderr.txt", "v8-heap-oom", "Reached heap limit"},
      {"node22/report-on-fatalerror.stderr.txt", "v8-heap-oom", "Reached heap limit"},
      {"node24/report-on-fatalerror.stderr.txt", "v8-heap-oom", "Reached heap limit"},
      {"node26/report-on-fatalerror.stderr.txt", "v8-heap-oom", "Ineffective mark-compacts near heap limit"},
      {"node20/report-on-fatalerror.full-run.stderr.txt", "v8-heap-oom", "Reached heap limit"},
      {"node20/thrash-ineffective.oom.stderr.txt", "v8-heap-oom", "Ineffective mark-compacts near heap limit"},
      {"node20/call-and-retry-last.stderr.txt", "v8-heap-oom", "CALL_AND_RETRY_LAST"},
      {"node20/oom-large-array.stderr.txt", "v8-heap-oom", "Reached heap limit"},
      {"node20/oom-sync-grow.stderr.txt", "v8-heap-oom", "Reached heap limit"},
      {"node20/heapsnapshot-near-heap-limit.stderr.txt", "v8-heap-oom", "Reached heap limit"},
      {"node20/heapsnapshot-near-heap-limit.debug.stderr.txt", "v8-heap-oom", "Reached heap limit"},
      {"node20/pid1.oom.stderr.txt", "v8-heap-oom-pid1", "Reached heap limit"},
      {"node20/invalid-size-error.stderr.txt", "invalid-size", ""},
      {"node20/process-oom-rlimit-as.stderr.txt", "native-oom", ""},
      {"node20/worker-oom-unhandled.stderr.txt", "worker-oom", ""},
      {"node20/worker-oom.parent.stdout.txt", "worker-oom", ""},
  };
  size_t stderr_files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(Shared("")))
    if (e.path().filename().string().ends_with(".stderr.txt")) ++stderr_files;
  EXPECT_EQ(stderr_files, std::size(cases) - 1) << "a new crash sample: classify it here";
  for (const Case& c : cases) {
    CrashReport r = Read(c.file);
    EXPECT_EQ(r.kind, c.kind) << c.file;
    EXPECT_EQ(r.location, c.location) << c.file;
    EXPECT_FALSE(r.next_steps.empty()) << c.file;
  }
}

TEST(CrashOutput, LastGcsStacksAndLimit) {
  CrashReport r = Read("node20/leak.oom.stderr.txt", 134);
  EXPECT_EQ(r.kind, "v8-heap-oom");
  EXPECT_EQ(r.signal, "SIGABRT");
  ASSERT_EQ(r.last_gcs.size(), 2u);
  EXPECT_EQ(r.last_gcs[1].collector, "Mark-Compact");
  EXPECT_TRUE(r.last_gcs[1].reduce);
  EXPECT_DOUBLE_EQ(r.last_gcs[1].start_mb, 63.7);
  EXPECT_NEAR(r.heap_limit_mb, 64, 2);  // --max-old-space-size=64
  EXPECT_GE(r.native_stack.size(), 10u);
  EXPECT_EQ(r.pid, 22830u);
  // Node 22 cuts every entry (pooled: makes them longer than 255): the
  // sizes at the start of each still count.
  CrashReport n22 = Read("node22/leak.oom.stderr.txt");
  EXPECT_GE(n22.last_gcs.size(), 1u);
  EXPECT_GE(n22.truncated_gc_entries, 1u);
  EXPECT_NEAR(n22.heap_limit_mb, 64, 2);
  // One huge allocation: the heap size says nothing about the limit.
  EXPECT_LT(Read("node20/oom-large-array.stderr.txt").heap_limit_mb, 0);
  CrashReport rep = Read("node20/report-on-fatalerror.stderr.txt");
  ASSERT_EQ(rep.report_files.size(), 1u);
  EXPECT_TRUE(rep.report_files[0].starts_with("report.")) << rep.report_files[0];
  EXPECT_EQ(Read("node20/heapsnapshot-near-heap-limit.stderr.txt").snapshot_files.size(), 2u);
}

TEST(CrashOutput, ExitStatusDecides) {
  EXPECT_EQ(ReadCrashOutput("", 137).kind, "kernel-oom-kill");
  EXPECT_EQ(ReadCrashOutput("", 137).signal, "SIGKILL");
  EXPECT_EQ(ReadCrashOutput("", -1).kind, "no-crash-found");
  EXPECT_EQ(ReadCrashOutput("Segmentation fault\n", 139).kind, "other-crash");
  EXPECT_EQ(Read("node20/leak.oom.stderr.txt", 139).kind, "v8-heap-oom-pid1");
  EXPECT_EQ(Read("node20/pid1.oom.stderr.txt", 139).kind, "v8-heap-oom-pid1");
  EXPECT_EQ(ReadCrashOutput("RangeError: Invalid string length\n    at x (a.js:1:1)\n", 1).kind, "js-memory-error");
}

}  // namespace
}  // namespace oomkit::crash
