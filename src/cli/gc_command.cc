#include "cli/gc_command.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/format.h"
#include "cli/gc_svg.h"
#include "gc/gc_log.h"

namespace oomkit::cli {
namespace {

using Json = nlohmann::ordered_json;

std::string IsolateName(const gc::IsolateReport& r) {
  std::string id = r.isolate_id >= 0 ? fmt::format(":{}", r.isolate_id) : "";
  std::string gen = r.generation ? fmt::format(" (#{} at this address)", r.generation + 1) : "";
  return fmt::format("[{}:0x{:x}{}]{}", r.pid, r.isolate, id, gen);
}

Json VerdictJson(const gc::Verdict& v) { return Json{{"kind", v.kind}, {"evidence", v.evidence}, {"fix", v.fix}}; }

Json IsolateJson(const gc::IsolateReport& r) {
  Json majors = Json::array();
  for (const auto& m : r.majors)
    majors.push_back({{"time_ms", m.time_ms}, {"start_mb", m.start_mb}, {"end_mb", m.end_mb}, {"avg_mu", m.avg_mu}, {"reduce", m.reduce}});
  return Json{{"id", IsolateName(r)},
              {"pid", r.pid},
              {"isolate", fmt::format("0x{:x}", r.isolate)},
              {"isolate_id", r.isolate_id},
              {"first_ms", r.first_ms},
              {"last_ms", r.last_ms},
              {"collections",
               {{"scavenge", r.scavenges},
                {"minor_mark", r.minor},
                {"mark_compact", r.mark_compacts},
                {"reduce", r.reduce},
                {"interleaved", r.interleaved},
                {"last_resort", r.last_resort},
                {"testing", r.testing},
                {"external_memory_pressure", r.external_pressure},
                {"from_last_few_gcs", r.from_last_few_gcs}}},
              {"pauses",
               {{"p50", r.pauses.Quantile(0.50)},
                {"p95", r.pauses.Quantile(0.95)},
                {"p99", r.pauses.Quantile(0.99)},
                {"max", r.pauses.max()},
                {"total_ms", r.total_pause_ms}}},
              {"major_pauses",
               {{"p50", r.major_pauses.Quantile(0.50)}, {"p99", r.major_pauses.Quantile(0.99)}, {"max", r.major_pauses.max()}}},
              {"gc_share", r.gc_share},
              {"min_window_mutator_utilization", r.min_window_mu},
              {"allocation_mb_per_s", r.allocation_mb_per_s},
              {"floor_first_mb", r.first_floor_mb},
              {"floor_last_mb", r.last_floor_mb},
              {"floor_max_mb", r.max_floor_mb},
              {"floor_slope_mb_per_min", r.floor_slope_mb_per_min},
              {"floor_fit_r2", r.floor_r2},
              {"floor_late_slope_mb_per_min", r.late_floor_slope_mb_per_min},
              {"median_reclaim_ratio", r.median_reclaim},
              {"longest_ineffective_run", r.longest_ineffective_run},
              {"v8_abort_rule", r.v8_abort_rule},
              {"starvation_episodes", r.starvation_episodes},
              {"promotion_spikes", r.promotion_spikes},
              {"biggest_promotion_mb", r.biggest_promotion_mb},
              {"external_memory_mb", r.last_external_mb >= 0 ? Json{{"first", r.first_external_mb}, {"last", r.last_external_mb}} : Json()},
              {"backing_store_mb", r.last_backing_mb >= 0 ? Json{{"first", r.first_backing_mb}, {"last", r.last_backing_mb}} : Json()},
              {"minutes_to_limit", r.minutes_to_limit >= 0 ? Json(r.minutes_to_limit) : Json()},
              {"verdict", VerdictJson(r.verdict)},
              {"major_gcs", std::move(majors)}};
}

std::string Ms(double ms) { return ms >= 100 ? fmt::format("{:.0f} ms", ms) : fmt::format("{:.2f} ms", ms); }

}  // namespace

int RunGc(const GcOptions& o) {
  gc::GcLogOptions go;
  go.heap_limit_mb = o.heap_limit_mb;
  go.window_ms = o.window_ms;
  auto result = gc::AnalyzeGcLog(o.file, go);
  if (!result.ok()) {
    fmt::print(stderr, "oomkit: {}: {}\n", o.file, result.error());
    return 2;
  }
  const gc::GcLogReport& rep = result.value();
  if (rep.unparsed_lines)
    fmt::print(stderr, "oomkit: {}: warning: {} trace lines not understood, the first at line {}: {}\n", o.file,
               rep.unparsed_lines, rep.first_unparsed_line, rep.first_unparsed);
  if (rep.long_lines)
    fmt::print(stderr, "oomkit: {}: warning: skipped {} lines longer than 64 KiB (not GC trace lines)\n", o.file,
               rep.long_lines);
  if (!o.svg.empty()) {
    Status s = WriteGcSvg(rep, o.svg, go);
    if (!s.ok()) {
      fmt::print(stderr, "oomkit: {}: {}\n", o.svg, s.message());
      return 2;
    }
  }
  if (o.json) {
    Json isolates = Json::array();
    for (const auto& r : rep.isolates) isolates.push_back(IsolateJson(r));
    Json j{{"file", o.file},
           {"lines", rep.lines},
           {"trace_lines", rep.trace_lines},
           {"gc_lines", rep.gc_lines},
           {"skipped_lines", rep.skipped_lines},
           {"unparsed_lines", rep.unparsed_lines},
           {"oom", rep.oom_seen ? Json(rep.oom_message) : Json()},
           {"heap_limit_mb", o.heap_limit_mb > 0 ? Json(o.heap_limit_mb) : Json()},
           {"isolates", std::move(isolates)},
           {"verdict", VerdictJson(rep.verdict)}};
    fmt::print("{}\n", j.dump(1));
    return 0;
  }
  fmt::print("{}: {} GC lines, {} isolate{}; {} other lines skipped\n", o.file, Thousands(rep.gc_lines),
             rep.isolates.size(), rep.isolates.size() == 1 ? "" : "s", Thousands(rep.skipped_lines));
  if (rep.oom_seen) fmt::print("the process died: {}\n", rep.oom_message);
  for (size_t i = 0; i < rep.isolates.size(); ++i) {
    const auto& r = rep.isolates[i];
    fmt::print("\nIsolate {}{}: {:.1f} s of its clock\n", IsolateName(r), i == 0 ? " (main)" : "",
               (r.last_ms - std::max(0.0, r.first_ms)) / 1000);
    fmt::print("  collections   {} scavenges, {} mark-compacts ({} reduce, {} last resort){}\n", Thousands(r.scavenges),
               Thousands(r.mark_compacts), r.reduce, r.last_resort,
               r.minor ? fmt::format(", {} minor mark", Thousands(r.minor)) : std::string());
    fmt::print("  pauses        p50 {}  p95 {}  p99 {}  max {}\n", Ms(r.pauses.Quantile(0.5)), Ms(r.pauses.Quantile(0.95)),
               Ms(r.pauses.Quantile(0.99)), Ms(r.pauses.max()));
    fmt::print("  GC share      {:.1f} % of the time; worst {:.0f} ms window: program ran {:.0f} %\n", 100 * r.gc_share,
               o.window_ms, 100 * r.min_window_mu);
    fmt::print("  allocation    {:.1f} MB/s\n", r.allocation_mb_per_s);
    fmt::print("  heap floor    {:.1f} -> {:.1f} MB after major GCs, {:+.2f} MB/min (R² {:.2f}), second half {:+.2f} MB/min\n",
               r.first_floor_mb, r.last_floor_mb, r.floor_slope_mb_per_min, r.floor_r2, r.late_floor_slope_mb_per_min);
    fmt::print("  reclaim       a major GC frees {:.0f} % (median); longest run freeing < 10 %: {}\n", 100 * r.median_reclaim,
               r.longest_ineffective_run);
    if (r.promotion_spikes)
      fmt::print("  promotion     {} scavenges left >= 4 MB behind (biggest {:.1f} MB)\n", r.promotion_spikes,
                 r.biggest_promotion_mb);
    if (r.last_external_mb >= 0)
      fmt::print("  external      {:.1f} -> {:.1f} MB reported to V8{}\n", r.first_external_mb, r.last_external_mb,
                 r.last_backing_mb >= 0 ? fmt::format("; ArrayBuffer backing stores {:.1f} -> {:.1f} MB", r.first_backing_mb, r.last_backing_mb) : std::string());
    if (r.minutes_to_limit >= 0) fmt::print("  limit         {:.1f} min to the {:.0f} MB limit at this slope\n", r.minutes_to_limit, o.heap_limit_mb);
    fmt::print("  verdict       {}\n", r.verdict.kind);
  }
  fmt::print("\nVerdict: {}\n", rep.verdict.kind);
  for (const auto& e : rep.verdict.evidence) fmt::print("  - {}\n", e);
  if (!rep.verdict.fix.empty()) fmt::print("Fix: {}\n", rep.verdict.fix);
  return 0;
}

}  // namespace oomkit::cli
