#include "diagnose/html_report.h"

#include <gtest/gtest.h>

#include "common/markup_escape.h"
#include "diagnose/junit.h"

namespace oomkit::diagnose {
namespace {

// A report as diagnose writes it, its strings taken from a heap: a class name,
// an edge name and a string value made of markup.
nlohmann::ordered_json HostileReport() {
  return nlohmann::ordered_json::parse(R"json({
    "mode": "diagnose", "command": ["node", "app.js"], "out_dir": "/tmp/x", "status": 1,
    "verdict": {"kind": "js-heap-leak", "headline": "the JS heap leaks: <b>x</b> objects pile up",
                "culprit": {"class": "<img src=x onerror=alert(1)>", "id": 7, "path": "… → Object .<script>alert(1)</script>",
                            "allocation_site": "f a.js:1:2 ('quoted')"},
                "growth_per_1000_requests": 1000, "growth_per_minute": 5000, "evidence": ["\"<svg onload=alert(1)>\""], "fix": "a & b"},
    "run": {"seconds": 12.5, "pid": 1, "exit_summary": "stopped", "exit_status": 143, "stopped_at": null, "tolerance": 0.05},
    "phases": [{"name": "load 1", "start": 1000, "end": 21000, "load": true, "target_rate": 500, "sent": 10, "completed": 10,
                "errors": 0, "dropped": 0, "latency_us": {"p50": 100, "p99": 200}}],
    "readings": [{"label": "baseline", "ts": 1000, "heap_used": 5000000}, {"label": "<i>final</i>", "ts": 21000, "heap_used": 9000000}],
    "snapshots": [{"label": "baseline", "ts": 1000}],
    "timeline": {"t": [1000, 11000, 21000], "heap_used": [5e6, 7e6, 9e6], "heap_total": [8e6, 9e6, 12e6], "rss": [5e7, 5e7, 6e7],
                 "external": [1e6, 1e6, 1e6], "array_buffers": [1e4, 1e4, 1e4]},
    "load_timeline": [{"ts": 2000, "completed": 500}],
    "gc_events": [{"ts": 1500, "kind": "scavenge", "pause_ms": 1.5, "before_mb": 5, "after_mb": 4}],
    "leaks": {"clusters": [{"classes": [{"name": "<img src=x onerror=alert(1)>", "count": 3}], "count": 3, "retained_size": 300,
                            "history": [{"count": 1}], "significant": true,
                            "path": [{"name": "Object", "edge": "<img src=x onerror=alert(1)>", "edge_type": "property"}, {"name": "\"<svg/onload=1>\""}]}]},
    "suspects": null, "diff": null, "profile": null, "files": {"snapshots": ["/tmp/<x>.heapsnapshot"]}, "warnings": ["<u>w</u>"]
  })json");
}

TEST(HtmlReport, EveryHeapStringIsText) {
  std::string html = RenderReportHtml(HostileReport());
  for (const char* markup : {"<img", "<script>", "<svg onload", "<svg/onload", "<b>x", "<i>final", "<u>w", "<x>"})
    EXPECT_EQ(html.find(markup), std::string::npos) << markup;
  EXPECT_NE(html.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_NE(html.find("a &amp; b"), std::string::npos);
  EXPECT_NE(html.find("(&apos;quoted&apos;)"), std::string::npos);
}

TEST(HtmlReport, SelfContainedWithTheCharts) {
  std::string html = RenderReportHtml(HostileReport());
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  for (const char* id : {"id='heap-chart'", "id='process-chart'", "id='gc-chart'", "id='verdict'"})
    EXPECT_NE(html.find(id), std::string::npos) << id;
}

TEST(EscapeMarkup, EntitiesAndWhatXmlCannotHold) {
  EXPECT_EQ(EscapeMarkup("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
  EXPECT_EQ(EscapeMarkup(std::string("a\x01" "b\n", 4)), "a\xEF\xBF\xBD" "b\n");
}

TEST(Junit, ALeakIsAFailureARunThatFailedAnError) {
  nlohmann::ordered_json r = HostileReport();
  std::string leak = JunitXml(r);
  EXPECT_NE(leak.find("<failure message=\"js-heap-leak: "), std::string::npos);
  EXPECT_NE(leak.find("type=\"js-heap-leak\""), std::string::npos);
  EXPECT_EQ(leak.find("<img"), std::string::npos);
  r["status"] = 0;
  EXPECT_EQ(JunitXml(r).find("<failure"), std::string::npos);
  r["status"] = 2;
  r["run"]["stopped_at"] = "start: did not answer";
  EXPECT_NE(JunitXml(r).find("<error message=\"start: did not answer\" type=\"run-failed\">"), std::string::npos);
}

}  // namespace
}  // namespace oomkit::diagnose
