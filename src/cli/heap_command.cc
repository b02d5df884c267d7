#include "cli/heap_command.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <queue>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/format.h"
#include "cli/heap_load.h"
#include "cli/progress_bar.h"
#include "common/input_file.h"
#include "common/peak_memory.h"
#include "heap/analysis.h"
#include "heap/distances.h"
#include "heap/snapshot_reader.h"
#include "heap/summary.h"

namespace oomkit::cli {
namespace {

using heap::Analysis;
using heap::Snapshot;
using Json = nlohmann::ordered_json;

Json StatisticsJson(const heap::Statistics& st) {
  return Json{{"total", st.total},         {"v8heap", st.v8heap},   {"native", st.native},
              {"code", st.code},           {"strings", st.strings}, {"js_arrays", st.js_arrays},
              {"typed_arrays", st.typed_arrays}, {"system", st.system}, {"other_js", st.other_js()},
              {"other_native", st.other_native()}};
}

void PrintStatistics(const heap::Statistics& st) {
  std::vector<std::vector<std::string>> rows = {{"Statistics", "Size", "Share"}};
  auto row = [&](const char* what, uint64_t v) { rows.push_back({what, HumanSize(v), Percent(v, st.total)}); };
  row("Code", st.code);
  row("Strings", st.strings);
  row("JS arrays", st.js_arrays);
  row("Typed arrays", st.typed_arrays);
  row("System objects", st.system);
  row("Other JS objects", st.other_js());
  row("Other non-JS objects", st.other_native());
  row("Total", st.total);
  fmt::print("{}", RenderTable(rows));
}

}  // namespace

int RunHeapInfo(const HeapOptions& o) {
  ProgressBar bar(o.progress);
  Snapshot s;
  if (!Load(o, o.file, &s, bar)) return 2;
  uint64_t self_total = 0;
  for (uint32_t n = 0; n < s.node_count; ++n) self_total += s.node_self_size[n];
  uint64_t total = self_total + s.extra_native_bytes;
  bool traces = s.trace_function_count > 0;
  if (o.json) {
    Json j{{"file", o.file},
           {"node_fields", s.layout.node_fields},
           {"node_types", s.layout.node_types},
           {"edge_fields", s.layout.edge_fields},
           {"edge_types", s.layout.edge_types},
           {"node_count", s.node_count},
           {"edge_count", s.edge_count},
           {"string_count", s.strings.size()},
           {"total_size", total},
           {"extra_native_bytes", s.extra_native_bytes},
           {"allocation_traces", traces},
           {"trace_function_count", s.trace_function_count},
           {"locations", s.locations.size()},
           {"samples", s.samples.size() / std::max<size_t>(1, s.layout.sample_fields.size())}};
    if (!s.missing.empty()) j["missing"] = s.missing;
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
    return out;
  };
  fmt::print("{}\n", o.file);
  fmt::print("  node fields   {} ({})\n", join(s.layout.node_fields), s.layout.node_fields.size());
  fmt::print("  node types    {}\n", join(s.layout.node_types));
  fmt::print("  edge fields   {}\n", join(s.layout.edge_fields));
  fmt::print("  edge types    {}\n", join(s.layout.edge_types));
  fmt::print("  nodes         {}\n", Thousands(s.node_count));
  fmt::print("  edges         {}\n", Thousands(s.edge_count));
  fmt::print("  strings       {}\n", Thousands(s.strings.size()));
  fmt::print("  total size    {} (sum of V8 self sizes{})\n", HumanSize(total),
             s.has_extra_native_bytes ? " + extra_native_bytes" : "");
  if (s.has_extra_native_bytes) fmt::print("  extra native  {}\n", HumanSize(s.extra_native_bytes));
  fmt::print("  allocation traces  {}\n",
             traces ? fmt::format("yes ({} functions)", Thousands(s.trace_function_count)) : "no");
  fmt::print("  locations     {}\n", s.locations.empty() ? "no" : Thousands(s.locations.size()));
  if (!s.missing.empty()) fmt::print("  missing       {}\n", s.missing);
  return 0;
}

int RunHeapSummary(const HeapOptions& o) {
  std::optional<std::regex> filter;
  if (!o.class_regex.empty()) {
    try {
      filter.emplace(o.class_regex, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      fmt::print(stderr, "oomkit: --class: not a valid regular expression: {}\n", e.what());
      return 2;
    }
  }
  PhaseTimer timer(o.stats);
  Snapshot s;
  Analysis a;
  heap::AnalysisOptions ao;
  ao.release_ids = true;         // the Summary names classes, no object
  ao.release_edge_words = true;  // nor any edge
  if (!LoadAndAnalyze(o, o.file, timer, &s, &a, ao)) return 2;
  auto rows = heap::SummarizeClasses(s, a, o.threads);
  timer.Lap("aggregate");
  std::vector<const heap::ClassRow*> shown;
  for (const auto& r : rows) {
    if (filter && !std::regex_search(r.name.begin(), r.name.end(), *filter)) continue;
    shown.push_back(&r);
  }
  size_t top = o.top ? o.top : (o.json ? shown.size() : 25);
  if (shown.size() > top) shown.resize(top);

  if (o.json) {
    Json classes = Json::array();
    for (const auto* r : shown)
      classes.push_back({{"name", r->name},
                         {"count", r->count},
                         {"self_size", r->self_size},
                         {"retained_size", r->retained_size},
                         {"distance", r->distance}});
    Json j{{"file", o.file},
           {"semantics", o.semantics},
           {"node_count", s.node_count},
           {"edge_count", s.edge_count},
           {"total_size", a.total_size},
           {"statistics", StatisticsJson(a.statistics)},
           {"class_count", rows.size()},
           {"classes", std::move(classes)}};
    if (!s.missing.empty()) j["missing"] = s.missing;
    fmt::print("{}\n", j.dump(1));
    return 0;
  }
  std::vector<std::vector<std::string>> table = {
      {"Constructor", "Distance", "# Objects", "Shallow size", "", "Retained size", ""}};
  for (const auto* r : shown) {
    // As DevTools shows it: a dash for objects only the system reaches (and unreachable ones).
    bool user_reachable = r->distance >= 0 && r->distance < heap::kBaseSystemDistance;
    table.push_back({Ellipsize(r->name, 60), user_reachable ? Thousands(static_cast<uint64_t>(r->distance)) : "−",
                     Thousands(r->count), HumanSize(r->self_size), Percent(r->self_size, a.total_size),
                     HumanSize(r->retained_size), Percent(r->retained_size, a.total_size)});
  }
  fmt::print("{}", RenderTable(table));
  if (rows.size() > shown.size())
    fmt::print("({} of {} classes shown; --top N for more, --class REGEX to filter)\n", shown.size(), rows.size());
  fmt::print("\n");
  PrintStatistics(a.statistics);
  fmt::print("\n{} nodes, {} edges, {} total{}\n", Thousands(s.node_count), Thousands(s.edge_count),
             HumanSize(a.total_size), a.semantics == heap::Semantics::kRaw ? " (raw semantics)" : "");
  if (a.tree.unreachable)
    fmt::print("{} objects are not reachable from the root over retaining edges (attributed to the root)\n",
               Thousands(a.tree.unreachable));
  return 0;
}

int RunHeapDominators(const HeapOptions& o) {
  PhaseTimer timer(o.stats);
  Snapshot s;
  Analysis a;
  if (!LoadAndAnalyze(o, o.file, timer, &s, &a)) return 2;
  const size_t top = o.top ? o.top : 10;
  // Biggest single objects: every node but the root and the synthetic (GC
  // root) groups, by retained size, ties by ordinal.
  auto bigger = [&](uint32_t x, uint32_t y) {
    if (a.tree.retained_size[x] != a.tree.retained_size[y]) return a.tree.retained_size[x] > a.tree.retained_size[y];
    return x < y;
  };
  std::priority_queue<uint32_t, std::vector<uint32_t>, decltype(bigger)> heap_top(bigger);
  for (uint32_t n = 0; n < s.node_count; ++n) {
    if (n == s.root || s.node_type[n] == s.layout.synthetic) continue;
    heap_top.push(n);
    if (heap_top.size() > top) heap_top.pop();
  }
  std::vector<uint32_t> objects;
  while (!heap_top.empty()) objects.push_back(heap_top.top()), heap_top.pop();
  std::reverse(objects.begin(), objects.end());

  auto children_by_size = [&](uint32_t n) {
    std::vector<uint32_t> kids(a.tree.children.begin() + a.tree.first_child[n],
                               a.tree.children.begin() + a.tree.first_child[n + 1]);
    std::sort(kids.begin(), kids.end(), bigger);
    return kids;
  };
  if (o.json) {
    Json list = Json::array();
    std::function<Json(uint32_t, int)> node_json = [&](uint32_t n, int depth) {
      uint32_t dom = a.tree.dominator[n];
      Json j{{"id", s.node_id[n]},
             {"name", std::string(s.strings[a.classes[a.class_of[n]].name])},
             {"node_name", std::string(s.node_name_str(n))},
             {"type", TypeName(s, n)},
             {"self_size", a.self_size[n]},
             {"retained_size", a.tree.retained_size[n]},
             {"dominator_id", s.node_id[dom]},
             {"edge", EdgeTo(s, dom, n)}};
      if (depth < o.depth) {
        Json kids = Json::array();
        auto sorted = children_by_size(n);
        for (size_t k = 0; k < sorted.size() && k < 10; ++k) kids.push_back(node_json(sorted[k], depth + 1));
        j["dominated"] = std::move(kids);
      }
      return j;
    };
    for (uint32_t n : objects) list.push_back(node_json(n, 0));
    Json j{{"file", o.file}, {"semantics", o.semantics}, {"total_size", a.total_size}, {"objects", std::move(list)}};
    fmt::print("{}\n", j.dump(1));
    return 0;
  }
  fmt::print("Biggest objects by retained size ({} total):\n\n", HumanSize(a.total_size));
  std::function<void(uint32_t, int)> print = [&](uint32_t n, int depth) {
    uint32_t dom = a.tree.dominator[n];
    std::string edge = EdgeTo(s, dom, n);
    std::string indent(static_cast<size_t>(depth) * 2, ' ');
    std::string via = depth == 0 ? "" : (edge.empty() ? "" : Ellipsize(edge, 40) + " -> ");
    fmt::print("{}{}{} @{}  shallow {}  retained {} ({})\n", indent, via, DisplayName(s, a, n), s.node_id[n],
               HumanSize(a.self_size[n]), HumanSize(a.tree.retained_size[n]),
               Percent(a.tree.retained_size[n], a.total_size));
    if (depth == 0 && dom != s.root) {
      fmt::print("{}  held by {} @{}{}\n", indent, DisplayName(s, a, dom), s.node_id[dom],
                 edge.empty() ? "" : fmt::format(" via {}", Ellipsize(edge, 40)));
    }
    if (depth >= o.depth) return;
    auto sorted = children_by_size(n);
    for (size_t k = 0; k < sorted.size() && k < 10; ++k) print(sorted[k], depth + 1);
    if (sorted.size() > 10) fmt::print("{}  … {} more dominated objects\n", indent, Thousands(sorted.size() - 10));
  };
  for (uint32_t n : objects) {
    print(n, 0);
    fmt::print("\n");
  }
  return 0;
}

}  // namespace oomkit::cli
