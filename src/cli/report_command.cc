#include "cli/report_command.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/format.h"
#include "report/node_report.h"

namespace oomkit::cli {

int RunReport(const ReportOptions& o) {
  auto result = report::ReadNodeReportFile(o.file);
  if (!result.ok()) {
    fmt::print(stderr, "oomkit: {}: {}\n", o.file, result.error());
    return 2;
  }
  const report::NodeReport& r = result.value();
  for (const auto& w : r.warnings) fmt::print(stderr, "oomkit: {}: warning: {}\n", o.file, w);
  if (o.json) {
    nlohmann::ordered_json spaces = nlohmann::ordered_json::array();
    for (const auto& s : r.spaces) spaces.push_back({{"name", s.name}, {"size", s.size}, {"used", s.used}, {"available", s.available}});
    nlohmann::ordered_json handles = nlohmann::ordered_json::object();
    for (const auto& [type, n] : r.handles) handles[type] = n;
    nlohmann::ordered_json j{{"file", o.file},
                             {"kind", r.kind},
                             {"trigger", r.trigger},
                             {"event", r.event},
                             {"report_version", r.version},
                             {"node_version", r.node_version},
                             {"command_line", r.command_line},
                             {"heap_size_limit", r.heap_limit},
                             {"heap_used", r.heap_used},
                             {"heap_total", r.heap_total},
                             {"external", r.external},
                             {"rss", r.rss ? nlohmann::ordered_json(r.rss) : nullptr},
                             {"total_memory", r.total_memory ? nlohmann::ordered_json(r.total_memory) : nullptr},
                             {"container_limit", r.container_limit ? nlohmann::ordered_json(r.container_limit) : nullptr},
                             {"heap_spaces", std::move(spaces)},
                             {"handles", std::move(handles)},
                             {"active_timers", r.active_timers},
                             {"workers", r.workers},
                             {"js_stack", r.js_stack},
                             {"native_stack", r.native_stack},
                             {"findings", r.findings},
                             {"warnings", r.warnings}};
    fmt::print("{}\n", j.dump(1));
    return 0;
  }
  fmt::print("{}: Node {} report ({}: {}), version {}\n", o.file, r.node_version, r.trigger, r.event, r.version);
  if (!r.command_line.empty()) {
    std::string cmd;
    for (const auto& a : r.command_line) cmd += (cmd.empty() ? "" : " ") + a;
    fmt::print("  command      {}\n", Ellipsize(cmd, 160));
  }
  fmt::print("  heap         {} used of {} total, limit {}\n", HumanSize(r.heap_used), HumanSize(r.heap_total),
             HumanSize(r.heap_limit));
  fmt::print("  external     {} (Buffers, ArrayBuffers)\n", HumanSize(r.external));
  if (r.rss) fmt::print("  RSS          {}\n", HumanSize(r.rss));
  if (r.total_memory)
    fmt::print("  memory       machine {}{}\n", HumanSize(r.total_memory),
               r.container_limit ? fmt::format(", container limit {}", HumanSize(r.container_limit)) : ", no container limit");
  if (!r.spaces.empty()) {
    std::vector<std::vector<std::string>> rows = {{"Heap space", "Used", "Size", "Available"}};
    for (const auto& s : r.spaces)
      if (s.size || s.used) rows.push_back({s.name, HumanSize(s.used), HumanSize(s.size), HumanSize(s.available)});
    fmt::print("\n{}", RenderTable(rows));
  }
  if (!r.handles.empty()) {
    std::string list;
    for (const auto& [type, n] : r.handles) list += fmt::format("{}{} {}", list.empty() ? "" : ", ", n, type);
    fmt::print("\n  libuv handles  {}\n", list);
  }
  if (!r.js_stack.empty() && r.js_stack.front() != "Unavailable.") {
    fmt::print("\nJS stack ({}):\n", r.js_message);
    for (size_t i = 0; i < r.js_stack.size() && i < 10; ++i) fmt::print("  {}\n", r.js_stack[i]);
  }
  fmt::print("\nFindings:\n");
  for (const auto& f : r.findings) fmt::print("  - {}\n", f);
  return 0;
}

}  // namespace oomkit::cli
