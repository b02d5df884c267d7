#include "diagnose/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <vector>

#include "common/format.h"
#include "common/markup_escape.h"
#include "diagnose/verdict.h"

namespace oomkit::diagnose {
namespace {

using Json = nlohmann::ordered_json;

std::string E(std::string_view s) { return EscapeMarkup(s); }
void Append(std::string& list, std::string_view separator, std::string_view item) {
  if (!list.empty()) list += separator;
  list += item;
}
std::string Str(const Json& j) { return j.is_string() ? j.get<std::string>() : j.is_null() ? "" : j.dump(); }
uint64_t U64(const Json& j, const char* k) { return j.contains(k) && j[k].is_number() ? j[k].get<uint64_t>() : 0; }
std::string Size(uint64_t b) { return HumanSize(b); }
std::string SignedSize(int64_t b) { return oomkit::SignedSize(b); }

const char* Css() {
  return R"(
:root{--ink:#1d2330;--muted:#5d6675;--line:#e3e6ec;--bg:#f6f7f9;--card:#fff;--bad:#c62828;--warn:#b26a00;--good:#2e7d32;--accent:#3358c4}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:1180px;margin:0 auto;padding:20px 24px 48px}
header h1{font-size:18px;margin:0 0 2px}header p{margin:0;color:var(--muted)}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 18px;margin:16px 0}
h2{font-size:15px;margin:0 0 10px}
.verdict{border-left:6px solid var(--accent)}.verdict.bad{border-left-color:var(--bad)}.verdict.warn{border-left-color:var(--warn)}.verdict.good{border-left-color:var(--good)}
.kind{display:inline-block;font-weight:700;font-size:13px;letter-spacing:.02em;padding:2px 10px;border-radius:999px;color:#fff;background:var(--accent)}
.bad .kind{background:var(--bad)}.warn .kind{background:var(--warn)}.good .kind{background:var(--good)}
.headline{font-size:17px;font-weight:600;margin:8px 0 10px}
dl{display:grid;grid-template-columns:150px 1fr;gap:4px 12px;margin:8px 0}dt{color:var(--muted)}dd{margin:0;word-break:break-word}
ul{margin:6px 0;padding-left:20px}li{margin:2px 0}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600;background:#fafbfc}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.path{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;color:#333;word-break:break-word}
svg{width:100%;height:auto;display:block}.legend{display:flex;gap:16px;flex-wrap:wrap;color:var(--muted);font-size:12.5px;margin:4px 0 0}
.legend i{display:inline-block;width:14px;height:3px;margin-right:6px;vertical-align:middle}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px}@media(max-width:900px){.grid2{grid-template-columns:1fr}dl{grid-template-columns:1fr}}
.note{color:var(--muted);font-size:12.5px}.warnline{color:var(--warn)}
)";
}

// A chart: time on x; lines, dots and bars on one y scale in bytes (or ms).
struct Chart {
  double x0 = 0, x1 = 1, y1 = 1;
  static constexpr double kW = 1100, kH = 300, kLeft = 64, kRight = 16, kTop = 14, kBottom = 34;
  double X(double t) const { return kLeft + (t - x0) / std::max(1e-9, x1 - x0) * (kW - kLeft - kRight); }
  double Y(double v) const { return kTop + (1 - v / std::max(1e-9, y1)) * (kH - kTop - kBottom); }
};

// A step for about four to eight grid lines up to top: 1, 2 or 5 times a power of ten.
double NiceStep(double top) {
  double raw = std::max(top, 1e-9) / 5;
  double power = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (m * power >= raw) return m * power;
  return 10 * power;
}

std::string Axis(const Chart& c, std::string (*unit_of)(double), double tick) {
  std::string s;
  for (int i = 0; i * tick <= c.y1 + 1e-9 && i <= 12; ++i) {
    double v = i * tick;
    double y = c.Y(v);
    s += fmt::format("<line x1='{:.1f}' x2='{:.1f}' y1='{:.1f}' y2='{:.1f}' stroke='#e3e6ec'/>", Chart::kLeft, Chart::kW - Chart::kRight, y, y);
    s += fmt::format("<text x='{:.1f}' y='{:.1f}' text-anchor='end' font-size='11' fill='#5d6675'>{}</text>", Chart::kLeft - 6, y + 4,
                     E(unit_of(v)));
  }
  double span = (c.x1 - c.x0) / 1000;
  double step = span <= 60 ? 10 : span <= 180 ? 30 : span <= 900 ? 60 : span <= 3600 ? 300 : 900;
  for (double t = 0; t <= span + 1e-9; t += step) {
    double x = c.X(c.x0 + t * 1000);
    s += fmt::format("<line x1='{0:.1f}' x2='{0:.1f}' y1='{1:.1f}' y2='{2:.1f}' stroke='#eef0f3'/>", x, Chart::kTop, Chart::kH - Chart::kBottom);
    s += fmt::format("<text x='{:.1f}' y='{:.1f}' text-anchor='middle' font-size='11' fill='#5d6675'>{}</text>", x,
                     Chart::kH - Chart::kBottom + 16, t >= 60 ? fmt::format("{}m{:02.0f}s", static_cast<int>(t) / 60, std::fmod(t, 60)) : fmt::format("{:.0f}s", t));
  }
  return s;
}

std::string MbLabel(double v) { return v >= 10e6 || v == 0 ? fmt::format("{:.0f} MB", v / 1e6) : fmt::format("{:.1f} MB", v / 1e6); }
std::string MsLabel(double v) { return v >= 10 || v == 0 ? fmt::format("{:.0f} ms", v) : fmt::format("{:.1f} ms", v); }

std::string Polyline(const Chart& c, const Json& t, const Json& v, const char* color, double width, const char* dash = "") {
  std::string pts;
  for (size_t i = 0; i < t.size() && i < v.size(); ++i)
    pts += fmt::format("{:.1f},{:.1f} ", c.X(t[i].get<double>()), c.Y(v[i].get<double>()));
  if (pts.empty()) return "";
  return fmt::format("<polyline fill='none' stroke='{}' stroke-width='{}' stroke-linejoin='round' {} points='{}'/>", color, width,
                     *dash ? fmt::format("stroke-dasharray='{}'", dash) : "", pts);
}

struct Line {
  const char* key;
  const char* color;
  double width;
  const char* dash;
  const char* label;
};

// Memory over time: the lines asked for, the load under them (answered
// requests per second, in the bottom quarter), the load phases shaded, the
// snapshot moments marked; with floor, the heap after full GCs and its trend.
std::string MemoryChart(const Json& r, const char* id, const std::vector<Line>& lines, bool floor) {
  const Json& tl = r["timeline"];
  if (!tl.is_object() || tl["t"].empty()) return "<p class='note'>No memory samples: the probe never reported.</p>";
  Chart c;
  c.x0 = tl["t"].front().get<double>();
  c.x1 = tl["t"].back().get<double>();
  double top = 0;
  for (const Line& l : lines)
    for (const auto& v : tl[l.key]) top = std::max(top, v.get<double>());
  for (const auto& p : r["phases"]) c.x1 = std::max(c.x1, p["end"].get<double>());
  double step = NiceStep(std::max(top, 1e6));
  c.y1 = std::max(step, std::ceil(top * 1.05 / step) * step);
  std::string s = fmt::format("<svg viewBox='0 0 {} {}' role='img' aria-label='{}' id='{}'>", Chart::kW, Chart::kH, id, id);
  for (const auto& p : r["phases"]) {
    if (!p.value("load", false)) continue;
    double a = c.X(p["start"].get<double>()), b = c.X(p["end"].get<double>());
    s += fmt::format("<rect x='{:.1f}' y='{}' width='{:.1f}' height='{}' fill='#3358c4' opacity='0.05'><title>{}</title></rect>", a, Chart::kTop,
                     std::max(1.0, b - a), Chart::kH - Chart::kTop - Chart::kBottom, E(p.value("name", "")));
    s += fmt::format("<text x='{:.1f}' y='{}' font-size='11' fill='#3358c4'>{}</text>", a + 4, Chart::kTop + 12, E(p.value("name", "")));
  }
  s += Axis(c, MbLabel, step);
  const Json& load = r["load_timeline"];
  double peak_rate = 1;
  for (const auto& l : load) peak_rate = std::max(peak_rate, l["completed"].get<double>());
  if (!load.empty()) {
    std::string bars;
    double base = c.Y(0), second = c.X(1000) - c.X(0);
    for (const auto& l : load) {
      double h = l["completed"].get<double>() / peak_rate * (Chart::kH - Chart::kTop - Chart::kBottom) * 0.25;
      bars += fmt::format("<rect x='{:.1f}' y='{:.1f}' width='{:.1f}' height='{:.1f}' fill='#9aa4b5' opacity='0.4'><title>{} req/s</title></rect>",
                          c.X(l["ts"].get<double>()) - second, base - h, std::max(1.0, second - 0.5), h, Thousands(l["completed"].get<uint64_t>()));
    }
    s += "<g class='load-bars'>" + bars + "</g>";
  }
  std::string legend;
  for (const Line& l : lines) {
    s += Polyline(c, tl["t"], tl[l.key], l.color, l.width, l.dash);
    legend += fmt::format("<span><i style='background:{}'></i>{}</span>", l.color, l.label);
  }
  if (floor) {
    Json ft = Json::array(), fv = Json::array();
    for (const auto& m : r["readings"]) {
      ft.push_back(m["ts"]);
      fv.push_back(m["heap_used"]);
      s += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='4.5' fill='#c62828'><title>{}: {} after full GCs</title></circle>",
                       c.X(m["ts"].get<double>()), c.Y(m["heap_used"].get<double>()), E(m.value("label", "")), Size(U64(m, "heap_used")));
    }
    if (ft.size() >= 2) s += Polyline(c, ft, fv, "#c62828", 1.4, "6 4");
    legend += "<span><i style='background:#c62828'></i>heap after full GCs (the floor) and its trend</span>";
  }
  for (const auto& snap : r["snapshots"]) {
    double x = c.X(snap["ts"].get<double>());
    s += fmt::format("<line x1='{0:.1f}' x2='{0:.1f}' y1='{1}' y2='{2}' stroke='#1d2330' stroke-width='1' stroke-dasharray='2 3'/>"
                     "<text x='{0:.1f}' y='{3}' font-size='11' text-anchor='middle' fill='#1d2330'>▾ {4}</text>",
                     x, Chart::kTop + 16, Chart::kH - Chart::kBottom, Chart::kTop + 28, E(snap.value("label", "")));
  }
  s += "</svg><div class='legend'>" + legend +
       "<span><i style='background:#9aa4b5;height:8px'></i>load: answered requests per second</span><span>▾ heap snapshot</span></div>";
  return s;
}

std::string GcChart(const Json& r) {
  const Json& ev = r["gc_events"];
  if (!ev.is_array() || ev.empty()) return "<p class='note'>No GC trace lines were seen.</p>";
  Chart c;
  const Json& tl = r["timeline"];
  c.x0 = !tl["t"].empty() ? tl["t"].front().get<double>() : ev.front()["ts"].get<double>();
  c.x1 = std::max(!tl["t"].empty() ? tl["t"].back().get<double>() : 0.0, ev.back()["ts"].get<double>());
  double top = 1;
  for (const auto& e : ev) top = std::max(top, e["pause_ms"].get<double>());
  double step = NiceStep(top);
  c.y1 = std::ceil(top * 1.05 / step) * step;
  std::string s = fmt::format("<svg viewBox='0 0 {} {}' role='img' aria-label='GC pauses' id='gc-chart'>", Chart::kW, Chart::kH);
  s += Axis(c, MsLabel, step);
  for (const auto& e : ev) {
    double x = c.X(e["ts"].get<double>());
    double p = e["pause_ms"].get<double>();
    bool major = e.value("kind", "") == "mark-compact";
    s += fmt::format("<line x1='{0:.1f}' x2='{0:.1f}' y1='{1:.1f}' y2='{2:.1f}' stroke='{3}' stroke-width='{4}'><title>{5} {6:.2f} ms, {7:.1f} → {8:.1f} MB</title></line>",
                     x, c.Y(0), c.Y(p), major ? "#c62828" : "#3358c4", major ? 2.5 : 1.5, E(e.value("kind", "")), p,
                     e.value("before_mb", 0.0), e.value("after_mb", 0.0));
  }
  s += "</svg><div class='legend'><span><i style='background:#c62828'></i>mark-compact (major)</span><span><i style='background:#3358c4'></i>scavenge / minor</span></div>";
  return s;
}

std::string Table(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& numeric) {
  std::string s = "<table><thead><tr>";
  for (size_t i = 0; i < head.size(); ++i) s += fmt::format("<th{}>{}</th>", i < numeric.size() && numeric[i] ? " class='n'" : "", E(head[i]));
  s += "</tr></thead><tbody>";
  for (const auto& row : rows) {
    s += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) s += fmt::format("<td{}>{}</td>", i < numeric.size() && numeric[i] ? " class='n'" : "", row[i]);
    s += "</tr>";
  }
  return s + "</tbody></table>";
}

// The path from its closure variable, the whole of it from the GC roots on hover.
std::string PathCell(const Json& path) {
  return "<div class='path' title='" + E(PathText(path)) + "'>" + E(ShortPathText(path)) + "</div>";
}

}  // namespace

std::string RenderReportHtml(const Json& r) {
  const Json& v = r["verdict"];
  std::string kind = v.value("kind", "");
  const char* tone = kind == "js-heap-leak" || kind == "external-memory-leak" ? "bad" : kind == "healthy" ? "good" : "warn";
  std::string command;
  for (const auto& a : r["command"]) Append(command, " ", a.get<std::string>());
  char stamp[40];
  std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S %Z", std::localtime(&now));
  const Json& run = r["run"];

  std::string h = "<!doctype html><html lang='en'><head><meta charset='utf-8'><meta name='viewport' content='width=device-width,initial-scale=1'>";
  h += "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">";
  h += fmt::format("<title>oomkit {}: {} — {}</title><style>{}</style></head><body><main>", E(r.value("mode", "")), E(kind), E(command), Css());
  h += fmt::format("<header><h1>oomkit {} — <code>{}</code></h1><p>{} · {:.0f} s · pid {} · evidence in <code>{}</code></p></header>",
                   E(r.value("mode", "")), E(command), E(stamp), run.value("seconds", 0.0), U64(run, "pid"), E(r.value("out_dir", "")));

  // The verdict.
  h += fmt::format("<section class='verdict {}' id='verdict'><span class='kind'>{}</span><div class='headline'>{}</div><dl>", tone, E(kind),
                   E(v.value("headline", "")));
  const Json& cul = v["culprit"];
  if (!cul["class"].is_null()) h += fmt::format("<dt>culprit</dt><dd><b>{}</b>{}</dd>", E(Str(cul["class"])), cul["id"].is_null() ? "" : " @" + Str(cul["id"]));
  if (!cul["path"].is_null()) h += fmt::format("<dt>retaining path</dt><dd class='path'>{}</dd>", E(Str(cul["path"])));
  if (!cul["allocation_site"].is_null()) h += fmt::format("<dt>allocated at</dt><dd class='mono'>{}</dd>", E(Str(cul["allocation_site"])));
  if (!v["growth_per_1000_requests"].is_null())
    h += fmt::format("<dt>growth</dt><dd>{} per 1,000 requests</dd>", SignedSize(v["growth_per_1000_requests"].get<int64_t>()));
  else if (!v["growth_per_minute"].is_null())
    h += fmt::format("<dt>growth</dt><dd>{} per minute</dd>", SignedSize(v["growth_per_minute"].get<int64_t>()));
  h += fmt::format("<dt>fix</dt><dd>{}</dd>", E(v.value("fix", "")));
  if (run["stopped_at"].is_string()) h += fmt::format("<dt>stopped</dt><dd class='warnline'>{}</dd>", E(Str(run["stopped_at"])));
  h += fmt::format("<dt>exit</dt><dd>{} (status {})</dd></dl><h2>Evidence</h2><ul>", E(run.value("exit_summary", "")), run.value("exit_status", 0));
  for (const auto& e : v["evidence"]) h += "<li>" + E(Str(e)) + "</li>";
  h += "</ul>";
  for (const auto& w : r["warnings"]) h += "<p class='warnline'>⚠ " + E(Str(w)) + "</p>";
  h += "</section>";

  h += "<section><h2>JS heap over time</h2>" +
       MemoryChart(r, "heap-chart",
                   {{"heap_total", "#9bb3f0", 1.5, "4 3", "heap total"}, {"heap_used", "#3358c4", 2.2, "", "heap used"}}, true) +
       "</section>";
  h += "<section><h2>Process memory over time <span class='note'>(RSS: all of it; external: Buffers and ArrayBuffers, outside the JS "
       "heap)</span></h2>" +
       MemoryChart(r, "process-chart",
                   {{"rss", "#8e44ad", 1.8, "", "RSS"}, {"heap_total", "#9bb3f0", 1.5, "4 3", "heap total"},
                    {"external", "#d98c00", 1.8, "", "external"}},
                   false) +
       "</section>";
  h += "<section><h2>GC pauses</h2>" + GcChart(r) + "</section>";

  // Load phases.
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : r["phases"]) {
    if (!p.value("load", false)) continue;
    double secs = (p["end"].get<double>() - p["start"].get<double>()) / 1000;
    rows.push_back({E(p.value("name", "")), fmt::format("{:.0f}", p["target_rate"].is_number() ? p["target_rate"].get<double>() : 0),
                    fmt::format("{:.0f}", secs > 0 ? U64(p, "completed") / secs : 0), Thousands(U64(p, "sent")), Thousands(U64(p, "completed")),
                    Thousands(U64(p, "errors")), Thousands(U64(p, "dropped")), fmt::format("{:.1f} ms", U64(p["latency_us"], "p50") / 1000.0),
                    fmt::format("{:.1f} ms", U64(p["latency_us"], "p99") / 1000.0)});
  }
  if (!rows.empty())
    h += "<section><h2>Load</h2>" +
         Table({"phase", "target req/s", "achieved req/s", "sent", "answered", "errors", "never sent", "p50", "p99"}, rows,
               {false, true, true, true, true, true, true, true, true}) +
         "</section>";

  // Measurements after full GCs.
  rows.clear();
  for (const auto& m : r["readings"])
    rows.push_back({E(m.value("label", "")), Size(U64(m, "heap_used")), Size(U64(m, "heap_total")), Size(U64(m, "external")),
                    Size(U64(m, "array_buffers")), Size(U64(m, "rss"))});
  if (!rows.empty())
    h += "<section><h2>After full GCs</h2>" +
         Table({"moment", "heap used", "heap total", "external", "array buffers", "RSS"}, rows, {false, true, true, true, true, true}) + "</section>";

  // Leak clusters.
  const Json& leaks = r["leaks"];
  if (leaks.is_object() && leaks.contains("clusters")) {
    rows.clear();
    for (const auto& c : leaks["clusters"]) {
      std::string classes;
      for (const auto& k : c["classes"]) Append(classes, ", ", fmt::format("{} ×{}", Str(k["name"]), U64(k, "count")));
      std::string hist;
      for (const auto& t : c["history"]) Append(hist, " → ", Thousands(U64(t, "count")));
      rows.push_back({E(classes), Thousands(U64(c, "count")), Size(U64(c, "retained_size")), E(hist),
                      c.value("significant", false) ? "yes" : "no", PathCell(c["path"])});
    }
    h += "<section><h2>Leak clusters <span class='note'>(allocated after the baseline snapshot, alive in every later one; by retaining path)</span></h2>" +
         (rows.empty() ? std::string("<p class='note'>None: nothing allocated after the baseline survived to the final snapshot.</p>")
                       : Table({"objects", "count", "retained", "new objects per snapshot", "significant", "retaining path"}, rows,
                               {false, true, true, false, false, false})) +
         "</section>";
  }
  // Suspects.
  const Json& sus = r["suspects"];
  if (sus.is_object() && sus.contains("suspects")) {
    rows.clear();
    for (const auto& s : sus["suspects"])
      rows.push_back({E(s.value("kind", "")), E(s.value("what", "")) + "<div class='note'>" + E(s.value("why", "")) + "</div>",
                      Size(U64(s, "retained_size")), E(s.value("fix", "")), PathCell(s["path"])});
    h += "<section><h2>Suspects in the last snapshot</h2>" +
         (rows.empty() ? std::string("<p class='note'>None.</p>") : Table({"kind", "what", "retained", "fix", "retaining path"}, rows, {false, false, true, false, false})) +
         "</section>";
  }
  // Diff.
  const Json& diff = r["diff"];
  if (diff.is_object() && diff.contains("classes")) {
    rows.clear();
    for (const auto& c : diff["classes"])
      rows.push_back({E(c.value("name", "")), Thousands(U64(c, "new")), Thousands(U64(c, "deleted")), fmt::format("{:+}", c.value("delta", int64_t{0})),
                      SignedSize(c.value("size_delta", int64_t{0})), SignedSize(c.value("retained_delta", int64_t{0}))});
    h += "<section><h2>Comparison: baseline → last snapshot <span class='note'>(DevTools' Comparison view, plus the retained-size delta)</span></h2>" +
         Table({"constructor", "# new", "# deleted", "# delta", "size delta", "retained delta"}, rows, {false, true, true, true, true, true}) + "</section>";
  }
  // Allocation sites.
  const Json& prof = r["profile"];
  if (prof.is_object() && prof.contains("sites")) {
    rows.clear();
    for (const auto& s : prof["sites"]) {
      std::string fn = s.value("function", "");
      std::string at = s.value("url", "").empty() ? "" : fmt::format("{}:{}:{}", s.value("url", ""), s.value("line", 0), s.value("column", 0));
      rows.push_back({"<span class='mono'>" + E(fn.empty() ? "(anonymous)" : fn) + "</span>", "<span class='mono'>" + E(at) + "</span>",
                      Size(U64(s, "self_size")), Size(U64(s, "total_size"))});
    }
    h += "<section><h2>Allocation sites of the live heap <span class='note'>(V8's sampling heap profiler, last profile)</span></h2>" +
         Table({"function", "where", "self", "total"}, rows, {false, false, true, true}) + "</section>";
  }
  // Files.
  h += "<section><h2>Evidence files</h2><ul class='mono'>";
  const Json& files = r["files"];
  for (const char* k : {"gc_log", "timeline", "stderr", "heap_profile"})
    if (files.contains(k) && files[k].is_string()) h += "<li>" + E(Str(files[k])) + "</li>";
  for (const char* k : {"snapshots", "reports"})
    if (files.contains(k))
      for (const auto& f : files[k]) h += "<li>" + E(Str(f)) + "</li>";
  h += "</ul><p class='note'>Next: <code>oomkit heap retainers SNAPSHOT @ID</code> for any object above; <code>oomkit gc gc.log --svg</code>.</p></section>";
  h += "</main></body></html>\n";
  return h;
}

}  // namespace oomkit::diagnose
