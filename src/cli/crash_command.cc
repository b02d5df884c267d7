#include "cli/crash_command.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "crash/crash_output.h"

namespace oomkit::cli {

int RunCrash(const CrashOptions& o) {
  auto result = crash::ReadCrashFile(o.file, o.exit_status);
  if (!result.ok()) {
    fmt::print(stderr, "oomkit: {}: {}\n", o.file, result.error());
    return 2;
  }
  const crash::CrashReport& r = result.value();
  if (o.json) {
    nlohmann::ordered_json gcs = nlohmann::ordered_json::array();
    for (const auto& g : r.last_gcs)
      gcs.push_back({{"time_ms", g.time_ms},
                     {"collector", g.collector},
                     {"reduce", g.reduce},
                     {"start_mb", g.start_mb},
                     {"end_mb", g.end_mb},
                     {"pause_ms", g.pause_ms},
                     {"average_mu", g.avg_mu},
                     {"current_mu", g.current_mu},
                     {"reason", g.reason}});
    nlohmann::ordered_json j{{"file", o.file},
                             {"kind", r.kind},
                             {"summary", r.summary},
                             {"message", r.message},
                             {"location", r.location},
                             {"exit_status", r.exit_status >= 0 ? nlohmann::ordered_json(r.exit_status) : nullptr},
                             {"signal", r.signal},
                             {"pid", r.pid},
                             {"heap_limit_mb", r.heap_limit_mb >= 0 ? nlohmann::ordered_json(r.heap_limit_mb) : nullptr},
                             {"heap_at_death_mb", r.heap_at_death_mb >= 0 ? nlohmann::ordered_json(r.heap_at_death_mb) : nullptr},
                             {"last_gcs", std::move(gcs)},
                             {"truncated_gc_entries", r.truncated_gc_entries},
                             {"js_stack", r.js_stack},
                             {"native_stack", r.native_stack},
                             {"report_files", r.report_files},
                             {"snapshot_files", r.snapshot_files},
                             {"next_steps", r.next_steps}};
    fmt::print("{}\n", j.dump(1));
    return 0;
  }
  fmt::print("{}: {}\n", r.kind, r.summary);
  if (!r.message.empty()) fmt::print("  {}\n", r.message);
  if (r.exit_status >= 0)
    fmt::print("  exit status {}{}\n", r.exit_status, r.signal.empty() ? "" : fmt::format(" ({})", r.signal));
  if (r.heap_limit_mb >= 0) fmt::print("  heap limit: about {:.0f} MB (the heap size in its last GCs)\n", r.heap_limit_mb);
  if (!r.last_gcs.empty()) {
    fmt::print("\nLast GCs{}:\n", r.truncated_gc_entries ? fmt::format(" ({} more cut short by V8's buffer)", r.truncated_gc_entries) : "");
    for (const auto& g : r.last_gcs)
      fmt::print("  {:>8.0f} ms  {}{}  {:.1f} -> {:.1f} MB  {:.1f} ms  mu {:.3f}  {}\n", g.time_ms, g.collector,
                 g.reduce ? " (reduce)" : "", g.start_mb, g.end_mb, g.pause_ms, g.avg_mu, g.reason);
  }
  if (!r.js_stack.empty()) {
    fmt::print("\nJS stack:\n");
    for (const auto& l : r.js_stack) fmt::print("  {}\n", l);
  }
  if (!r.native_stack.empty()) {
    fmt::print("\nNative stack ({} frames):\n", r.native_stack.size());
    for (size_t i = 0; i < r.native_stack.size() && i < 8; ++i) fmt::print("  {}\n", r.native_stack[i]);
  }
  for (const auto& f : r.report_files) fmt::print("\nA diagnostic report was written: {} (read it with `oomkit report`)\n", f);
  for (const auto& f : r.snapshot_files) fmt::print("\nA heap snapshot was written: {} (`oomkit heap suspects` on it)\n", f);
  fmt::print("\nNext:\n");
  for (const auto& s : r.next_steps) fmt::print("  - {}\n", s);
  return 0;
}

}  // namespace oomkit::cli
