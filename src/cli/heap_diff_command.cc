// `oomkit heap diff BASE CURRENT`: DevTools' Comparison view by class.
#include <future>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/format.h"
#include "cli/heap_command.h"
#include "cli/heap_load.h"
#include "heap/diff.h"

namespace oomkit::cli {

namespace {


std::string SignedCount(int64_t n) {
  if (n == 0) return "0";
  return fmt::format("{}{}", n > 0 ? "+" : "-", Thousands(static_cast<uint64_t>(n > 0 ? n : -n)));
}

}  // namespace

int RunHeapDiff(const HeapOptions& o) {
  PhaseTimer timer(o.stats);
  const std::string& base_file = o.files[0];
  const std::string& current_file = o.files[1];
  // The base's plain objects are named after the current snapshot's
  // interfaces: the base's analysis waits for them just before naming, so the
  // two analyses run side by side (one per core) until then. Each snapshot is
  // reduced to its class members as soon as it is analysed.
  heap::ClassMembers current, base;
  std::promise<const std::vector<heap::InterfaceDefinition>*> interfaces_promise;
  std::shared_future<const std::vector<heap::InterfaceDefinition>*> interfaces = interfaces_promise.get_future();
  bool interfaces_set = false;
  auto publish = [&](const std::vector<heap::InterfaceDefinition>* defs) {
    if (!interfaces_set) interfaces_promise.set_value(defs);
    interfaces_set = true;
  };
  bool base_ok = false;
  auto analyze_base = [&] {
    HeapOptions quiet = o;
    quiet.progress = false;  // one progress bar: the current snapshot's
    quiet.stats = false;
    PhaseTimer silent(false);
    heap::Snapshot s;
    heap::Analysis a;
    heap::AnalysisOptions ao;
    ao.interfaces_from = [&] { return interfaces.get(); };
    if (!LoadAndAnalyze(quiet, base_file, silent, &s, &a, ao)) return;
    base = heap::CollectClassMembers(s, a, o.threads);
    base_ok = true;
  };
  std::thread base_thread;
  const bool side_by_side = o.threads != 1;
  if (side_by_side) base_thread = std::thread(analyze_base);
  bool current_ok = false;
  std::vector<heap::InterfaceDefinition> current_interfaces;
  {
    heap::Snapshot s;
    heap::Analysis a;
    heap::AnalysisOptions ao;
    ao.on_interfaces = [&](const std::vector<heap::InterfaceDefinition>& defs) {
      current_interfaces = defs;
      publish(&current_interfaces);
    };
    current_ok = LoadAndAnalyze(o, current_file, timer, &s, &a, ao);
    if (current_ok) current = heap::CollectClassMembers(s, a, o.threads);
  }
  publish(nullptr);  // the current snapshot failed: let the base finish
  if (side_by_side) base_thread.join();
  else analyze_base();
  if (!current_ok || !base_ok) return 2;
  timer.Lap("base");
  auto diff = heap::DiffSnapshots(base, current);
  if (!diff.ok()) {
    fmt::print(stderr, "oomkit: {} and {}: {}\n", base_file, current_file, diff.error());
    return 2;
  }
  timer.Lap("compare");
  const auto& classes = diff.value().classes;
  if (o.json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    size_t shown = o.top ? std::min(o.top, classes.size()) : classes.size();
    for (size_t i = 0; i < shown; ++i) {
      const auto& c = classes[i];
      list.push_back({{"name", c.name},
                      {"new", c.added},
                      {"deleted", c.deleted},
                      {"delta", c.delta},
                      {"alloc_size", c.alloc_size},
                      {"freed_size", c.freed_size},
                      {"size_delta", c.size_delta},
                      {"retained_delta", c.retained_delta},
                      {"base_retained_size", c.base_retained},
                      {"retained_size", c.current_retained}});
    }
    nlohmann::ordered_json j{{"base", base_file},
                             {"current", current_file},
                             {"base_max_id", base.max_id},
                             {"matched_objects", diff.value().matched},
                             {"classes", std::move(list)}};
    fmt::print("{}\n", j.dump(1));
    return 0;
  }
  const size_t top = o.top ? o.top : 25;
  std::vector<std::vector<std::string>> rows = {
      {"Constructor", "# New", "# Deleted", "# Delta", "Alloc. size", "Freed size", "Size delta", "Retained delta"}};
  for (size_t i = 0; i < classes.size() && i < top; ++i) {
    const auto& c = classes[i];
    rows.push_back({Ellipsize(c.name, 60), Thousands(c.added), Thousands(c.deleted), SignedCount(c.delta),
                    HumanSize(c.alloc_size), HumanSize(c.freed_size), SignedSize(c.size_delta),
                    SignedSize(c.retained_delta)});
  }
  fmt::print("{} -> {}: {} objects survive, by retained-size delta\n\n", base_file, current_file,
             Thousands(diff.value().matched));
  fmt::print("{}", RenderTable(rows));
  if (classes.size() > top)
    fmt::print("({} of {} changed classes shown; --top N for more)\n", top, classes.size());
  return 0;
}

}  // namespace oomkit::cli
