#include "cli/profile_command.h"

#include <algorithm>
#include <functional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/format.h"
#include "profile/heap_profile.h"
#include "profile/pprof_writer.h"

namespace oomkit::cli {

int RunProfile(const ProfileOptions& o) {
  auto result = profile::ReadHeapProfileFile(o.file);
  if (!result.ok()) {
    fmt::print(stderr, "oomkit: {}: {}\n", o.file, result.error());
    return 2;
  }
  const profile::HeapProfile& p = result.value();
  if (!o.pprof.empty()) {
    Status s = profile::WritePprof(p, o.pprof);
    if (!s.ok()) {
      fmt::print(stderr, "oomkit: {}: {}\n", o.pprof, s.message());
      return 2;
    }
  }
  const size_t top = std::min(o.top, p.sites.size());
  if (o.json) {
    nlohmann::ordered_json sites = nlohmann::ordered_json::array();
    for (size_t i = 0; i < top; ++i) {
      const auto& s = p.sites[i];
      const auto& f = p.frames[s.frame];
      sites.push_back({{"function", f.function},
                       {"url", f.url},
                       {"line", f.line + 1},
                       {"column", f.column + 1},
                       {"self_size", s.self_size},
                       {"total_size", s.total_size},
                       {"self_samples", s.self_samples},
                       {"total_samples", s.total_samples}});
    }
    nlohmann::ordered_json j{{"file", o.file},
                             {"total_size", p.total_size},
                             {"samples", p.total_samples},
                             {"nodes", p.nodes.size()},
                             {"sites", std::move(sites)}};
    if (!o.pprof.empty()) j["pprof"] = o.pprof;
    fmt::print("{}\n", j.dump(1));
    return 0;
  }
  fmt::print("{}: {} sampled in {} samples, {} call sites\n\n", o.file, HumanSize(p.total_size), Thousands(p.total_samples),
             Thousands(p.sites.size()));
  std::vector<std::vector<std::string>> rows = {{"Allocation site", "Self", "Self %", "Total", "Total %"}};
  for (size_t i = 0; i < top; ++i) {
    const auto& s = p.sites[i];
    rows.push_back({Ellipsize(profile::FrameName(p.frames[s.frame]), 90), HumanSize(s.self_size), Percent(s.self_size, p.total_size),
                    HumanSize(s.total_size), Percent(s.total_size, p.total_size)});
  }
  fmt::print("{}", RenderTable(rows));
  if (o.tree) {
    // Children by node, the biggest subtrees first; nodes under 1 % are left out.
    std::vector<std::vector<uint32_t>> children(p.nodes.size());
    std::vector<uint64_t> subtree(p.nodes.size());
    for (size_t i = p.nodes.size(); i-- > 0;) {
      subtree[i] += p.nodes[i].self_size;
      if (p.nodes[i].parent != UINT32_MAX) {
        subtree[p.nodes[i].parent] += subtree[i];
        children[p.nodes[i].parent].push_back(static_cast<uint32_t>(i));
      }
    }
    fmt::print("\nCall tree (total, self; under 1 % left out):\n");
    std::function<void(uint32_t, int)> print = [&](uint32_t n, int depth) {
      if (subtree[n] * 100 < p.total_size || depth > o.depth) return;
      if (depth > 0)
        fmt::print("{}{}  {} ({}), self {}\n", std::string(static_cast<size_t>(depth - 1) * 2, ' '),
                   Ellipsize(profile::FrameName(p.frames[p.nodes[n].frame]), 80), HumanSize(subtree[n]),
                   Percent(subtree[n], p.total_size), HumanSize(p.nodes[n].self_size));
      auto kids = children[n];
      std::sort(kids.begin(), kids.end(), [&](uint32_t a, uint32_t b) { return subtree[a] > subtree[b]; });
      for (uint32_t k : kids) print(k, depth + 1);
    };
    if (!p.nodes.empty()) print(0, 0);
  }
  if (!o.pprof.empty()) fmt::print("\npprof profile written: {} (go tool pprof -top {})\n", o.pprof, o.pprof);
  return 0;
}

}  // namespace oomkit::cli
