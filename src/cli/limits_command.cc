#include "cli/limits_command.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <regex>

#include "supervise/heap_limit.h"
#include "supervise/memory_limits.h"
#include "supervise/node_probe.h"

namespace oomkit::cli {
namespace {

using Json = nlohmann::ordered_json;
constexpr uint64_t kMiB = 1024 * 1024;

std::string MiB(uint64_t bytes) { return fmt::format("{} MiB", (bytes + kMiB / 2) / kMiB); }
std::string GiB(uint64_t bytes) {
  return bytes >= 1024 * kMiB ? fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1024.0 * kMiB)) : MiB(bytes);
}
Json Bytes(const std::optional<uint64_t>& v) { return v ? Json(*v) : Json(); }

}  // namespace

int RunLimits(const LimitsOptions& o) {
  auto read = supervise::ReadMemoryLimits(o.root);
  if (!read.ok()) {
    fmt::print(stderr, "oomkit limits: {}\n", read.error());
    return 2;
  }
  const supervise::MemoryLimits& m = read.value();

  // Node: asked, unless a fake root is read (node would see this machine) or
  // a version is given to predict for.
  std::string version;
  int major = o.node_major;
  uint64_t measured_default = 0, configured = 0;
  std::string node_error;
  if (major == 0 || o.root.empty()) {
    auto facts = supervise::AskNode(o.node, false);
    if (facts.ok()) {
      version = facts.value().version;
      if (major == 0) major = facts.value().major;
      if (o.root.empty() && major == facts.value().major) measured_default = facts.value().heap_size_limit;
      const char* opts = std::getenv("NODE_OPTIONS");
      if (opts && std::string(opts).find("max-old-space-size") != std::string::npos) {
        auto with = supervise::AskNode(o.node, true);
        if (with.ok()) configured = with.value().heap_size_limit;
      }
    } else {
      node_error = facts.error();
    }
  }
  if (major == 0) {
    fmt::print(stderr, "oomkit limits: {}; give --node PATH, or --node-major N to predict for a version\n", node_error);
    return 2;
  }
  uint64_t seen = m.seen_by_node(major);
  uint64_t predicted = supervise::DefaultHeapLimit(seen, major).total();
  uint64_t default_limit = measured_default ? measured_default : predicted;
  uint64_t recommended = supervise::RecommendedOldSpaceMiB(m.enforced(), major);

  std::vector<std::string> warnings;
  if (m.hard && default_limit >= *m.hard)
    warnings.push_back(fmt::format(
        "Node's default heap limit ({}) is at or above the container's limit ({}): the kernel's OOM killer ends the "
        "process (SIGKILL, exit 137, nothing printed) before V8 can report an OOM; set --max-old-space-size={}",
        MiB(default_limit), MiB(*m.hard), recommended));
  if (m.cgroup_version == 2 && m.hard && major < 20)
    warnings.push_back(fmt::format(
        "Node {} does not read cgroup v2 limits: it sizes its heap from the machine's {} of RAM, not the container's "
        "{}; upgrade to Node 20+ or set --max-old-space-size={}",
        major, GiB(m.ram), GiB(*m.hard), recommended));
  if (m.soft && major >= 20 && (!m.hard || *m.soft < *m.hard))
    warnings.push_back(fmt::format("Node {} sizes its heap from the {} too ({}), not only from the hard limit",
                                   major, m.cgroup_version == 2 ? "memory.high" : "soft limit", MiB(*m.soft)));
  if (configured && m.hard && configured >= *m.hard)
    warnings.push_back(fmt::format("NODE_OPTIONS gives a heap limit of {} (old space + young generation), at or "
                                   "above the container's {}: the kernel kills the process first",
                                   MiB(configured), MiB(*m.hard)));

  if (o.json) {
    Json j{{"ram_bytes", m.ram},
           {"cgroup",
            m.cgroup_version ? Json{{"version", m.cgroup_version},
                                    {"path", m.cgroup_path},
                                    {"dir", m.cgroup_dir},
                                    {"limit_bytes", Bytes(m.hard)},
                                    {"limit_from", m.hard ? Json(m.hard_from) : Json()},
                                    {"soft_limit_bytes", Bytes(m.soft)},
                                    {"usage_bytes", Bytes(m.current)}}
                             : Json()},
           {"enforced_bytes", m.enforced()},
           {"node",
            {{"binary", o.node},
             {"version", version.empty() ? Json() : Json(version)},
             {"major", major},
             {"memory_seen_bytes", seen},
             {"default_heap_limit_bytes", default_limit},
             {"default_heap_limit_measured", measured_default != 0},
             {"predicted_heap_limit_bytes", predicted},
             {"node_options_heap_limit_bytes", configured ? Json(configured) : Json()}}},
           {"recommended_max_old_space_size_mb", recommended},
           {"warnings", warnings}};
    fmt::print("{}\n", j.dump(1));
    return 0;
  }
  fmt::print("memory\n  RAM                  {}\n", GiB(m.ram));
  if (m.cgroup_version) {
    std::string limit = m.hard ? GiB(*m.hard) : "none";
    fmt::print("  cgroup v{}            {}\n", m.cgroup_version, m.cgroup_path);
    fmt::print("  limit                {}{}\n", limit,
               m.hard && m.hard_from != m.cgroup_dir ? fmt::format(" (set on an ancestor: {})", m.hard_from) : "");
    if (m.soft) fmt::print("  {}  {}\n", m.cgroup_version == 2 ? "memory.high        " : "soft limit         ", GiB(*m.soft));
    if (m.current) fmt::print("  in use               {}\n", GiB(*m.current));
  } else {
    fmt::print("  cgroup               no memory cgroup found\n");
  }
  fmt::print("node {}\n", version.empty() ? fmt::format("{} (predicted)", major) : fmt::format("v{} ({})", version, o.node));
  fmt::print("  sizes its heap from  {}\n", GiB(seen));
  fmt::print("  default heap limit   {} ({})\n", MiB(default_limit),
             measured_default ? "heap_size_limit, asked of node" : "predicted from V8's rule");
  if (configured) fmt::print("  with NODE_OPTIONS    {}\n", MiB(configured));
  fmt::print("recommended\n  --max-old-space-size={}   (75 % of {} for the heap, less the {} young generation)\n",
             recommended, GiB(m.enforced()), MiB(supervise::YoungGenerationFor(major)));
  for (const std::string& w : warnings) fmt::print("WARNING: {}\n", w);
  return 0;
}

}  // namespace oomkit::cli
