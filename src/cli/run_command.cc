#include "cli/run_command.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>
#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "common/new_file.h"
#include "supervise/heap_limit.h"
#include "supervise/memory_limits.h"
#include "supervise/node_probe.h"
#include "supervise/probe_source.h"
#include "supervise/supervisor.h"

extern char** environ;

namespace oomkit::cli {
namespace {

using Json = nlohmann::ordered_json;

std::string Mb(uint64_t bytes) { return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6); }

Status WritePrivate(const std::string& path, std::string_view data) {
  Status s = WriteNewFile(path, data, 0600);
  return s.ok() ? s : Status::Error(fmt::format("{}: {}", path, s.message()));
}

// The cgroup's count of OOM kills, to tell a kernel OOM kill from a kill -9.
int64_t OomKills(const supervise::MemoryLimits& m) {
  if (m.cgroup_version == 0) return -1;
  std::ifstream in(m.cgroup_dir + (m.cgroup_version == 2 ? "/memory.events" : "/memory.oom_control"));
  std::string key;
  int64_t value;
  while (in >> key >> value)
    if (key == "oom_kill") return value;
  return -1;
}

Result<uint64_t> HeapLimitMb(const RunOptions& o, const supervise::MemoryLimits& limits) {
  if (o.heap_limit.empty()) return uint64_t{0};
  if (o.heap_limit == "auto") {
    std::string node = supervise::IsNodeBinary(o.command[0]) ? o.command[0] : "node";
    auto facts = supervise::AskNode(node, false);
    if (!facts.ok()) return Status::Error("--heap-limit auto: " + facts.error());
    return supervise::RecommendedOldSpaceMiB(limits.enforced(), facts.value().major);
  }
  uint64_t mb = 0;
  auto [end, ec] = std::from_chars(o.heap_limit.data(), o.heap_limit.data() + o.heap_limit.size(), mb);
  if (ec != std::errc() || end != o.heap_limit.data() + o.heap_limit.size() || mb < 16)
    return Status::Error(fmt::format("--heap-limit '{}': give auto or a size in MB (at least 16)", o.heap_limit));
  return mb;
}

std::string Kind(const supervise::RunOutcome& r) {
  const std::string& k = r.crash.kind;
  if (k != "no-crash-found" && k != "other-crash") return k;
  if (r.worker_oom_lines > 0) return "worker-oom";
  if (r.signal) return "signal";
  return r.status == 0 ? "normal-exit" : "exit-status";
}

// What a run needs that does not change from one restart to the next.
struct RunSetup {
  uint64_t heap_mb = 0;
  double snapshot_at = 0, sample_s = 0.5, profile_every = 0;
  std::string metrics_host;
  uint16_t metrics_port = 0;
  int64_t oom_kills_before = -1;
  const supervise::MemoryLimits* limits = nullptr;
};

struct RunEnd {
  int status = 0;
  std::string kind;
  bool interrupted = false;
  double seconds = 0;
};

// One run of the command, its evidence in the new folder d.
Result<RunEnd> RunIn(const RunOptions& o, const RunSetup& setup, const std::string& d, uint32_t restarts,
                     const std::string& last_kind) {
  supervise::LaunchOptions lo;
  lo.inspector = setup.profile_every > 0;
  lo.heap_limit_mb = setup.heap_mb;
  lo.out_dir = d;
  lo.probe_path = d + "/probe.js";
  lo.probe_socket = d + "/probe.sock";
  lo.sample_ms = static_cast<int>(std::lround(setup.sample_s * 1000));
  lo.snapshot_near_limit = o.snapshot_near_limit;
  if (Status s = WritePrivate(lo.probe_path, supervise::ProbeSource()); !s.ok()) return Status::Error(s.message());
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  auto plan = supervise::PlanLaunch(o.command, lo, env);
  if (!plan.ok()) return Status::Error(plan.error());
  if (o.snapshot_near_limit)
    fmt::print(stderr, "oomkit run: --snapshot-near-limit: V8 raises the heap limit while it writes the snapshot (measured: a "
                       "64 MiB-limit process grew to 153 MiB of heap and ~900 MB RSS); the container must have that room\n");

  supervise::SuperviseOptions so;
  so.metrics_host = setup.metrics_host;
  so.metrics_port = setup.metrics_port;
  so.restarts = restarts;
  so.last_exit_kind = last_kind;
  so.plan = plan.take();
  so.out_dir = d;
  so.snapshot_at = setup.snapshot_at;
  so.old_space_size_given = setup.heap_mb > 0;
  so.profile_every_s = setup.profile_every;
  so.snapshot_max = o.snapshot_max;
  so.note = [](const std::string& s) { fmt::print(stderr, "oomkit run: {}\n", s); };
  std::string shown;
  for (const std::string& a : o.command) shown += (shown.empty() ? "" : " ") + a;
  fmt::print(stderr, "oomkit run: {} (evidence in {}{}{})\n", shown, d,
             setup.heap_mb ? fmt::format(", --max-old-space-size={}", setup.heap_mb) : "",
             so.metrics_port ? fmt::format(", metrics on http://{}:{}/metrics", so.metrics_host, so.metrics_port) : "");
  auto result = supervise::Supervise(so);
  if (!result.ok()) return Status::Error(result.error());
  supervise::RunOutcome& r = result.value();
  int64_t oom_kills_after = OomKills(*setup.limits);
  std::string kind = Kind(r);

  // Which process died: the crash text names its pid.
  const supervise::ProcessSeen* died = nullptr;
  for (const auto& p : r.processes)
    if (r.crash.pid && p.pid == r.crash.pid) died = &p;
  if (!died)
    for (const auto& p : r.processes)
      if (p.pid == r.pid) died = &p;

  std::string summary = r.crash.summary;
  if (kind == "worker-oom" && r.crash.kind != "worker-oom") summary = "a worker thread ran out of its heap; the process lives on";
  if (kind == "normal-exit") summary = "exited normally";
  if (kind == "exit-status") summary = fmt::format("exited with status {}", r.status);
  if (kind == "signal") summary = fmt::format("ended by signal {} ({})", r.signal, strsignal(r.signal));
  if (kind == "kernel-oom-kill" && setup.oom_kills_before >= 0)
    summary += oom_kills_after > setup.oom_kills_before ? " (confirmed: the cgroup's oom_kill count rose)"
                                                  : " (but the cgroup's oom_kill count did not change: another process may have "
                                                    "sent it, or the kernel's global OOM killer)";

  Json procs = Json::array();
  for (const auto& p : r.processes)
    procs.push_back({{"pid", p.pid},
                     {"ppid", p.ppid},
                     {"argv", p.argv},
                     {"node", p.node_version},
                     {"samples", p.samples},
                     {"heap_limit", p.heap_limit},
                     {"old_space_limit", p.old_space_limit},
                     {"heap_used_last", p.last_heap_used},
                     {"heap_used_max", p.max_heap_used},
                     {"rss_max", p.max_rss},
                     {"external_last", p.last_external},
                     {"gc_lines", p.gc_lines},
                     {"mark_compacts", p.mark_compacts},
                     {"snapshots_requested", p.snapshots_requested}});
  Json last_gcs = Json::array();
  for (const auto& g : r.crash.last_gcs)
    last_gcs.push_back({{"time_ms", g.time_ms}, {"collector", g.collector}, {"start_mb", g.start_mb}, {"end_mb", g.end_mb}});
  Json j{{"command", o.command},
         {"argv", so.plan.argv},
         {"flags_added", so.plan.added_flags},
         {"through_node_options", so.plan.through_node_options},
         {"pid", r.pid},
         {"exit",
          {{"kind", kind},
           {"status", r.status},
           {"signal", r.signal ? Json(r.signal) : Json()},
           {"summary", summary},
           {"message", r.crash.message.empty() ? Json() : Json(r.crash.message)},
           {"location", r.crash.location.empty() ? Json() : Json(r.crash.location)},
           {"died_pid", died ? Json(died->pid) : Json()},
           {"died_argv", died ? Json(died->argv) : Json()},
           {"oom_kill_count_rose", setup.oom_kills_before >= 0 ? Json(oom_kills_after > setup.oom_kills_before) : Json()},
           {"last_gcs", last_gcs},
           {"next_steps", r.crash.next_steps}}},
         {"seconds", std::round(r.seconds * 1000) / 1000},
         {"interrupted", r.interrupted},
         {"out_dir", d},
         {"files",
          {{"gc_log", d + "/gc.log"},
           {"timeline", d + "/timeline.ndjson"},
           {"stderr", d + "/stderr.log"},
           {"snapshots", r.snapshots},
           {"heap_profiles", r.profiles},
           {"reports", r.reports}}},
         {"gc_lines", r.gc_lines},
         {"heap_profiles_written", r.profiles_written},
         {"timeline_lines", r.timeline_lines},
         {"worker_oom_lines", r.worker_oom_lines},
         {"processes", procs},
         {"warnings", r.warnings}};
  Status written = WritePrivate(d + "/summary.json", j.dump(1) + "\n");
  if (!written.ok()) fmt::print(stderr, "oomkit run: {}\n", written.message());
  if (o.json) {
    fmt::print(stderr, "{}\n", j.dump(1));
  } else {
    fmt::print(stderr, "\noomkit run: {} (pid {}) {} after {:.1f} s: {} [{}, exit {}]\n", shown, r.pid,
               kind == "normal-exit" || kind == "exit-status" ? "ended" : "died", r.seconds, summary, kind, r.status);
    if (died && died->pid != r.pid) fmt::print(stderr, "  the process that died: pid {} ({})\n", died->pid, died->argv);
    for (const auto& p : r.processes)
      if (p.samples)
        fmt::print(stderr, "  pid {:<7} heap used {} at most, of an old-space limit of {} ({:.0f} %); RSS {} at most; {} GC lines ({} mark-compacts)\n",
                   p.pid, Mb(p.max_heap_used), Mb(p.old_space_limit),
                   p.old_space_limit ? 100.0 * static_cast<double>(p.max_heap_used) / static_cast<double>(p.old_space_limit) : 0.0,
                   Mb(p.max_rss), p.gc_lines, p.mark_compacts);
    fmt::print(stderr, "  evidence  {}/: gc.log ({} lines), timeline.ndjson ({} samples), stderr.log", d, r.gc_lines, r.timeline_lines);
    for (const auto& f : r.reports) fmt::print(stderr, ", {}", f.substr(d.size() + 1));
    for (const auto& f : r.snapshots) fmt::print(stderr, ", {}", f.substr(d.size() + 1));
    for (const auto& f : r.profiles) fmt::print(stderr, ", {}", f.substr(d.size() + 1));
    fmt::print(stderr, ", summary.json\n");
    if (r.gc_lines) fmt::print(stderr, "  next      oomkit gc {}/gc.log\n", d);
    for (const auto& f : r.snapshots) fmt::print(stderr, "            oomkit heap suspects {}\n", f);
    for (const auto& f : r.reports) fmt::print(stderr, "            oomkit report {}\n", f);
    for (const auto& f : r.profiles) fmt::print(stderr, "            oomkit profile {}   (where the heap was allocated, last sample)\n", f);
    for (const auto& w : r.warnings) fmt::print(stderr, "  WARNING   {}\n", w);
  }
  return RunEnd{r.status, kind, r.interrupted, r.seconds};
}

}  // namespace

int RunRun(const RunOptions& o) {
  auto fail = [](const std::string& m) {
    fmt::print(stderr, "oomkit run: {}\n", m);
    return 2;
  };
  if (o.command.empty()) return fail("give the command after --, e.g. oomkit run -- node app.js");
  auto snapshot_at = ParsePercent(o.snapshot_at);
  if (!snapshot_at.ok()) return fail("--snapshot-at " + snapshot_at.error() + ": a share of the old space's limit, 0 for never");
  auto sample = ParseDuration(o.sample);
  if (!sample.ok()) return fail("--sample " + sample.error());
  auto limits = supervise::ReadMemoryLimits();
  if (!limits.ok()) return fail(limits.error());
  int64_t oom_kills_before = OomKills(limits.value());
  auto heap_mb = HeapLimitMb(o, limits.value());
  if (!heap_mb.ok()) return fail(heap_mb.error());
  auto dir = MakeNewDir(o.out, "oomkit-run");
  if (!dir.ok()) return fail(dir.error());
  const std::string& d = dir.value();

  RunSetup setup;
  setup.heap_mb = heap_mb.value();
  setup.snapshot_at = snapshot_at.value();
  setup.sample_s = sample.value();
  setup.limits = &limits.value();
  setup.oom_kills_before = oom_kills_before;
  if (!o.profile_every.empty()) {
    auto every = ParseDuration(o.profile_every);
    if (!every.ok()) return fail("--profile-every " + every.error());
    setup.profile_every = every.value();
  }
  if (!o.metrics.empty()) {
    size_t colon = o.metrics.rfind(':');
    unsigned port = 0;
    std::string host = colon == std::string::npos ? "127.0.0.1" : o.metrics.substr(0, colon);
    std::string port_text = colon == std::string::npos ? o.metrics : o.metrics.substr(colon + 1);
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
      return fail(fmt::format("--metrics '{}': give HOST:PORT, e.g. 127.0.0.1:9464", o.metrics));
    setup.metrics_host = host.empty() ? "127.0.0.1" : host;
    setup.metrics_port = static_cast<uint16_t>(port);
  }
  if (o.restart.empty()) {
    auto end = RunIn(o, setup, d, 0, "");
    if (!end.ok()) return fail(end.error());
    return end.value().status;
  }
  // --restart on-crash: each run's evidence in DIR/run-N; a back-off of 1 s,
  // doubling to 30 s, reset after a run that lived a minute.
  double backoff = 1;
  std::string last_kind;
  Json runs = Json::array();
  int status = 0;
  for (int n = 1;; ++n) {
    std::string sub = fmt::format("{}/run-{}", d, n);
    if (mkdir(sub.c_str(), 0700) != 0) return fail(fmt::format("{}: cannot create it: {}", sub, std::strerror(errno)));
    auto end = RunIn(o, setup, sub, static_cast<uint32_t>(n - 1), last_kind);
    if (!end.ok()) return fail(end.error());
    const RunEnd& e = end.value();
    status = e.status;
    last_kind = e.kind;
    runs.push_back({{"folder", sub}, {"kind", e.kind}, {"status", e.status}, {"seconds", std::round(e.seconds * 1000) / 1000}});
    bool crashed = e.status != 0 && !e.interrupted;
    if (!crashed || n > o.max_restarts) {
      if (crashed) fmt::print(stderr, "oomkit run: {} restarts were allowed (--max-restarts): giving up\n", o.max_restarts);
      break;
    }
    if (e.seconds >= 60) backoff = 1;
    fmt::print(stderr, "oomkit run: restarting in {} ({} of at most {})\n", FormatDuration(backoff), n, o.max_restarts);
    // The wait ends early on SIGINT or SIGTERM: then there is no restart.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    timespec wait{static_cast<time_t>(backoff), static_cast<long>((backoff - std::floor(backoff)) * 1e9)};
    int got = sigtimedwait(&set, nullptr, &wait);
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
    if (got > 0) break;
    backoff = std::min(30.0, backoff * 2);
  }
  Json all{{"command", o.command}, {"restarts", runs.size() - 1}, {"runs", runs}};
  if (Status s = WritePrivate(d + "/summary.json", all.dump(1) + "\n"); !s.ok()) fmt::print(stderr, "oomkit run: {}\n", s.message());
  return status;
}

}  // namespace oomkit::cli
