#include "supervise/launch_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace oomkit::supervise {
namespace {

// NODE_OPTIONS splits on spaces; a value with spaces goes in double quotes.
std::string Quote(const std::string& flag) {
  if (flag.find_first_of(" \"\\") == std::string::npos) return flag;
  std::string out = "\"";
  for (char c : flag) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

bool IsNodeBinary(std::string_view argv0) {
  std::string_view base = argv0.substr(argv0.rfind('/') == std::string_view::npos ? 0 : argv0.rfind('/') + 1);
  if (base == "nodejs") return true;
  if (!base.starts_with("node")) return false;
  base.remove_prefix(4);
  if (base.starts_with("-")) base.remove_prefix(1);  // node-20
  if (base.starts_with("v")) base.remove_prefix(1);
  return std::all_of(base.begin(), base.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
}

Result<LaunchPlan> PlanLaunch(const std::vector<std::string>& command, const LaunchOptions& o,
                              const std::vector<std::string>& environment) {
  if (command.empty()) return Status::Error("give the command to run after --, e.g. oomkit run -- node app.js");
  LaunchPlan p;
  p.through_node_options = !IsNodeBinary(command[0]);
  std::vector<std::string> flags;
  if (o.heap_limit_mb) {
    for (size_t i = 1; i < command.size() && !p.through_node_options; ++i)
      if (command[i].starts_with("--max-old-space-size"))
        return Status::Error(fmt::format("--heap-limit and the command's own {} contradict each other: give one",
                                         command[i]));
    flags.push_back(fmt::format("--max-old-space-size={}", o.heap_limit_mb));
  }
  if (!p.through_node_options) flags.push_back("--trace-gc");
  flags.push_back("--heapsnapshot-signal=SIGUSR2");
  flags.push_back("--diagnostic-dir=" + o.out_dir);
  flags.push_back("--report-on-fatalerror");
  flags.push_back("--report-directory=" + o.out_dir);
  if (o.snapshot_near_limit) flags.push_back(fmt::format("--heapsnapshot-near-heap-limit={}", o.snapshot_near_limit));
  if (o.expose_gc && !p.through_node_options) flags.push_back("--expose-gc");
  bool own_inspector = std::any_of(command.begin() + 1, command.end(), [](const std::string& a) { return a.starts_with("--inspect"); });
  if (o.inspector && !own_inspector) flags.push_back("--inspect=127.0.0.1:0");
  flags.push_back("--require=" + o.probe_path);
  p.added_flags = flags;

  std::string node_options;
  for (const std::string& e : environment) {
    if (e.starts_with("NODE_OPTIONS=")) node_options = e.substr(13);
    else if (!e.starts_with("OOMKIT_PROBE_") && !e.starts_with("OOMKIT_TRACE_GC=")) p.env.push_back(e);
  }
  p.env.push_back("OOMKIT_PROBE_SOCKET=" + o.probe_socket);
  p.env.push_back(fmt::format("OOMKIT_PROBE_MS={}", o.sample_ms));
  if (o.probe_commands) p.env.push_back("OOMKIT_PROBE_COMMANDS=1");
  if (p.through_node_options) {
    p.env.push_back("OOMKIT_TRACE_GC=1");
    std::string added;
    for (const std::string& f : flags) added += (added.empty() ? "" : " ") + Quote(f);
    // The user's NODE_OPTIONS come after ours: theirs win where both set a flag.
    p.env.push_back("NODE_OPTIONS=" + added + (node_options.empty() ? "" : " " + node_options));
    p.argv = command;
  } else {
    if (!node_options.empty()) p.env.push_back("NODE_OPTIONS=" + node_options);
    p.argv.push_back(command[0]);
    p.argv.insert(p.argv.end(), flags.begin(), flags.end());
    p.argv.insert(p.argv.end(), command.begin() + 1, command.end());
  }
  return p;
}

}  // namespace oomkit::supervise
