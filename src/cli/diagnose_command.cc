#include "cli/diagnose_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <charconv>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/duration.h"
#include "common/format.h"
#include "common/json_integer.h"
#include "common/new_file.h"
#include "diagnose/diagnose_session.h"
#include "diagnose/html_report.h"
#include "diagnose/junit.h"
#include "diagnose/verdict.h"
#include "gc/trace_line.h"
#include "supervise/launch_plan.h"
#include "supervise/node_probe.h"
#include "supervise/probe_source.h"

extern char** environ;

namespace oomkit::cli {
namespace {

using Json = nlohmann::ordered_json;

// A JSON file of load options: {"urls": [...], "method", "headers": [...],
// "body", "rate", "requests", "connections", "unique_ids", "timeout"}.
Status ReadLoadSpec(const std::string& file, LoadOptions* lo) {
  std::ifstream in(file);
  if (!in) return Status::Error(fmt::format("{}: cannot read it", file));
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann's byte is one past the offset of the character it stopped at.
    std::string why = e.what();
    if (size_t at = why.rfind(" - "); at != std::string::npos) why = why.substr(at + 3);
    return Status::Error(fmt::format("{}: byte {}: not JSON: {}", file, e.byte ? e.byte - 1 : 0, why));
  }
  if (!j.is_object()) return Status::Error(fmt::format("{}: byte 0: a load spec is a JSON object", file));
  static const char* known[] = {"urls", "method", "headers", "body", "rate", "requests", "connections", "unique_ids", "timeout"};
  for (const auto& item : j.items()) {
    const std::string& key = item.key();
    if (std::none_of(std::begin(known), std::end(known), [&](const char* k) { return key == k; }))
      return Status::Error(fmt::format("{}: unknown key '{}' (known: urls, method, headers, body, rate, requests, connections, "
                                       "unique_ids, timeout)", file, key));
  }
  try {
    if (j.contains("urls")) {
      if (j["urls"].is_string()) lo->urls.push_back(j["urls"]);
      else for (const auto& u : j["urls"]) lo->urls.push_back(u.get<std::string>());
    }
    if (j.contains("headers")) for (const auto& h : j["headers"]) lo->headers.push_back(h.get<std::string>());
    if (j.contains("method")) lo->method = j["method"].get<std::string>();
    if (j.contains("body")) lo->body = j["body"].get<std::string>();
    if (j.contains("rate")) lo->rate = j["rate"].get<double>();
    if (j.contains("requests")) {
      auto n = JsonInteger<uint64_t>(j["requests"]);
      if (!n) return Status::Error(fmt::format("{}: \"requests\" is not a count of requests", file));
      lo->requests = *n;
    }
    if (j.contains("connections")) {
      auto n = JsonInteger<int>(j["connections"]);
      if (!n) return Status::Error(fmt::format("{}: \"connections\" is not a count of connections", file));
      lo->connections = *n;
    }
    if (j.contains("unique_ids")) lo->unique_ids = j["unique_ids"].get<bool>();
    if (j.contains("timeout")) lo->timeout = j["timeout"].get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    return Status::Error(fmt::format("{}: a value of the wrong type: {}", file, e.what()));
  }
  return Status();
}

std::string SelfExe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "oomkit";
}

std::vector<std::string> Environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  return env;
}

// One of oomkit's own analyses, in a process of its own: a snapshot's memory
// goes back to the system when it ends, so diagnose stays small beside the app.
Json Analyse(const std::vector<std::string>& args, std::vector<std::string>* warnings) {
  std::vector<std::string> argv{SelfExe()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto out = supervise::CaptureOutput(argv, Environment());
  std::string shown;
  for (const auto& a : args) shown += " " + a;
  if (!out.ok()) {
    warnings->push_back(fmt::format("oomkit{}: {}", shown, out.error()));
    return nullptr;
  }
  Json j = Json::parse(out.value(), nullptr, false);
  if (j.is_discarded()) {
    warnings->push_back(fmt::format("oomkit{}: its output is not JSON", shown));
    return nullptr;
  }
  return j;
}

struct Series {
  Json t = Json::array(), heap_used = Json::array(), heap_total = Json::array(), rss = Json::array(), external = Json::array(),
       array_buffers = Json::array();
  uint64_t peak_in_load = 0;
};

Series ReadTimeline(const std::string& file, uint32_t pid, const std::vector<diagnose::PhaseRecord>& phases) {
  Series s;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || j.value("pid", 0u) != pid) continue;
    int64_t ts = j.value("ts", int64_t{0});
    uint64_t used = j.value("heap_used", uint64_t{0});
    s.t.push_back(ts);
    s.heap_used.push_back(used);
    s.heap_total.push_back(j.value("heap_total", uint64_t{0}));
    s.rss.push_back(j.value("rss", uint64_t{0}));
    s.external.push_back(j.value("external", uint64_t{0}));
    s.array_buffers.push_back(j.value("array_buffers", uint64_t{0}));
    for (const auto& p : phases)
      if (p.load && p.name != "warm-up" && ts >= p.start_ms && ts <= p.end_ms) s.peak_in_load = std::max(s.peak_in_load, used);
  }
  return s;
}

// The main isolate's GCs on the wall clock: V8's trace times count from the
// isolate's start, which is (within milliseconds) Node's performance.timeOrigin.
Json ReadGcEvents(const std::string& file, uint32_t pid, double time_origin_ms) {
  Json events = Json::array();
  std::ifstream in(file);
  std::string line;
  uint64_t isolate = 0;
  while (std::getline(in, line)) {
    gc::TraceLine t = gc::ParseTraceLine(line);
    if (t.kind != gc::LineKind::kGc || t.pid != pid || t.time_ms < 0) continue;
    if (!isolate) isolate = t.isolate;
    if (t.isolate != isolate) continue;
    const char* kind = t.event.collector == gc::Collector::kMarkCompact ? "mark-compact"
                       : t.event.collector == gc::Collector::kMinor     ? "minor-mark"
                                                                        : "scavenge";
    // diagnose's own GCs (gc() before a reading, the snapshots, the profile's
    // fetches) are marked: they are not the app's cost.
    events.push_back({{"ts", std::llround(time_origin_ms + t.time_ms)},
                      {"kind", kind},
                      {"reason", t.event.reason},
                      {"induced", gc::RequestedByTooling(t.event)},
                      {"pause_ms", std::round(t.event.pause_ms * 100) / 100},
                      {"before_mb", t.event.start_object_mb},
                      {"after_mb", t.event.end_object_mb}});
  }
  return events;
}

Json ReadingJson(const std::string& label, const diagnose::Reading& r) {
  return {{"label", label}, {"ts", r.t_ms},          {"heap_used", r.heap_used},         {"heap_total", r.heap_total},
          {"external", r.external}, {"array_buffers", r.array_buffers}, {"rss", r.rss}};
}

}  // namespace

int RunDiagnose(const DiagnoseOptions& in) {
  const char* name = in.soak ? "soak" : "diagnose";
  auto fail = [&](const std::string& m) {
    fmt::print(stderr, "oomkit {}: {}\n", name, m);
    return 2;
  };
  DiagnoseOptions o = in;
  if (o.command.empty()) return fail("give the command after --, e.g. oomkit diagnose --load http://127.0.0.1:3000/ -- node app.js");
  if (!o.load_spec.empty())
    if (Status s = ReadLoadSpec(o.load_spec, &o.load); !s.ok()) return fail(s.message());
  const bool with_load = !o.load.urls.empty();
  if (o.load.rate <= 0) o.load.rate = 500;
  auto tolerance = ParsePercent(o.tolerance);
  if (!tolerance.ok()) return fail("--tolerance " + tolerance.error());

  diagnose::SessionPlan plan;
  plan.rate = o.load.rate;
  plan.note = [&](const std::string& s) { fmt::print(stderr, "oomkit {}: {}\n", name, s); };
  double total = 0;
  if (o.soak || !with_load) {
    auto d = ParseDuration(o.duration.empty() ? (o.soak ? "10m" : "60s") : o.duration);
    if (!d.ok()) return fail("--duration " + d.error());
    total = d.value();
    if (total < 9) return fail("--duration: give at least 9s (a warm-up and two measured phases)");
    plan.warmup_s = std::min(30.0, total / 10);
    plan.phase_s = (total - plan.warmup_s) / 2;
    plan.requests = 0;
  } else {
    plan.requests = o.load.requests ? o.load.requests : 10000;
    plan.warmup_s = 3;
  }
  auto ready = ParseDuration(o.ready_timeout);
  if (!ready.ok()) return fail("--ready-timeout " + ready.error());
  plan.ready_timeout_s = ready.value();
  if (!o.warmup.empty()) {
    auto w = ParseDuration(o.warmup, true);
    if (!w.ok()) return fail("--warmup " + w.error());
    plan.warmup_s = w.value();
  }
  if (with_load) {
    LoadOptions lo = o.load;
    lo.duration.clear();
    lo.warmup.clear();
    lo.requests = 1;  // checked here; each phase sets its own
    load::RequestSpec spec;
    auto config = BuildLoadConfig(lo, &spec);
    if (!config.ok()) return fail("--load: " + config.error());
    auto endpoint = load::ResolveEndpoint(config.value().urls[0]);
    if (!endpoint.ok()) return fail("--load: " + endpoint.error());
    config.value().endpoint = endpoint.take();
    plan.load = config.take();
  }
  uint64_t heap_mb = 0;
  if (!o.heap_limit.empty()) {
    auto [end, ec] = std::from_chars(o.heap_limit.data(), o.heap_limit.data() + o.heap_limit.size(), heap_mb);
    if (ec != std::errc() || end != o.heap_limit.data() + o.heap_limit.size() || heap_mb < 16)
      return fail(fmt::format("--heap-limit '{}': give a size in MB (at least 16)", o.heap_limit));
  }
  if (!o.junit.empty() && access(o.junit.c_str(), F_OK) == 0)
    return fail(fmt::format("--junit {}: exists already: give a new file name (oomkit never writes over a file)", o.junit));
  auto dir = MakeNewDir(o.out, in.soak ? "oomkit-soak" : "oomkit-diagnose");
  if (!dir.ok()) return fail(dir.error());
  const std::string d = dir.value();

  supervise::LaunchOptions lopt;
  lopt.heap_limit_mb = heap_mb;
  lopt.out_dir = d;
  lopt.probe_path = d + "/probe.js";
  lopt.probe_socket = d + "/probe.sock";
  lopt.sample_ms = 250;
  lopt.expose_gc = true;
  lopt.probe_commands = true;
  lopt.inspector = true;
  if (Status s = WriteNewFile(lopt.probe_path, supervise::ProbeSource(), 0600); !s.ok()) return fail(lopt.probe_path + ": " + s.message());
  auto launch = supervise::PlanLaunch(o.command, lopt, Environment());
  if (!launch.ok()) return fail(launch.error());
  supervise::SuperviseOptions so;
  so.plan = launch.take();
  so.out_dir = d;
  // The evidence if it dies of OOM: one snapshot near the limit, at the
  // supervisor's default share (V8 gives up from 80 % when GCs stop freeing
  // memory: at 85 % the listener-leak example under CI's load died at 81 %
  // without one).
  so.snapshot_max = 1;
  so.old_space_size_given = heap_mb > 0;
  so.profile_every_s = 3;
  so.profile_sampling_bytes = 64 * 1024;  // finer than run's: diagnose lasts a minute or a soak
  so.note = plan.note;
  std::string shown;
  for (const std::string& a : o.command) shown += (shown.empty() ? "" : " ") + a;
  plan.note(fmt::format("{} (evidence in {}{})", shown, d, heap_mb ? fmt::format(", --max-old-space-size={}", heap_mb) : ""));

  auto session = diagnose::RunSession(std::move(so), plan);
  if (!session.ok()) return fail(session.error());
  diagnose::SessionOutcome& s = session.value();
  const supervise::RunOutcome& r = s.run;
  const uint32_t app_pid = s.target_pid ? s.target_pid : r.pid;

  // What each moment measured.
  diagnose::VerdictInput vin;
  vin.tolerance = tolerance.value();
  auto reading = [&](const std::string& label) {
    for (const auto& [l, rd] : s.readings)
      if (l == label) return rd;
    return diagnose::Reading{};
  };
  vin.baseline = reading("baseline");
  vin.target = reading("target");
  vin.final_ = reading("final");
  for (const auto& [l, rd] : s.readings)
    if (l.starts_with("idle")) vin.idle = rd;
  double time_origin = 0;
  for (const auto& [l, rd] : s.readings) time_origin = rd.time_origin_ms;
  vin.died = s.died;
  vin.exit_summary = r.crash.summary;
  std::string exit_summary = r.crash.summary;
  if (s.completed && r.signal == SIGTERM) exit_summary = "stopped by oomkit at the end of the run (SIGTERM)";
  else if (s.completed && r.signal == SIGKILL) exit_summary = "killed by oomkit at the end of the run: it ignored SIGTERM for 10 s";
  vin.exit_kind = r.crash.kind;
  if (r.worker_oom_lines) vin.exit_kind = "worker-oom";
  for (const auto& p : r.processes)
    if (p.pid == app_pid) vin.old_space_limit = p.old_space_limit;
  Series series = ReadTimeline(d + "/timeline.ndjson", app_pid, s.phases);
  vin.peak_heap_used = series.peak_in_load;
  Json gc_events = ReadGcEvents(d + "/gc.log", app_pid, time_origin);
  // The measured phases: their answered requests, their time, the GC pauses in them.
  auto gc_ms_in = [&](const diagnose::PhaseRecord& p) {
    double ms = 0;
    for (const auto& e : gc_events)
      if (!e["induced"].get<bool>() && e["ts"].get<int64_t>() >= p.start_ms && e["ts"].get<int64_t>() <= p.end_ms)
        ms += e["pause_ms"].get<double>();
    return ms;
  };
  for (const auto& p : s.phases) {
    if (p.name == "warm-up") {
      vin.warmup = {gc_ms_in(p), p.main_thread_cpu_ms, std::max(0.0, p.main_thread_waiting_ms)};
    }
    if (p.name != "load 1" && p.name != "load 2") continue;
    (p.name == "load 1" ? vin.requests_1 : vin.requests_2) = p.completed;
    vin.target_rate = p.target_rate;
    vin.dropped += p.dropped;
    vin.worst_p50_us = std::max(vin.worst_p50_us, p.p50_us);
    vin.load.gc_ms += gc_ms_in(p);
    if (p.main_thread_cpu_ms >= 0) vin.load.cpu_ms = std::max(0.0, vin.load.cpu_ms) + p.main_thread_cpu_ms;
    vin.load.waiting_ms += std::max(0.0, p.main_thread_waiting_ms);
  }

  // The analyses, on whatever survived.
  std::vector<std::string> warnings = r.warnings;
  plan.note("analysing: gc.log, the snapshots, the sampling heap profile");
  if (r.gc_lines) vin.gc = Analyse({"gc", "--json", d + "/gc.log"}, &warnings);
  std::vector<std::string> snaps;
  for (const auto& t : s.snapshots) snaps.push_back(t.path);
  for (const auto& f : r.snapshots)
    if (std::find(snaps.begin(), snaps.end(), f) == snaps.end()) snaps.push_back(f);  // a snapshot near the limit
  Json diff;
  if (snaps.size() >= 3) vin.leaks = Analyse({"heap", "leaks", snaps[0], snaps[1], snaps[2], "--json", "--top", "10", "--no-progress"}, &warnings);
  if (!snaps.empty()) {
    std::vector<std::string> args{"heap", "suspects", snaps.back(), "--json", "--top", "10", "--no-progress"};
    if (snaps.size() >= 2) args.insert(args.end(), {"--baseline", snaps.front()});
    vin.suspects = Analyse(args, &warnings);
  }
  if (snaps.size() >= 2) diff = Analyse({"heap", "diff", snaps.front(), snaps.back(), "--json", "--top", "20", "--no-progress"}, &warnings);
  std::string profile_file;
  for (const auto& f : r.profiles)
    if (f.find(fmt::format("heap-{}.", app_pid)) != std::string::npos) profile_file = f;
  if (profile_file.empty() && !r.profiles.empty()) profile_file = r.profiles.back();
  if (!profile_file.empty()) vin.profile = Analyse({"profile", "--json", profile_file, "--top", "15"}, &warnings);

  diagnose::Verdict v = diagnose::Decide(vin);
  // An application that ends by itself before the first measured phase, and
  // not of a memory failure, left nothing to judge: "healthy" would be a guess
  // (`diagnose -- node -e 0` said so before).
  const bool ended_early = s.died && !s.completed &&
                           (s.stopped_at.starts_with("start") || s.stopped_at.starts_with("warm-up")) &&
                           (r.crash.kind == "no-crash-found" || r.crash.kind == "other-crash");
  if (ended_early) {
    s.stopped_at += fmt::format(" ({}): nothing was measured; diagnose needs a process that keeps running, such as a "
                                "server",
                                r.signal ? fmt::format("killed by signal {}", r.signal)
                                         : fmt::format("by itself, with status {}", r.status));
    v.fix = fmt::format("give the command that starts the service and keeps it running (its output is in {}/stderr.log)",
                        d);
  }
  const bool run_failed = s.never_answered || (!s.completed && !s.died && s.readings.empty()) || ended_early ||
                          (!s.completed && s.stopped_at.find("no request was answered") != std::string::npos);
  const bool leak = v.kind == "js-heap-leak" || v.kind == "external-memory-leak";
  int status = run_failed ? 2 : leak ? 1 : 0;
  // Ctrl-C: the verdict of what was seen, and the shell's status for an interrupt.
  if (r.interrupted && !s.completed) {
    status = 130;
    v.headline += " (interrupted: from what was seen until then)";
  }
  if (run_failed) v.headline = "no verdict: the run failed (" + s.stopped_at + ")";

  Json phases = Json::array();
  for (const auto& p : s.phases)
    phases.push_back({{"name", p.name},
                      {"start", p.start_ms},
                      {"end", p.end_ms},
                      {"load", p.load},
                      {"target_rate", p.load ? Json(p.target_rate) : Json()},
                      {"sent", p.sent},
                      {"completed", p.completed},
                      {"errors", p.errors},
                      {"dropped", p.dropped},
                      {"unanswered", p.unanswered},
                      {"main_thread_cpu_ms", p.main_thread_cpu_ms >= 0 ? Json(p.main_thread_cpu_ms) : Json()},
                      {"main_thread_waiting_ms", p.main_thread_waiting_ms >= 0 ? Json(p.main_thread_waiting_ms) : Json()},
                      {"late", p.late},
                      {"latency_us", {{"p50", p.p50_us}, {"p99", p.p99_us}, {"max", p.max_us}}}});
  Json readings = Json::array();
  for (const auto& [l, rd] : s.readings) readings.push_back(ReadingJson(l, rd));
  Json snapshots = Json::array();
  for (const auto& t : s.snapshots) snapshots.push_back({{"label", t.label}, {"file", t.path}, {"ts", t.t_ms}});
  Json load_tl = Json::array();
  for (const auto& l : s.load_timeline) load_tl.push_back({{"ts", l.ts}, {"sent", l.sent}, {"completed", l.completed}, {"errors", l.errors}});
  Json report{{"tool", "oomkit"},
              {"mode", name},
              {"command", o.command},
              {"out_dir", d},
              {"verdict", diagnose::VerdictJson(v)},
              {"status", status},
              {"run",
               {{"completed", s.completed},
                {"stopped_at", s.stopped_at.empty() ? Json() : Json(s.stopped_at)},
                {"died", s.died},
                {"exit_kind", r.crash.kind},
                {"exit_summary", exit_summary},
                {"exit_status", r.status},
                {"seconds", std::round(r.seconds * 10) / 10},
                {"pid", app_pid},
                {"heap_limit_mb", heap_mb ? Json(heap_mb) : Json()},
                {"old_space_limit", vin.old_space_limit},
                {"tolerance", vin.tolerance}}},
              {"phases", phases},
              {"readings", readings},
              {"snapshots", snapshots},
              {"timeline",
               {{"t", series.t},
                {"heap_used", series.heap_used},
                {"heap_total", series.heap_total},
                {"rss", series.rss},
                {"external", series.external},
                {"array_buffers", series.array_buffers}}},
              {"load_timeline", load_tl},
              {"gc_events", gc_events},
              {"gc", vin.gc},
              {"leaks", vin.leaks},
              {"suspects", vin.suspects},
              {"diff", diff},
              {"profile", vin.profile},
              {"files",
               {{"gc_log", d + "/gc.log"},
                {"timeline", d + "/timeline.ndjson"},
                {"stderr", d + "/stderr.log"},
                {"snapshots", snaps},
                {"heap_profile", profile_file.empty() ? Json() : Json(profile_file)},
                {"reports", r.reports}}},
              {"warnings", warnings}};
  std::string html = diagnose::RenderReportHtml(report);
  for (const auto& [file, body] : {std::pair{d + "/report.json", report.dump(1) + "\n"}, {d + "/report.html", html}})
    if (Status w = WriteNewFile(file, body, 0600); !w.ok()) fmt::print(stderr, "oomkit {}: {}: {}\n", name, file, w.message());
  if (!o.junit.empty()) {
    std::string xml = diagnose::JunitXml(report);
    if (Status w = WriteNewFile(o.junit, xml, 0644); !w.ok()) fmt::print(stderr, "oomkit {}: {}: {}\n", name, o.junit, w.message());
  }

  if (o.json) {
    fmt::print("{}\n", report.dump(1));
    return status;
  }
  if (run_failed) fmt::print("\nthe run failed: {}\n", s.stopped_at);
  else fmt::print("\nverdict: {} — {}\n", v.kind, v.headline);
  if (!s.stopped_at.empty() && !run_failed) fmt::print("  stopped     {}\n", s.stopped_at);
  if (!v.culprit_class.empty()) fmt::print("  culprit     {}{}\n", v.culprit_class, v.culprit_id ? fmt::format(" @{}", v.culprit_id) : "");
  if (!v.culprit_path.empty()) fmt::print("  path        {}\n", v.culprit_path);
  if (!v.allocation_site.empty()) fmt::print("  allocated   {}\n", v.allocation_site);
  for (const auto& e : v.evidence) fmt::print("  evidence    {}\n", e);
  fmt::print("  fix         {}\n", v.fix);
  for (const auto& w : warnings) fmt::print("  WARNING     {}\n", w);
  fmt::print("  report      {}/report.html  ({}/report.json{})\n", d, d, o.junit.empty() ? "" : ", " + o.junit);
  if (!snaps.empty()) fmt::print("  snapshots   oomkit heap leaks {}\n", fmt::join(snaps, " "));
  return status;
}

}  // namespace oomkit::cli
