#include "cli/load_command.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "common/duration.h"
#include "common/format.h"
#include "common/new_file.h"
#include "load/load_run.h"

namespace oomkit::cli {
namespace {

using Json = nlohmann::ordered_json;
using load::Counters;
using load::LatencyHistogram;

load::LoadRun* g_run = nullptr;

void OnSignal(int) {
  if (g_run) g_run->Stop();
}

std::string Micros(uint64_t us) {
  if (us < 1000) return fmt::format("{} us", us);
  if (us < 100000) return fmt::format("{:.2f} ms", static_cast<double>(us) / 1000);
  if (us < 10000000) return fmt::format("{:.0f} ms", static_cast<double>(us) / 1000);
  return fmt::format("{:.1f} s", static_cast<double>(us) / 1e6);
}

Json LatencyJson(const LatencyHistogram& h) {
  if (!h.count()) return Json();
  return Json{{"min", h.min()},
              {"mean", std::round(h.mean())},
              {"p50", h.Quantile(0.5)},
              {"p90", h.Quantile(0.9)},
              {"p99", h.Quantile(0.99)},
              {"p99.9", h.Quantile(0.999)},
              {"max", h.max()}};
}

Json FailuresJson(const Counters& c) {
  Json j = Json::object();
  for (int f = 0; f < load::kFailureKinds; ++f)
    j[std::string(load::FailureName(static_cast<load::Failure>(f)))] = c.failed[f];
  Json codes = Json::object();
  for (size_t code = 0; code < c.status.size(); ++code)
    if (c.status[code] && (code < 200 || code >= 300)) codes[std::to_string(code)] = c.status[code];
  j["non_2xx"] = codes;
  return j;
}

Json ConnectJson(const Counters& c) {
  Json j = Json::object();
  for (int f = 0; f < load::kConnectFailureKinds; ++f)
    j[std::string(load::ConnectFailureName(static_cast<load::ConnectFailure>(f)))] = c.connect_failed[f];
  return j;
}

Json StatusJson(const Counters& c) {
  Json j = Json::object();
  for (size_t code = 0; code < c.status.size(); ++code)
    if (c.status[code]) j[std::to_string(code)] = c.status[code];
  return j;
}

struct Thresholds {
  double max_error_rate = -1;  // fraction; < 0: none
  double max_p99_s = -1;
  std::vector<std::string> broken;
};

}  // namespace

// Turns the options into a checked run, or a message for the user.
Result<load::LoadConfig> BuildLoadConfig(const LoadOptions& o, load::RequestSpec* spec) {
  load::LoadConfig c;
  if (o.urls.empty()) return Status::Error("give at least one URL");
  for (const std::string& text : o.urls) {
    auto u = load::ParseTargetUrl(text);
    if (!u.ok()) return u.status();
    if (!c.urls.empty() && (u.value().host != c.urls[0].host || u.value().port != c.urls[0].port))
      return Status::Error(fmt::format("URL '{}': every URL of a run must name the same host and port as '{}'", text,
                                       c.urls[0].text));
    c.urls.push_back(u.take());
  }
  if (!o.body.empty() && !o.body_file.empty()) return Status::Error("give -b BODY or --body-file FILE, not both");
  spec->method = o.method;
  spec->headers = o.headers;
  spec->body = o.body;
  spec->unique_ids = o.unique_ids;
  if (!o.body_file.empty()) {
    std::ifstream in(o.body_file, std::ios::binary);
    if (!in) return Status::Error(fmt::format("{}: cannot read the body file: {}", o.body_file, std::strerror(errno)));
    std::ostringstream ss;
    ss << in.rdbuf();
    spec->body = ss.str();
    if (spec->body.size() > (64u << 20)) return Status::Error(fmt::format("{}: the body is over 64 MiB", o.body_file));
  }
  std::vector<uint32_t> weights;
  for (const load::TargetUrl& u : c.urls) {
    auto t = load::RequestTemplate::Build(u, *spec);
    if (!t.ok()) return t.status();
    c.requests.push_back(t.take());
    weights.push_back(u.weight);
  }
  c.order = load::WeightedOrder(weights);
  c.connections = o.connections;
  c.threads = o.threads;
  if (c.connections < c.threads)
    return Status::Error(fmt::format("-c {} is fewer connections than -t {} threads", c.connections, c.threads));
  c.reconnect_every = o.reconnect_every;
  c.batch_writes = o.batch_writes;
  std::optional<int64_t> poll_ns;
  if (!o.poll_interval.empty()) {
    auto poll = ParseDuration(o.poll_interval, true);
    if (!poll.ok()) return Status::Error("--poll-interval " + poll.error());
    if (poll.value() > 0.01)
      return Status::Error(
          fmt::format("--poll-interval {}: at most 10ms (an answer can be timed that late)", o.poll_interval));
    poll_ns = static_cast<int64_t>(std::llround(poll.value() * 1e9));
  }
  c.id_start = o.id_start ? o.id_start : load::DefaultIdStart();
  auto timeout = ParseDuration(o.timeout);
  if (!timeout.ok()) return Status::Error("--timeout " + timeout.error());
  c.timeout_s = timeout.value();
  if (!o.warmup.empty()) {
    auto w = ParseDuration(o.warmup, true);
    if (!w.ok()) return Status::Error("--warmup " + w.error());
    c.warmup_s = w.value();
  }
  if (!o.duration.empty()) {
    auto d = ParseDuration(o.duration);
    if (!d.ok()) return Status::Error("-d " + d.error());
    c.duration_s = d.value();
  }
  c.max_requests = o.requests;
  int shapes = (o.rate > 0) + !o.steps.empty() + !o.ramp.empty();
  if (shapes > 1) return Status::Error("give one of --rate, --steps and --ramp");
  if (o.rate < 0) return Status::Error("--rate must be positive");
  if (shapes == 1) {
    Result<load::RateProfile> p = Status::Error("");
    if (o.rate > 0) {
      double length = c.duration_s > 0 ? c.duration_s : 0;
      if (length == 0 && c.max_requests > 0) length = static_cast<double>(c.max_requests) / o.rate;
      if (length == 0) return Status::Error("--rate needs -d DURATION or -n REQUESTS: how long to keep it");
      p = load::RateProfile::Constant(o.rate, length);
    } else {
      p = !o.steps.empty() ? load::RateProfile::ParseSteps(o.steps) : load::RateProfile::ParseRamp(o.ramp);
      if (p.ok() && c.duration_s > 0) p.value().FitTo(c.duration_s);
    }
    if (!p.ok()) return p.status();
    load::RateProfile profile = p.take();
    // With -n the run ends when the n-th answer is in: the answers to the
    // last requests get --timeout after the profile's end.
    c.duration_s = profile.duration_s() + (c.max_requests > 0 ? c.timeout_s : 0);
    profile.PrependWarmup(c.warmup_s);
    c.profile = std::move(profile);
  } else if (c.duration_s == 0 && c.max_requests == 0) {
    return Status::Error("give -d DURATION or -n REQUESTS (and --rate, --steps or --ramp for an open loop)");
  }
  // The closed loop is for the most load the server takes, where its CPU per
  // answer is what counts; the open loop's headline is latency from the due
  // time, which a nap would blur by up to one interval on an unsaturated server.
  c.poll_interval_ns = poll_ns.value_or(c.profile ? 0 : 50'000);
  return c;
}

namespace {

Json IntervalJson(const load::Interval& in, const load::LoadConfig& c, int64_t start_unix_ms) {
  const Counters& k = in.stats.counters;
  double length = in.end_s - in.start_s;
  Json j{{"t", std::round(in.end_s * 1000) / 1000},
         {"ts", start_unix_ms + static_cast<int64_t>(std::llround(in.end_s * 1000))},
         {"phase", in.warmup ? "warmup" : "measured"},
         {"seconds", std::round(length * 1000) / 1000}};
  j["target"] = c.profile ? Json(std::round(c.profile->DueBy(in.end_s) - c.profile->DueBy(in.start_s))) : Json();
  j["sent"] = k.sent;
  j["completed"] = k.completed;
  j["errors"] = k.errors();
  j["failed"] = k.failures();
  j["non_2xx"] = k.non_2xx();
  j["late"] = k.late;
  j["in_flight"] = in.in_flight;
  j["connections"] = in.open_connections;
  j["connect_errors"] = k.connect_failures();
  j["rate"] = std::round(static_cast<double>(k.completed) / length * 10) / 10;
  j["sent_rate"] = std::round(static_cast<double>(k.sent) / length * 10) / 10;
  auto pct = [](const LatencyHistogram& h) {
    if (!h.count()) return Json();
    return Json{{"p50", h.Quantile(0.5)}, {"p90", h.Quantile(0.9)}, {"p99", h.Quantile(0.99)},
                {"p99.9", h.Quantile(0.999)}, {"max", h.max()}};
  };
  j["latency_us"] = pct(in.stats.corrected);
  if (c.profile) j["latency_uncorrected_us"] = pct(in.stats.uncorrected);
  return j;
}

std::string Rate(double per_s) {
  return per_s >= 100 ? Thousands(static_cast<uint64_t>(std::llround(per_s))) : fmt::format("{:.1f}", per_s);
}

void PrintText(const load::LoadConfig& c, const load::RequestSpec& spec, const load::LoadResult& r,
               const Thresholds& th) {
  const Counters& k = r.measured.counters;
  std::string urls;
  for (const auto& u : c.urls)
    urls += (urls.empty() ? "" : ", ") + u.text + (c.urls.size() > 1 ? fmt::format(" (weight {})", u.weight) : "");
  fmt::print("{} {}\n", spec.method, urls);
  std::string shape = c.profile ? "open loop: " + c.profile->Describe()
                                : std::string("closed loop (each connection sends when its last response is in)");
  fmt::print("{}; {} connection{}, {} thread{}{}{}\n", shape, c.connections, c.connections == 1 ? "" : "s", c.threads,
             c.threads == 1 ? "" : "s", c.warmup_s > 0 ? fmt::format("; the first {} not counted", FormatDuration(c.warmup_s)) : "",
             spec.unique_ids ? "; unique ids" : "");
  double secs = std::max(r.measured_s, 1e-9);
  fmt::print("\n{} measured{}\n", FormatDuration(r.measured_s), r.interrupted ? " (interrupted)" : "");
  fmt::print("  requests     sent {}   completed {}   failed {}   in flight at stop {}\n", Thousands(k.sent),
             Thousands(k.completed), Thousands(k.failures()), Thousands(r.in_flight_at_stop));
  if (c.profile) {
    fmt::print("  schedule     due {}   sent late (> 1 ms) {}   never sent {}   worst send lag {}\n", Thousands(r.due),
               Thousands(k.late), Thousands(r.dropped), Micros(k.max_lag_us));
    fmt::print("  rate         {} req/s sent, {} completed (target {})\n", Rate(static_cast<double>(k.sent) / secs),
               Rate(static_cast<double>(k.completed) / secs), Rate(static_cast<double>(r.due) / secs));
    if (r.dropped > 0 || static_cast<double>(k.late) > 0.01 * static_cast<double>(std::max<uint64_t>(k.sent, 1)))
      fmt::print("  WARNING      the schedule was not kept: {} requests late, {} never sent; all {} connections were "
                 "busy (raise -c, or the server cannot keep up)\n",
                 Thousands(k.late), Thousands(r.dropped), c.connections);
  } else {
    fmt::print("  rate         {} req/s completed\n", Rate(static_cast<double>(k.completed) / secs));
  }
  if (r.measured.corrected.count()) {
    std::vector<std::vector<std::string>> rows = {{"  latency", "p50", "p90", "p99", "p99.9", "max", "mean"}};
    auto row = [&](std::string name, const LatencyHistogram& x) {
      rows.push_back({std::move(name), Micros(x.Quantile(0.5)), Micros(x.Quantile(0.9)), Micros(x.Quantile(0.99)),
                      Micros(x.Quantile(0.999)), Micros(x.max()), Micros(static_cast<uint64_t>(x.mean()))});
    };
    if (c.profile) {
      row("  from due time", r.measured.corrected);
      row("  from send", r.measured.uncorrected);
    } else {
      row("", r.measured.corrected);
    }
    fmt::print("\n{}\n", RenderTable(rows));
  }
  std::string status;
  for (size_t code = 0; code < k.status.size(); ++code)
    if (k.status[code]) status += fmt::format("{}{}: {}", status.empty() ? "" : ", ", code ? std::to_string(code) : "other", Thousands(k.status[code]));
  fmt::print("  status       {}\n", status.empty() ? "no responses" : status);
  std::string errors;
  auto add = [&](std::string_view name, uint64_t n) {
    if (n) errors += fmt::format("{}{} {}", errors.empty() ? "" : ", ", name, Thousands(n));
  };
  for (int f = 0; f < load::kFailureKinds; ++f) add(load::FailureName(static_cast<load::Failure>(f)), k.failed[f]);
  add("non-2xx", k.non_2xx());
  for (int f = 0; f < load::kConnectFailureKinds; ++f)
    add(load::ConnectFailureName(static_cast<load::ConnectFailure>(f)), k.connect_failed[f]);
  if (errors.empty()) errors = "none";
  else if (k.sent) errors += fmt::format(" ({:.2f} % of requests sent)", 100.0 * static_cast<double>(k.errors()) / static_cast<double>(k.sent));
  fmt::print("  errors       {}\n", errors);
  fmt::print("  connections  opened {}, closed by the server {}{}\n", Thousands(k.connections_opened),
             Thousands(k.closed_by_server), k.unsolicited ? fmt::format(", {} answered more than asked", k.unsolicited) : "");
  uint64_t all = k.sent + r.warmup.counters.sent;
  double cpu = r.cpu_user_s + r.cpu_sys_s;
  fmt::print("  generator    CPU {:.2f} s ({:.0f} % of a core{}), peak RSS {:.1f} MB\n", cpu,
             100 * cpu / std::max(secs + c.warmup_s, 1e-9),
             all ? fmt::format(", {:.1f} us per request", cpu * 1e6 / static_cast<double>(all)) : "",
             static_cast<double>(r.max_rss_kb) / 1024);
  for (const std::string& b : th.broken) fmt::print("  FAILED       {}\n", b);
}

}  // namespace

int RunLoad(const LoadOptions& o) {
  load::RequestSpec spec;
  auto built = BuildLoadConfig(o, &spec);
  if (!built.ok()) {
    fmt::print(stderr, "oomkit load: {}\n", built.error());
    return 2;
  }
  load::LoadConfig config = built.take();
  Thresholds th;
  if (!o.max_error_rate.empty()) {
    auto e = ParsePercent(o.max_error_rate);
    if (!e.ok()) {
      fmt::print(stderr, "oomkit load: --max-error-rate {}\n", e.error());
      return 2;
    }
    th.max_error_rate = e.value();
  }
  if (!o.max_p99.empty()) {
    auto p = ParseDuration(o.max_p99);
    if (!p.ok()) {
      fmt::print(stderr, "oomkit load: --max-p99 {}\n", p.error());
      return 2;
    }
    th.max_p99_s = p.value();
  }
  auto endpoint = load::ResolveEndpoint(config.urls[0]);
  if (!endpoint.ok()) {
    fmt::print(stderr, "oomkit load: {}\n", endpoint.error());
    return 2;
  }
  config.endpoint = endpoint.take();
  FILE* timeline = nullptr;
  if (!o.timeline.empty()) {
    auto fd = CreateNewFile(o.timeline, 0644);
    if (!fd.ok()) {
      fmt::print(stderr, "oomkit load: {}: {}\n", o.timeline, fd.error());
      return 2;
    }
    timeline = fdopen(fd.value(), "w");
  }

  load::LoadRun run(config);
  g_run = &run;
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sa.sa_flags = SA_RESETHAND;  // a second Ctrl-C ends oomkit at once
  struct sigaction old_int {}, old_term {};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  bool progress = o.progress && ::isatty(STDERR_FILENO);
  double total_s = config.warmup_s + config.duration_s;
  uint64_t sent_so_far = 0;
  auto on_interval = [&](const load::Interval& in) {
    const Counters& k = in.stats.counters;
    sent_so_far += k.sent;
    if (timeline) {
      fmt::print(timeline, "{}\n", IntervalJson(in, config, run.start_unix_ms()).dump());
      std::fflush(timeline);
    }
    if (progress) {
      double len = in.end_s - in.start_s;
      std::string target = config.profile ? fmt::format(" (target {:.0f})", (config.profile->DueBy(in.end_s) - config.profile->DueBy(in.start_s)) / len) : "";
      fmt::print(stderr, "\r\033[K{}{:.0f}/{:.0f} s  {:.0f} req/s{}  p99 {}  errors {}  late {}  in flight {}",
                 in.warmup ? "warm-up " : "", in.end_s, total_s, static_cast<double>(k.completed) / len, target,
                 Micros(in.stats.corrected.Quantile(0.99)), Thousands(k.errors()), Thousands(k.late), in.in_flight);
    }
  };
  auto result = run.Run(on_interval);
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  g_run = nullptr;
  if (progress) fmt::print(stderr, "\r\033[K");
  if (timeline) std::fclose(timeline);
  if (!result.ok()) {
    fmt::print(stderr, "oomkit load: {}\n", result.error());
    return 2;
  }
  const load::LoadResult& r = result.value();
  const Counters& k = r.measured.counters;
  double error_rate = k.sent ? static_cast<double>(k.errors()) / static_cast<double>(k.sent) : 0;
  if (th.max_error_rate >= 0 && (error_rate > th.max_error_rate || (k.sent == 0 && k.connect_failures() > 0)))
    th.broken.push_back(fmt::format("error rate {:.2f} % is over --max-error-rate {:.2f} %", 100 * error_rate, 100 * th.max_error_rate));
  uint64_t p99 = r.measured.corrected.Quantile(0.99);
  if (th.max_p99_s >= 0 && static_cast<double>(p99) > th.max_p99_s * 1e6)
    th.broken.push_back(fmt::format("p99 {} is over --max-p99 {}", Micros(p99), FormatDuration(th.max_p99_s)));
  bool never_connected = k.connections_opened == 0 && r.warmup.counters.connections_opened == 0;

  if (o.json) {
    double secs = std::max(r.measured_s, 1e-9);
    Json urls = Json::array();
    for (const auto& u : config.urls) urls.push_back({{"url", u.text}, {"weight", u.weight}});
    Json j{{"urls", urls},
           {"endpoint", config.endpoint.name},
           {"method", spec.method},
           {"mode", config.profile ? "open-loop" : "closed-loop"},
           {"profile", config.profile ? Json(config.profile->Describe()) : Json()},
           {"connections", config.connections},
           {"threads", config.threads},
           {"poll_interval_us", config.poll_interval_ns / 1000},
           {"unique_ids", spec.unique_ids},
           {"warmup_s", config.warmup_s},
           {"duration_s", std::round(r.measured_s * 1000) / 1000},
           {"interrupted", r.interrupted}};
    j["requests"] = {{"due", config.profile ? Json(r.due) : Json()},
                     {"sent", k.sent},
                     {"completed", k.completed},
                     {"failed", k.failures()},
                     {"in_flight_at_stop", r.in_flight_at_stop},
                     {"dropped", config.profile ? Json(r.dropped) : Json()},
                     {"late", config.profile ? Json(k.late) : Json()}};
    j["rate"] = {{"target", config.profile ? Json(static_cast<double>(r.due) / secs) : Json()},
                 {"sent_per_s", static_cast<double>(k.sent) / secs},
                 {"completed_per_s", static_cast<double>(k.completed) / secs}};
    j["max_send_lag_us"] = config.profile ? Json(k.max_lag_us) : Json();
    j["latency_us"] = LatencyJson(r.measured.corrected);
    j["latency_uncorrected_us"] = LatencyJson(r.measured.uncorrected);
    j["errors"] = FailuresJson(k);
    j["errors"]["total"] = k.errors();
    j["errors"]["rate"] = error_rate;
    j["connect_errors"] = ConnectJson(k);
    j["status_codes"] = StatusJson(k);
    j["connections_opened"] = k.connections_opened;
    j["closed_by_server"] = k.closed_by_server;
    j["unsolicited"] = k.unsolicited;
    uint64_t all = k.sent + r.warmup.counters.sent;
    double cpu = r.cpu_user_s + r.cpu_sys_s;
    j["generator"] = {{"cpu_user_s", r.cpu_user_s},
                      {"cpu_sys_s", r.cpu_sys_s},
                      {"cpu_us_per_request", all ? Json(cpu * 1e6 / static_cast<double>(all)) : Json()},
                      {"max_rss_mb", static_cast<double>(r.max_rss_kb) / 1024}};
    j["warmup"] = {{"sent", r.warmup.counters.sent}, {"completed", r.warmup.counters.completed},
                   {"errors", r.warmup.counters.errors()}};
    j["thresholds"] = {{"max_error_rate", th.max_error_rate >= 0 ? Json(th.max_error_rate) : Json()},
                       {"max_p99_us", th.max_p99_s >= 0 ? Json(th.max_p99_s * 1e6) : Json()},
                       {"broken", th.broken},
                       {"passed", th.broken.empty()}};
    fmt::print("{}\n", j.dump(1));
  } else {
    PrintText(config, spec, r, th);
  }
  if (never_connected && k.connect_failures() + r.warmup.counters.connect_failures() > 0) {
    fmt::print(stderr, "oomkit load: {}: no connection could be made ({} attempts: {} refused)\n", config.endpoint.name,
               k.connect_failures() + r.warmup.counters.connect_failures(),
               k.connect_failed[0] + r.warmup.counters.connect_failed[0]);
    return 2;
  }
  if (r.interrupted) return 130;
  return th.broken.empty() ? 0 : 1;
}

}  // namespace oomkit::cli
