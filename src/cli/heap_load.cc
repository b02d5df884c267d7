#include "cli/heap_load.h"

#include <fmt/format.h>

#include "common/cpu_time.h"
#include "common/format.h"
#include "common/input_file.h"
#include "common/peak_memory.h"
#include "heap/snapshot_reader.h"

namespace oomkit::cli {

using heap::Analysis;
using heap::Snapshot;

PhaseTimer::PhaseTimer(bool enabled)
    : enabled_(enabled), last_(std::chrono::steady_clock::now()), last_cpu_(ProcessCpuSeconds()) {}

void PhaseTimer::Lap(const char* phase) {
  auto now = std::chrono::steady_clock::now();
  double cpu = ProcessCpuSeconds();
  if (enabled_)
    fmt::print(stderr, "oomkit: {:<19} {:7.3f} s  CPU {:6.3f} s   peak RSS {}  RSS after {}\n", phase,
               std::chrono::duration<double>(now - last_).count(), cpu - last_cpu_, HumanSize(PeakRssBytes()),
               HumanSize(CurrentRssBytes()));
  last_ = now;
  last_cpu_ = cpu;
}

bool Load(const HeapOptions& o, const std::string& file, Snapshot* out, ProgressBar& bar, bool nodes_only) {
  auto input = InputFile::Open(file);
  if (!input.ok()) {
    fmt::print(stderr, "oomkit: {}: {}\n", file, input.error());
    return false;
  }
  heap::ReadOptions ro;
  ro.partial = o.partial;
  ro.threads = o.threads;
  ro.progress = bar.sink();
  ro.nodes_only = nodes_only;
  auto snap = heap::ReadSnapshot(input.take(), ro);
  bar.Finish();
  if (!snap.ok()) {
    fmt::print(stderr, "oomkit: {}: {}\n", file, snap.error());
    return false;
  }
  *out = snap.take();
  if (!out->missing.empty())
    fmt::print(stderr, "oomkit: {}: warning: partial analysis: {}\n", file, out->missing);
  return true;
}

heap::Semantics ParseSemantics(const std::string& s) {
  return s == "raw" ? heap::Semantics::kRaw : heap::Semantics::kDevTools;
}

bool LoadAndAnalyze(const HeapOptions& o, const std::string& file, PhaseTimer& timer, Snapshot* s, Analysis* a,
                    heap::AnalysisOptions ao) {
  ProgressBar bar(o.progress);
  if (!Load(o, file, s, bar)) return false;
  timer.Lap("read");
  ao.semantics = ParseSemantics(o.semantics);
  ao.threads = o.threads;
  ao.progress = bar.sink();
  *a = heap::Analyze(s, ao);
  bar.Finish();
  timer.Lap("analyze");
  if (o.stats)
    for (const auto& t : a->timings)
      fmt::print(stderr, "oomkit:   {:<17} {:7.3f} s  CPU {:6.3f} s   peak RSS {}  RSS after {}\n", t.phase,
                 t.seconds, t.cpu_seconds, HumanSize(t.peak_rss), HumanSize(t.rss));
  return true;
}

std::string TypeName(const Snapshot& s, uint32_t n) {
  uint8_t t = s.node_type[n];
  return t < s.layout.node_types.size() ? s.layout.node_types[t] : "?";
}

std::string DisplayName(const Snapshot& s, const Analysis& a, uint32_t n) {
  std::string cls(s.strings[a.classes[a.class_of[n]].name]);
  int t = s.node_type[n];
  const auto& L = s.layout;
  if (t == L.string || t == L.cons_string || t == L.sliced_string)
    return fmt::format("\"{}\"", Ellipsize(s.node_name_str(n), 40));
  if (t == L.closure) {
    std::string_view fn = s.node_name_str(n);
    return fn.empty() ? std::string("Function (anonymous)") : fmt::format("Function {}()", Ellipsize(fn, 40));
  }
  if (t == L.synthetic) return std::string(s.node_name_str(n));
  if ((t == L.native || t == L.hidden) && s.node_name_str(n) != cls)
    return fmt::format("{} ({})", cls, Ellipsize(s.node_name_str(n), 50));
  return Ellipsize(cls, 80);
}

std::string EdgeTo(const Snapshot& s, uint32_t holder, uint32_t n) {
  for (uint32_t e = s.first_edge[holder]; e < s.first_edge[holder + 1]; ++e) {
    if (s.edge_to[e] != n) continue;
    if (s.edge_has_string_name(e)) return std::string(s.strings[s.edge_name(e)]);
    return fmt::format("[{}]", s.edge_name(e));
  }
  return {};
}

}  // namespace oomkit::cli
