#include "cli/gc_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include <fmt/format.h>

namespace oomkit::cli {
namespace {

// A "nice" step for axis ticks: 1, 2 or 5 times a power of ten.
double NiceStep(double range, int ticks) {
  double raw = range / std::max(ticks, 1);
  double p = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out.push_back(c);
  }
  return out;
}

}  // namespace

Status WriteGcSvg(const gc::GcLogReport& report, const std::string& path, const gc::GcLogOptions& options) {
  const gc::IsolateReport& r = report.isolates.front();
  const double W = 960, H = 572, left = 70, right = 24, top = 56, heap_h = 330, gap = 36, pause_h = 80;
  const double plot_w = W - left - right;
  double t0 = std::max(0.0, r.first_ms), t1 = std::max(r.last_ms, t0 + 1);
  double max_mb = std::max(r.max_floor_mb, options.heap_limit_mb);
  double max_pause = 0;
  for (const auto& p : r.timeline) max_mb = std::max(max_mb, p.heap_mb), max_pause = std::max(max_pause, p.pause_ms);
  max_mb = std::max(1.0, max_mb * 1.08);
  max_pause = std::max(1.0, max_pause * 1.1);
  auto x = [&](double t) { return left + (t - t0) / (t1 - t0) * plot_w; };
  auto y = [&](double mb) { return top + heap_h - mb / max_mb * heap_h; };
  const double pause_top = top + heap_h + gap;
  auto py = [&](double ms) { return pause_top + pause_h - ms / max_pause * pause_h; };
  const double seconds = (t1 - t0) / 1000;

  std::string svg = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{0}' height='{1}' viewBox='0 0 {0} {1}' "
      "font-family='system-ui, -apple-system, Segoe UI, Roboto, sans-serif' font-size='12'>\n"
      "<rect width='100%' height='100%' fill='#ffffff'/>\n",
      W, H);
  const char* verdict_color = r.verdict.kind == "js-heap-leak"         ? "#c62828"
                              : r.verdict.kind == "healthy"            ? "#2e7d32"
                              : r.verdict.kind == "insufficient-data"  ? "#616161"
                                                                       : "#ef6c00";
  svg += fmt::format("<text x='{}' y='24' font-size='16' font-weight='600' fill='#212121'>Heap after each GC, isolate "
                     "0x{:x}</text>\n",
                     left, r.isolate);
  svg += fmt::format("<text x='{}' y='42' fill='#616161'>{} GCs over {:.1f} s · floor {:+.1f} MB/min (R² {:.2f})</text>\n",
                     left, r.scavenges + r.minor + r.mark_compacts, seconds, r.floor_slope_mb_per_min, r.floor_r2);
  svg += fmt::format("<rect x='{}' y='12' width='170' height='26' rx='13' fill='{}'/>"
                     "<text x='{}' y='30' text-anchor='middle' fill='#fff' font-weight='600'>{}</text>\n",
                     W - right - 170, verdict_color, W - right - 85, Escape(r.verdict.kind));
  // Grid and axes.
  double step = NiceStep(max_mb, 5);
  for (double v = 0; v <= max_mb; v += step)
    svg += fmt::format("<line x1='{0}' x2='{1}' y1='{2:.1f}' y2='{2:.1f}' stroke='#eeeeee'/>"
                       "<text x='{3}' y='{4:.1f}' text-anchor='end' fill='#757575'>{5:g} MB</text>\n",
                       left, W - right, y(v), left - 8, y(v) + 4, v);
  double tstep = NiceStep(seconds, 8);
  for (double s = 0; s <= seconds + 1e-9; s += tstep)
    svg += fmt::format("<line x1='{0:.1f}' x2='{0:.1f}' y1='{1}' y2='{2}' stroke='#f3f3f3'/>"
                       "<text x='{0:.1f}' y='{3}' text-anchor='middle' fill='#757575'>{4:g} s</text>\n",
                       x(t0 + s * 1000), top, pause_top + pause_h, pause_top + pause_h + 16, s);
  if (options.heap_limit_mb > 0)
    svg += fmt::format("<line x1='{0}' x2='{1}' y1='{2:.1f}' y2='{2:.1f}' stroke='#c62828' stroke-dasharray='6 4'/>"
                       "<text x='{1}' y='{3:.1f}' text-anchor='end' fill='#c62828'>heap limit {4:g} MB</text>\n",
                       left, W - right, y(options.heap_limit_mb), y(options.heap_limit_mb) - 6, options.heap_limit_mb);
  // Heap after every GC.
  std::string line;
  for (const auto& p : r.timeline) line += fmt::format("{}{:.1f},{:.1f}", line.empty() ? "" : " ", x(p.time_ms), y(p.heap_mb));
  svg += fmt::format("<polyline points='{}' fill='none' stroke='#90caf9' stroke-width='1.2'/>\n", line);
  // The floor after major GCs and its trend.
  for (const auto& m : r.majors)
    svg += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='3.2' fill='{}'><title>{:.1f} s: {:.1f} -> {:.1f} MB{}</title></circle>\n",
                       x(m.time_ms), y(m.end_mb), m.reduce ? "#ef6c00" : "#1565c0", m.time_ms / 1000, m.start_mb, m.end_mb,
                       m.reduce ? " (reduce)" : "");
  if (r.majors.size() >= 2) {
    // The fit passes through the mean point with the fitted slope.
    double mt = 0, mf = 0;
    for (const auto& m : r.majors) mt += m.time_ms, mf += m.end_mb;
    mt /= static_cast<double>(r.majors.size());
    mf /= static_cast<double>(r.majors.size());
    double per_ms = r.floor_slope_mb_per_min / 60000.0;
    double a = r.majors.front().time_ms, b = r.majors.back().time_ms;
    svg += fmt::format("<line x1='{:.1f}' y1='{:.1f}' x2='{:.1f}' y2='{:.1f}' stroke='#1565c0' stroke-width='2' "
                       "stroke-dasharray='8 5' opacity='0.8'/>\n",
                       x(a), y(mf + (a - mt) * per_ms), x(b), y(mf + (b - mt) * per_ms));
  }
  // Pauses.
  svg += fmt::format("<text x='{}' y='{}' fill='#424242' font-weight='600'>GC pauses</text>\n", left, pause_top - 8);
  svg += fmt::format("<text x='{}' y='{:.1f}' text-anchor='end' fill='#757575'>{:.0f} ms</text>\n", left - 8, pause_top + 4, max_pause);
  svg += fmt::format("<line x1='{0}' x2='{1}' y1='{2}' y2='{2}' stroke='#bdbdbd'/>\n", left, W - right, pause_top + pause_h);
  for (const auto& p : r.timeline)
    svg += fmt::format("<line x1='{0:.1f}' x2='{0:.1f}' y1='{1:.1f}' y2='{2:.1f}' stroke='{3}' stroke-width='1.5'/>\n", x(p.time_ms),
                       pause_top + pause_h, py(p.pause_ms), p.major ? "#1565c0" : "#a5d6a7");
  // Legend.
  double ly = H - 14;
  svg += fmt::format(
      "<g fill='#424242'><line x1='{0}' x2='{1}' y1='{2}' y2='{2}' stroke='#90caf9' stroke-width='2'/><text x='{3}' y='{4}'>heap after "
      "each GC</text>"
      "<circle cx='{5}' cy='{2}' r='3.2' fill='#1565c0'/><text x='{6}' y='{4}'>floor after a major GC</text>"
      "<circle cx='{7}' cy='{2}' r='3.2' fill='#ef6c00'/><text x='{8}' y='{4}'>memory-reducing GC</text>"
      "<line x1='{9}' x2='{10}' y1='{2}' y2='{2}' stroke='#1565c0' stroke-width='2' stroke-dasharray='8 5'/><text x='{11}' y='{4}'>floor "
      "trend</text></g>\n",
      left, left + 22, ly - 4, left + 28, ly, left + 170, left + 180, left + 340, left + 350, left + 500, left + 530, left + 536);
  svg += "</svg>\n";
  FILE* f = std::fopen(path.c_str(), "wx");  // never overwrite what the user has
  if (!f) return Status::Error(errno == EEXIST ? "exists already: give a new file name" : "cannot create the file");
  std::fwrite(svg.data(), 1, svg.size(), f);
  std::fclose(f);
  return Status();
}

}  // namespace oomkit::cli
