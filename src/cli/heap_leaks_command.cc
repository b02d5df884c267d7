// `oomkit heap leaks BASELINE TARGET FINAL [MORE...]`: what was allocated
// after the baseline and never freed, grouped by what holds it.
#include <future>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/format.h"
#include "cli/heap_command.h"
#include "cli/heap_load.h"
#include "cli/path_format.h"
#include "common/parallel.h"
#include "heap/allocation_traces.h"
#include "heap/diff.h"
#include "heap/leaks.h"

namespace oomkit::cli {
namespace {

using Tallies = std::unordered_map<std::string, heap::ClusterTally>;

// What is kept of each snapshot between the baseline and the last.
struct Middle {
  Tallies tally;
  std::vector<uint32_t> ids;  // above the baseline's largest id
};


}  // namespace

int RunHeapLeaks(const HeapOptions& o) {
  const auto& files = o.files;
  if (files.size() < 3) {
    fmt::print(stderr, "oomkit: heap leaks: give at least three snapshots of one process: BASELINE TARGET FINAL\n");
    return 2;
  }
  const int threads = o.threads > 0 ? o.threads : DefaultThreads();
  HeapOptions quiet = o;
  quiet.progress = false;
  quiet.stats = false;

  // The baseline gives the id above which objects are new; every snapshot
  // after it is analysed, the last one on this thread and the others beside
  // it, one after the other.
  std::promise<uint32_t> baseline_max_promise;
  std::shared_future<uint32_t> baseline_max = baseline_max_promise.get_future();
  std::vector<Middle> middles(files.size() - 2);
  std::vector<heap::IdSample> samples(files.size());
  bool others_ok = true;
  auto others = [&] {
    PhaseTimer silent(false);
    {
      heap::Snapshot s;
      ProgressBar none(false);
      if (!Load(quiet, files[0], &s, none, /*nodes_only=*/true)) {
        others_ok = false;
        baseline_max_promise.set_value(0);
        return;
      }
      samples[0] = heap::SampleIds(s);
      baseline_max_promise.set_value(heap::MaxHeapObjectId(s));
    }
    for (size_t k = 1; k + 1 < files.size(); ++k) {
      heap::Snapshot s;
      heap::Analysis a;
      heap::AnalysisOptions dominators_only;
      dominators_only.summary = false;  // the tops need the dominator tree only
      if (!LoadAndAnalyze(quiet, files[k], silent, &s, &a, dominators_only)) {
        others_ok = false;
        return;
      }
      samples[k] = heap::SampleIds(s);
      heap::PathFinder finder(s, a, *a.weakmaps, nullptr);
      auto tops = heap::FindNewObjectTops(s, a, finder, baseline_max.get());
      middles[k - 1].tally = heap::TallyClusters(a, tops);
      middles[k - 1].ids = heap::IdsAbove(s, baseline_max.get());
    }
  };
  std::thread other_thread;
  if (threads > 1) other_thread = std::thread(others);
  else others();

  PhaseTimer timer(o.stats);
  heap::Snapshot s;
  heap::Analysis a;
  bool last_ok = LoadAndAnalyze(o, files.back(), timer, &s, &a);
  const uint32_t bmax = baseline_max.get();
  std::vector<heap::NewObject> tops;
  std::unique_ptr<heap::PathFinder> finder;
  if (last_ok && others_ok) {
    samples.back() = heap::SampleIds(s);
    finder = std::make_unique<heap::PathFinder>(s, a, *a.weakmaps, nullptr);
    tops = heap::FindNewObjectTops(s, a, *finder, bmax);
  }
  if (other_thread.joinable()) other_thread.join();
  if (!last_ok || !others_ok) return 2;
  timer.Lap("leaks");

  for (size_t k = 1; k < files.size(); ++k) {
    if (Status same = heap::CheckSameProcess(samples[0], samples[k]); !same.ok()) {
      fmt::print(stderr, "oomkit: {} and {}: {}; leak detection needs snapshots of one process\n", files[0],
                 files[k], same.message());
      return 2;
    }
  }
  if (heap::MaxHeapObjectId(s) <= bmax) {
    fmt::print(stderr, "oomkit: {}: no object is newer than the baseline {}: give the snapshots oldest first\n",
               files.back(), files[0]);
    return 2;
  }
  std::vector<Tallies> earlier;
  std::vector<std::vector<uint32_t>> alive;
  for (auto& m : middles) {
    earlier.push_back(std::move(m.tally));
    alive.push_back(std::move(m.ids));
  }
  auto clusters = heap::RankLeakClusters(s, a, *finder, tops, earlier, alive);
  size_t significant = 0;
  for (const auto& c : clusters) significant += c.significant;

  // With --track-heap-objects snapshots: the stack that allocated each
  // cluster's representative.
  heap::AllocationTraces traces(s);
  auto stack_of = [&](const heap::LeakCluster& c) { return traces.StackOf(c.path.target); };
  auto frame_text = [](const heap::AllocationFrame& f) {
    if (f.script.empty()) return f.function;
    return fmt::format("{} ({}:{}:{})", f.function, f.script, f.line, f.column);
  };
  if (o.json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    const size_t shown = o.top ? std::min(o.top, clusters.size()) : clusters.size();
    for (size_t i = 0; i < shown; ++i) {
      const auto& c = clusters[i];
      nlohmann::ordered_json classes = nlohmann::ordered_json::array();
      for (const auto& [name, count] : c.classes) classes.push_back({{"name", name}, {"count", count}});
      nlohmann::ordered_json history = nlohmann::ordered_json::array();
      for (const auto& h : c.history) history.push_back({{"count", h.count}, {"retained_size", h.retained_size}});
      const auto& first = c.history.front();
      const auto& last = c.history.back();
      list.push_back({{"path", PathJson(s, a, c.path)},
                      {"count", c.count},
                      {"retained_size", c.retained_size},
                      {"classes", std::move(classes)},
                      {"growth_count", static_cast<int64_t>(last.count) - static_cast<int64_t>(first.count)},
                      {"growth_size",
                       static_cast<int64_t>(last.retained_size) - static_cast<int64_t>(first.retained_size)},
                      {"grew_every_step", c.grew_every_step},
                      {"significant", c.significant},
                      {"history", std::move(history)}});
      if (traces.available()) {
        nlohmann::ordered_json frames = nlohmann::ordered_json::array();
        for (const auto& f : stack_of(c))
          frames.push_back({{"function", f.function}, {"script", f.script}, {"line", f.line}, {"column", f.column}});
        list.back()["allocation_stack"] = std::move(frames);
      }
    }
    nlohmann::ordered_json j{{"files", files},
                             {"baseline_max_id", bmax},
                             {"significant_clusters", significant},
                             {"clusters", std::move(list)}};
    fmt::print("{}\n", j.dump(1));
  } else {
    fmt::print("Objects allocated after {} and still alive in every later snapshot, by what holds them\n",
               files[0]);
    fmt::print("(growth: their cluster from {} to {}):\n\n", files[1], files.back());
    const size_t top = o.top ? o.top : 10;
    size_t shown = 0;
    for (const auto& c : clusters) {
      if (!c.significant || shown == top) break;
      ++shown;
      const auto& first = c.history.front();
      const auto& last = c.history.back();
      std::string classes;
      for (const auto& [name, count] : c.classes)
        classes += fmt::format("{}{} × {}", classes.empty() ? "" : ", ", Thousands(count), Ellipsize(name, 60));
      fmt::print("{}. {} retained by {} objects ({}), growing {} / {:+} objects\n", shown, HumanSize(c.retained_size),
                 Thousands(c.count), classes,
                 SignedSize(static_cast<int64_t>(last.retained_size) - static_cast<int64_t>(first.retained_size)),
                 static_cast<int64_t>(last.count) - static_cast<int64_t>(first.count));
      fmt::print("   {}\n", PathLine(s, a, c.path, o.max_depth));
      if (traces.available()) {
        auto frames = stack_of(c);
        std::string where;
        for (size_t k = 0; k < frames.size() && k < 6; ++k) where += fmt::format("{}{}", k ? " < " : "", frame_text(frames[k]));
        fmt::print("   allocated at: {}\n", frames.empty() ? std::string("(no trace: allocated before tracking began)") : where);
      }
      fmt::print("\n");
    }
    if (significant == 0) fmt::print("No cluster grew above noise: no leak found.\n");
    if (clusters.size() > shown)
      fmt::print("({} more clusters {}; --json lists them all)\n", clusters.size() - shown,
                 shown < significant ? "not shown" : "below noise (not growing, or under 32 kB and 0.1 % of the heap)");
  }
  return o.fail_on_leak && significant > 0 ? 1 : 0;
}

}  // namespace oomkit::cli
