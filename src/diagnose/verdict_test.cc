#include "diagnose/verdict.h"

#include <gtest/gtest.h>

namespace oomkit::diagnose {
namespace {

constexpr uint64_t kMB = 1000000;

Reading At(double heap_mb, double external_mb, int64_t t_ms) {
  Reading r;
  r.present = true;
  r.heap_used = static_cast<uint64_t>(heap_mb * kMB);
  r.external = static_cast<uint64_t>(external_mb * kMB);
  r.t_ms = t_ms;
  return r;
}

VerdictInput Phases(double b, double t, double f, double eb = 2, double et = 2, double ef = 2) {
  VerdictInput in;
  in.baseline = At(b, eb, 0);
  in.target = At(t, et, 20000);
  in.final_ = At(f, ef, 40000);
  in.requests_1 = in.requests_2 = 10000;
  return in;
}

TEST(Verdict, GrowthInBothPhasesIsAJsHeapLeakWithItsRatePerThousandRequests) {
  Verdict v = Decide(Phases(10, 20, 30));
  EXPECT_EQ(v.kind, "js-heap-leak");
  EXPECT_NEAR(v.growth_per_1000_requests, 20.0 * kMB / 20000 * 1000, 1);
  EXPECT_NEAR(v.growth_per_minute, 20.0 * kMB / (40.0 / 60), 1);
}

TEST(Verdict, GrowthInTheFirstPhaseOnlyIsBounded) {
  EXPECT_EQ(Decide(Phases(10, 20, 20.5)).kind, "bounded-high-usage");
  // A cache that fills during the second phase adds less there than in the first.
  EXPECT_EQ(Decide(Phases(10, 20, 12.5)).kind, "bounded-high-usage");
  EXPECT_EQ(Decide(Phases(10, 20, 23.5)).kind, "js-heap-leak");
}

TEST(Verdict, ExternalGrowthFarOverTheHeapsIsAnExternalLeak) {
  Verdict v = Decide(Phases(10, 11, 12, 10, 90, 170));
  EXPECT_EQ(v.kind, "external-memory-leak");
  EXPECT_NEAR(v.growth_per_1000_requests, 160.0 * kMB / 20000 * 1000, 1);
  // Buffers that grow along with a heap leak of the same size: the heap is the leak.
  EXPECT_EQ(Decide(Phases(10, 30, 50, 10, 30, 50)).kind, "js-heap-leak");
}

TEST(Verdict, GrowthUnderTheNoiseCountsAsNone) {
  // 1 MiB is the least growth that counts, and the tolerance of the baseline above that.
  EXPECT_EQ(Decide(Phases(10, 10.9, 11.8)).kind, "healthy");
  VerdictInput big = Phases(200, 208, 216);  // 4 % of 200 MB a phase: under 5 %
  EXPECT_EQ(Decide(big).kind, "healthy");
  big.tolerance = 0.02;
  EXPECT_EQ(Decide(big).kind, "js-heap-leak");
}

TEST(Verdict, ChurnIsGcsShareOfTheJsThreadsBusyTimeBeforeAnySnapshot) {
  VerdictInput in = Phases(10, 10.2, 10.1);
  // A quarter of the wall time on the JS thread, GC 16 % of that: 4 % of the
  // wall time, and still churn.
  in.warmup.cpu_ms = 750;
  in.warmup.gc_ms = 120;
  in.load.cpu_ms = 10000;
  in.load.gc_ms = 4000;  // after the snapshots: inflated, and not what decides
  Verdict v = Decide(in);
  EXPECT_EQ(v.kind, "gc-churn-no-leak");
  EXPECT_NE(v.evidence.back().find("16.0 % of the JS thread's busy time in the warm-up (120 ms of 750 ms;"), std::string::npos)
      << v.evidence.back();
  in.warmup.gc_ms = 60;
  EXPECT_EQ(Decide(in).kind, "healthy");
  // A pause is wall time. On a busy machine it holds the thread's wait for a
  // CPU, which the base then counts too: the same 12 % of CPU time is 6 % of
  // the time the thread was busy.
  in.warmup.gc_ms = 90;
  EXPECT_EQ(Decide(in).kind, "gc-churn-no-leak");
  in.warmup.waiting_ms = 750;
  v = Decide(in);
  EXPECT_EQ(v.kind, "healthy");
  EXPECT_NE(v.evidence.back().find("6.0 % of the JS thread's busy time in the warm-up (90 ms of 1500 ms: 750 on a CPU, 750 ready but "
                                   "waiting for one"),
            std::string::npos)
      << v.evidence.back();
  in.warmup.waiting_ms = 0;
  in.warmup.gc_ms = 60;
  // Without a warm-up to count (a few ticks), the load phases decide, and the text says they overstate it.
  in.warmup.cpu_ms = 100;
  v = Decide(in);
  EXPECT_EQ(v.kind, "gc-churn-no-leak");
  EXPECT_NE(v.evidence.back().find("an overstatement"), std::string::npos);
  in.load.cpu_ms = -1;
  EXPECT_EQ(Decide(in).kind, "healthy");
}

TEST(Verdict, AnAppThatFellBehindTheRateIsSaidSoWithoutChangingTheKind) {
  auto behind = [](const Verdict& v) {
    for (const std::string& e : v.evidence)
      if (e.starts_with("the app did not keep up")) return e;
    return std::string();
  };
  VerdictInput in = Phases(10, 10.2, 10.1);
  in.target_rate = 2000;
  in.worst_p50_us = 900000;
  EXPECT_EQ(behind(Decide(in)), "");
  in.dropped = 1019;
  EXPECT_EQ(Decide(in).kind, "healthy");
  EXPECT_NE(behind(Decide(in)).find("2,000 req/s: 1,019 requests dropped, median latency 0.9 s"), std::string::npos) << behind(Decide(in));
  in.dropped = 0;
  in.worst_p50_us = 4800000;  // queued, not dropped
  EXPECT_NE(behind(Decide(in)).find("median latency 4.8 s"), std::string::npos);
}

TEST(Verdict, AHeapNearItsLimitIsHighUsage) {
  VerdictInput in = Phases(50, 50.2, 50.1);
  in.old_space_limit = 64 * 1048576;
  EXPECT_EQ(Decide(in).kind, "bounded-high-usage");
}

TEST(Verdict, AnOomBeforeTheMeasurementsIsALeak) {
  VerdictInput in;
  in.died = true;
  in.exit_kind = "v8-heap-oom";
  in.exit_summary = "V8 ran out of heap";
  Verdict v = Decide(in);
  EXPECT_EQ(v.kind, "js-heap-leak");
  ASSERT_FALSE(v.evidence.empty());
  EXPECT_NE(v.evidence[0].find("died before the last measurement"), std::string::npos);
}

TEST(Verdict, TheCulpritIsTheLargestSurvivingClusterWithTheFixOfTheSuspectOnItsPath) {
  VerdictInput in = Phases(10, 20, 30);
  in.leaks = nlohmann::ordered_json::parse(R"json({"clusters": [
    {"significant": false, "classes": [{"name": "Noise", "count": 5}], "path": [], "history": []},
    {"significant": true, "count": 10000, "retained_size": 4300000, "grew_every_step": true,
     "classes": [{"name": "RequestContext", "count": 10000}],
     "history": [{"count": 10000}, {"count": 20000}],
     "path": [{"id": 1, "name": "(GC roots)", "edge": "7", "edge_type": "element"},
              {"id": 6157, "name": "system / Context", "edge": "sessionCache", "edge_type": "context"},
              {"id": 82989, "name": "Map", "edge": "table", "edge_type": "internal"},
              {"id": 90000, "name": "(array)", "edge": "48893", "edge_type": "internal"},
              {"id": 244733, "name": "RequestContext"}]}]})json");
  in.suspects = nlohmann::ordered_json::parse(R"json({"suspects": [
    {"kind": "class-share", "id": 5, "fix": "", "what": "a class", "why": "big"},
    {"kind": "collection", "id": 82989, "class": "Map", "fix": "bound it", "what": "Map @82989 with 21,501 entries", "why": "large"}]})json");
  in.profile = nlohmann::ordered_json::parse(R"json({"sites": [
    {"function": "set", "url": "", "line": 0, "column": 0, "self_size": 900000},
    {"function": "emit", "url": "node:events", "line": 1, "column": 1, "self_size": 800000},
    {"function": "handle", "url": "/srv/app.js", "line": 45, "column": 15, "self_size": 600000}]})json");
  Verdict v = Decide(in);
  EXPECT_EQ(v.culprit_class, "RequestContext");
  EXPECT_EQ(v.culprit_id, 244733u);
  EXPECT_EQ(v.culprit_path, "… → system / Context .sessionCache → Map .table → (array) [48893] → RequestContext");
  EXPECT_EQ(v.culprit_full_path,
            "(GC roots) [7] → system / Context .sessionCache → Map .table → (array) [48893] → RequestContext");
  EXPECT_EQ(v.fix, "bound it");
  EXPECT_EQ(v.allocation_site.rfind("handle /srv/app.js:45:15", 0), 0u) << v.allocation_site;
}

TEST(Verdict, JsonHasTheFieldsToolsRead) {
  nlohmann::ordered_json j = VerdictJson(Decide(Phases(10, 20, 30)));
  for (const char* k : {"kind", "culprit", "growth_per_1000_requests", "evidence", "fix"}) EXPECT_TRUE(j.contains(k)) << k;
  for (const char* k : {"class", "path", "allocation_site"}) EXPECT_TRUE(j["culprit"].contains(k)) << k;
  EXPECT_EQ(VerdictJson(Decide(Phases(10, 10, 10)))["growth_per_1000_requests"], nullptr);
}

}  // namespace
}  // namespace oomkit::diagnose
