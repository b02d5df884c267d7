// `oomkit heap suspects FILE [--baseline BASE]`: a leak-suspects report.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/format.h"
#include "cli/heap_command.h"
#include "cli/heap_load.h"
#include "cli/path_format.h"
#include "heap/diff.h"
#include "heap/retaining_paths.h"
#include "heap/suspects.h"

namespace oomkit::cli {

int RunHeapSuspects(const HeapOptions& o) {
  PhaseTimer timer(o.stats);
  std::unordered_map<uint32_t, uint64_t> baseline_sizes;
  heap::IdSample baseline_ids;
  if (!o.baseline.empty()) {
    heap::Snapshot b;
    ProgressBar bar(o.progress);
    if (!Load(o, o.baseline, &b, bar)) return 2;
    baseline_sizes = heap::CollectionSizes(b);
    baseline_ids = heap::SampleIds(b);
    timer.Lap("baseline");
  }
  heap::Snapshot s;
  heap::Analysis a;
  if (!LoadAndAnalyze(o, o.file, timer, &s, &a)) return 2;
  if (!o.baseline.empty()) {
    if (Status same = heap::CheckSameProcess(baseline_ids, heap::SampleIds(s)); !same.ok()) {
      fmt::print(stderr, "oomkit: {} and {}: {}; --baseline needs a snapshot of the same process\n", o.baseline,
                 o.file, same.message());
      return 2;
    }
  }
  auto suspects = heap::FindSuspects(s, a, o.baseline.empty() ? nullptr : &baseline_sizes);
  heap::PathFinder finder(s, a, *a.weakmaps, nullptr);
  timer.Lap("suspects");
  const size_t top = o.top ? std::min(o.top, suspects.size()) : (o.json ? suspects.size() : std::min<size_t>(10, suspects.size()));
  size_t with_fix = 0;
  for (const auto& x : suspects) with_fix += !x.fix.empty();
  if (o.json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (size_t i = 0; i < top; ++i) {
      const auto& x = suspects[i];
      nlohmann::ordered_json j{{"kind", x.kind},
                               {"class", x.class_name},
                               {"id", x.node == UINT32_MAX ? 0 : s.node_id[x.node]},
                               {"retained_size", x.retained_size},
                               {"count", x.count},
                               {"path", x.node == UINT32_MAX ? nlohmann::ordered_json::array()
                                                             : PathJson(s, a, finder.Shortest(x.node))},
                               {"fix", x.fix},
                               {"what", x.what},
                               {"why", x.why}};
      if (x.has_growth) j["growth"] = x.growth;
      if (x.accumulation != UINT32_MAX) j["accumulation_point_id"] = s.node_id[x.accumulation];
      list.push_back(std::move(j));
    }
    nlohmann::ordered_json j{{"file", o.file}, {"total_size", a.total_size}, {"suspects", std::move(list)}};
    if (!o.baseline.empty()) j["baseline"] = o.baseline;
    fmt::print("{}\n", j.dump(1));
    return 0;
  }
  fmt::print("Leak suspects in {} ({} heap):\n\n", o.file, HumanSize(a.total_size));
  if (with_fix == 0) fmt::print("No leak pattern found.\n\n");
  for (size_t i = 0; i < top; ++i) {
    const auto& x = suspects[i];
    fmt::print("{}. [{}] {}{}\n", i + 1, x.kind, x.what,
               x.has_growth ? fmt::format(" ({:+} since the baseline)", x.growth) : std::string());
    fmt::print("   why: {}\n", x.why);
    if (x.node != UINT32_MAX) fmt::print("   where: {}\n", PathLine(s, a, finder.Shortest(x.node), o.max_depth));
    if (!x.fix.empty()) fmt::print("   fix: {}\n", x.fix);
    fmt::print("\n");
  }
  if (suspects.size() > top) fmt::print("({} more; --top N or --json for all)\n", suspects.size() - top);
  return 0;
}

}  // namespace oomkit::cli
