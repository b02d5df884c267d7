// `oomkit heap retainers FILE (@ID | --class NAME)`: why an object is alive.
#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/format.h"
#include "cli/heap_command.h"
#include "cli/heap_load.h"
#include "cli/path_format.h"
#include "common/parallel.h"
#include "heap/retaining_paths.h"

namespace oomkit::cli {

int RunHeapRetainers(const HeapOptions& o) {
  if (o.target.empty() == o.class_name.empty()) {
    fmt::print(stderr, "oomkit: heap retainers: give an object (@ID) or --class NAME, not both\n");
    return 2;
  }
  uint32_t wanted_id = 0;
  if (!o.target.empty()) {
    std::string_view t = o.target;
    if (t.starts_with("@")) t.remove_prefix(1);
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), wanted_id);
    if (ec != std::errc() || end != t.data() + t.size()) {
      fmt::print(stderr, "oomkit: heap retainers: '{}' is not an object id (write it as @123, as DevTools shows it)\n",
                 o.target);
      return 2;
    }
  }
  PhaseTimer timer(o.stats);
  heap::Snapshot s;
  heap::Analysis a;
  if (!LoadAndAnalyze(o, o.file, timer, &s, &a)) return 2;

  std::vector<uint32_t> targets;
  if (!o.target.empty()) {
    for (uint32_t n = 0; n < s.node_count; ++n)
      if (s.node_id[n] == wanted_id) targets.push_back(n);
    if (targets.empty()) {
      fmt::print(stderr, "oomkit: {}: no object @{} in this snapshot\n", o.file, wanted_id);
      return 2;
    }
  } else {
    std::vector<uint32_t> members;
    for (uint32_t n = 0; n < s.node_count; ++n)
      if (a.self_size[n] != 0 && s.strings[a.classes[a.class_of[n]].name] == o.class_name) members.push_back(n);
    if (members.empty()) {
      fmt::print(stderr, "oomkit: {}: no class named '{}' (names as `oomkit heap summary` prints them)\n", o.file,
                 o.class_name);
      return 2;
    }
    std::sort(members.begin(), members.end(), [&](uint32_t x, uint32_t y) {
      if (a.tree.retained_size[x] != a.tree.retained_size[y]) return a.tree.retained_size[x] > a.tree.retained_size[y];
      return x < y;
    });
    members.resize(std::min(members.size(), std::max<size_t>(o.instances, 1)));
    targets = std::move(members);
  }
  heap::RetainerIndex retainers(s, o.threads > 0 ? o.threads : DefaultThreads());
  heap::PathFinder finder(s, a, *a.weakmaps, &retainers);
  const size_t max_paths = o.max_paths ? o.max_paths : (o.target.empty() ? 1 : 5);
  timer.Lap("paths");

  nlohmann::ordered_json objects = nlohmann::ordered_json::array();
  for (uint32_t n : targets) {
    auto paths = finder.Paths(n, max_paths);
    if (o.json) {
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      for (const auto& p : paths)
        list.push_back({{"length", p.length()},
                        {"through_weakmap_table", p.through_weakmap_table},
                        {"system_root", std::string(p.system_root)},
                        {"v8_internal", p.v8_internal_root},
                        {"path", PathJson(s, a, p)}});
      objects.push_back({{"id", s.node_id[n]},
                         {"name", DisplayName(s, a, n)},
                         {"self_size", a.self_size[n]},
                         {"retained_size", a.tree.retained_size[n]},
                         {"distance", a.distance[n]},
                         {"paths", std::move(list)}});
      continue;
    }
    fmt::print("{} @{}  shallow {}  retained {}  distance {}\n", DisplayName(s, a, n), s.node_id[n],
               HumanSize(a.self_size[n]), HumanSize(a.tree.retained_size[n]),
               a.distance[n] < 0 ? std::string("-") : fmt::format("{}", a.distance[n]));
    if (paths.empty())
      fmt::print("  no retaining path from the GC roots: only weak references hold it (the next GC frees it)\n");
    for (size_t i = 0; i < paths.size(); ++i) {
      const auto& p = paths[i];
      std::string note;
      if (p.through_weakmap_table) note = "  (through a WeakMap table: held only while its key is)";
      else if (p.v8_internal_root) note = fmt::format("  (held by V8's {}, not by your code)", p.system_root);
      else if (p.system_root == "(Stack roots)") note = "  (held from the stack: a function running or suspended)";
      else if (p.system_rooted) note = fmt::format("  (held through {}: a native object such as a server, socket or timer)", p.system_root);
      fmt::print("  {}. {}{}\n", i + 1, PathLine(s, a, p, o.max_depth), note);
    }
    fmt::print("\n");
  }
  if (o.json) {
    nlohmann::ordered_json j{{"file", o.file}, {"objects", std::move(objects)}};
    fmt::print("{}\n", j.dump(1));
  }
  return 0;
}

}  // namespace oomkit::cli
