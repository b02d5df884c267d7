#include "diagnose/verdict.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/format.h"

namespace oomkit::diagnose {
namespace {

using Json = nlohmann::ordered_json;

constexpr double kMiB = 1024.0 * 1024.0;
// A median latency over this means requests queued behind a saturated app.
constexpr uint64_t kFellBehindP50Us = 1000000;
// Less CPU time than this is a few dozen scavenges, or (where /proc counts
// in 10 ms ticks) a few ticks: no share to speak of.
constexpr double kLeastCpuMs = 200;

std::string Mb(double bytes) { return fmt::format("{:.1f} MB", bytes / 1e6); }
std::string SignedMb(double bytes) { return fmt::format("{:+.1f} MB", bytes / 1e6); }

double Diff(uint64_t a, uint64_t b) { return static_cast<double>(a) - static_cast<double>(b); }

bool IsBufferClass(const std::string& c) {
  static const char* kinds[] = {"Buffer", "Uint8Array", "ArrayBuffer", "SharedArrayBuffer", "DataView", "FastBuffer",
                                "Int8Array", "Uint16Array", "Int16Array", "Uint32Array", "Int32Array", "Float32Array",
                                "Float64Array", "BigInt64Array", "BigUint64Array", "Uint8ClampedArray"};
  return std::any_of(std::begin(kinds), std::end(kinds), [&](const char* k) { return c == k; });
}

// The cluster's main class: the one most of its tops are.
std::string MainClass(const Json& cluster) {
  std::string best;
  uint64_t most = 0;
  if (cluster.contains("classes"))
    for (const Json& c : cluster["classes"])
      if (c.value("count", uint64_t{0}) > most) {
        most = c.value("count", uint64_t{0});
        best = c.value("name", "");
      }
  return best;
}

// The largest significant cluster of buffers (or of anything else), and
// failing that the largest significant one.
const Json* PickCluster(const Json& leaks, bool buffers) {
  if (!leaks.is_object() || !leaks.contains("clusters")) return nullptr;
  const Json* first = nullptr;
  for (const Json& c : leaks["clusters"]) {
    if (!c.value("significant", false)) continue;
    if (IsBufferClass(MainClass(c)) == buffers) return &c;
    if (!first) first = &c;
  }
  return first;
}

// The suspect that names an object on the culprit's path, with a fix.
const Json* SuspectOnPath(const Json& suspects, const Json& path) {
  if (!suspects.is_object() || !suspects.contains("suspects") || !path.is_array()) return nullptr;
  for (const Json& s : suspects["suspects"]) {
    if (s.value("fix", "").empty()) continue;
    for (const Json& step : path)
      if (step.value("id", uint64_t{0}) == s.value("id", uint64_t{1}) && step.value("id", uint64_t{0}) != 0) return &s;
  }
  return nullptr;
}

const Json* TopSuspect(const Json& suspects, const std::vector<std::string>& kinds) {
  if (!suspects.is_object() || !suspects.contains("suspects")) return nullptr;
  for (const Json& s : suspects["suspects"]) {
    std::string k = s.value("kind", "");
    if (kinds.empty() ? !s.value("fix", "").empty() : std::find(kinds.begin(), kinds.end(), k) != kinds.end()) return &s;
  }
  return nullptr;
}

// The application's own allocation site with the most live memory.
std::string AllocationSite(const Json& profile) {
  if (!profile.is_object() || !profile.contains("sites")) return "";
  for (const Json& s : profile["sites"]) {
    std::string url = s.value("url", "");
    if (url.empty() || url.starts_with("node:") || url.starts_with("internal/") || url.find("/node_modules/") != std::string::npos)
      continue;
    std::string fn = s.value("function", "");
    return fmt::format("{} {}:{}:{} ({} live, sampled)", fn.empty() ? "(anonymous)" : fn, url, s.value("line", 0),
                       s.value("column", 0), HumanSize(s.value("self_size", uint64_t{0})));
  }
  return "";
}

}  // namespace

std::string PathText(const Json& path) {
  std::string out;
  if (!path.is_array()) return out;
  for (size_t i = 0; i < path.size(); ++i) {
    const Json& step = path[i];
    if (i) out += " → ";
    out += step.value("name", "?");
    if (!step.contains("edge")) continue;
    std::string edge = step["edge"].is_string() ? step["edge"].get<std::string>() : step["edge"].dump();
    std::string type = step.value("edge_type", "");
    if (edge.starts_with("["))
      out += " " + edge;  // heap leaks writes element edges as [N] already
    else if (type == "element" || type == "hidden" || (type == "internal" && !edge.empty() && std::isdigit(static_cast<unsigned char>(edge[0]))))
      out += fmt::format(" [{}]", edge);
    else
      out += " ." + edge;
  }
  return out;
}

std::string ShortPathText(const Json& path) {
  if (!path.is_array() || path.empty()) return "";
  // From the closure variable or global property that holds it: the part a
  // developer recognises; the way from the GC roots to that context is Node's.
  size_t from = 0;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    std::string type = path[i].value("edge_type", "");
    std::string name = path[i].value("name", "");
    if (type == "context" || (type == "property" && (name.starts_with("global") || name.starts_with("Window")))) from = i;
  }
  if (from == 0) return PathText(path);
  Json tail = Json::array();
  for (size_t i = from; i < path.size(); ++i) tail.push_back(path[i]);
  return "… → " + PathText(tail);
}

Verdict Decide(const VerdictInput& in) {
  Verdict v;
  const Reading &b = in.baseline, &t = in.target, &f = in.final_;
  const uint64_t requests = in.requests_1 + in.requests_2;
  const bool measured = b.present && t.present && f.present;

  // The GC log's and the crash's word when the run did not get to its end.
  if (!measured) {
    std::string gc_kind = in.gc.is_object() && in.gc.contains("verdict") ? in.gc["verdict"].value("kind", "") : "";
    bool heap_oom = in.exit_kind.find("heap") != std::string::npos || in.exit_kind.find("oom") != std::string::npos;
    v.evidence.push_back(in.died ? fmt::format("the process died before the last measurement: {} [{}]", in.exit_summary, in.exit_kind)
                                 : "the run ended before the three measurements were taken");
    if (in.gc.is_object() && in.gc.contains("verdict") && in.gc["verdict"].contains("evidence"))
      for (const Json& e : in.gc["verdict"]["evidence"]) v.evidence.push_back("gc.log: " + e.get<std::string>());
    if (gc_kind == "bounded-high-usage") v.kind = "bounded-high-usage";
    else if (gc_kind == "gc-churn" && !heap_oom) v.kind = "gc-churn-no-leak";
    else if (gc_kind == "js-heap-leak" || heap_oom) v.kind = "js-heap-leak";
    else v.kind = "healthy";
  } else {
    const double noise_heap = std::max(kMiB, in.tolerance * static_cast<double>(b.heap_used));
    const double noise_ext = std::max(kMiB, in.tolerance * static_cast<double>(b.heap_used + b.external));
    const double g1 = Diff(t.heap_used, b.heap_used), g2 = Diff(f.heap_used, t.heap_used);
    const double e1 = Diff(t.external, b.external), e2 = Diff(f.external, t.external);
    const bool heap_grows = g1 > noise_heap && g2 > noise_heap && g2 >= 0.3 * g1;
    const bool ext_grows = e1 > noise_ext && e2 > noise_ext && e2 >= 0.3 * e1 && e1 + e2 > 2 * std::max(0.0, g1 + g2);
    const bool filled = (g1 > noise_heap || e1 > noise_ext) && !heap_grows && !ext_grows;
    const bool near_limit = in.old_space_limit && static_cast<double>(f.heap_used) >= 0.7 * static_cast<double>(in.old_space_limit);
    // GC's share of the JS thread's busy time (on a CPU or ready for one):
    // from the warm-up when it was long enough to count, else from the
    // measured phases, where the snapshots inflate it.
    const bool from_warmup = in.warmup.cpu_ms >= kLeastCpuMs;
    const bool from_load = !from_warmup && in.load.cpu_ms >= kLeastCpuMs;
    const auto [gc_ms, cpu_ms, waiting_ms] = from_warmup ? in.warmup : from_load ? in.load : VerdictInput::GcTime{0, 0, 0};
    const double gc_share = cpu_ms > 0 ? gc_ms / (cpu_ms + waiting_ms) : 0;

    std::string after = requests ? fmt::format("after {} requests", Thousands(in.requests_1)) : "after the first third";
    std::string after2 = requests ? fmt::format("after {} more", Thousands(in.requests_2)) : "after the second";
    v.evidence.push_back(fmt::format("JS heap after full GCs: {} at the baseline, {} {}, {} {} ({}, then {})", Mb(b.heap_used),
                                     Mb(t.heap_used), after, Mb(f.heap_used), after2, SignedMb(g1), SignedMb(g2)));
    v.evidence.push_back(fmt::format("external memory (Buffers, ArrayBuffers) after full GCs: {}, {}, {} ({}, then {})", Mb(b.external),
                                     Mb(t.external), Mb(f.external), SignedMb(e1), SignedMb(e2)));
    if (b.rss && f.rss)
      v.evidence.push_back(fmt::format("RSS at the same moments: {}, {}, {} (it also holds pages V8 freed but kept, and each "
                                       "snapshot's writing raises it: the heap and external figures decide)",
                                       Mb(b.rss), Mb(t.rss), Mb(f.rss)));
    if (in.idle.present && in.peak_heap_used > b.heap_used) {
      double added = Diff(in.peak_heap_used, b.heap_used);
      double freed = Diff(in.peak_heap_used, in.idle.heap_used);
      v.evidence.push_back(fmt::format("idle after the load, after full GCs: {} of the {} the load had added at its peak ({}) went "
                                       "away ({:.0f} %; a healthy process frees >= 70 %, a leaking one keeps most of it)",
                                       Mb(std::max(0.0, freed)), Mb(added), Mb(in.peak_heap_used), 100 * std::max(0.0, freed) / added));
    }
    if (from_warmup || from_load) {
      // The split is news only when the machine was busy.
      std::string base = waiting_ms >= 0.1 * cpu_ms ? fmt::format("{:.0f} ms: {:.0f} on a CPU, {:.0f} ready but waiting for one, "
                                                                  "which a pause also holds",
                                                                  cpu_ms + waiting_ms, cpu_ms, waiting_ms)
                                                     : fmt::format("{:.0f} ms", cpu_ms + waiting_ms);
      v.evidence.push_back(fmt::format("GC pauses took {:.1f} % of the JS thread's busy time {} ({:.0f} ms of {}; {})", 100 * gc_share,
                                       from_warmup ? "in the warm-up" : "under load", gc_ms, base,
                                       from_warmup ? "measured before any heap snapshot: once V8 has written one, GC costs more"
                                                   : "measured after a heap snapshot, which makes V8's GC costlier: an overstatement"));
    }
    if (in.dropped > 0 || in.worst_p50_us > kFellBehindP50Us)
      v.evidence.push_back(fmt::format("the app did not keep up with {} req/s: {} requests dropped, median latency {:.1f} s; the "
                                       "memory figures count the answered requests, but a lower --rate measures it at a rate it serves",
                                       Thousands(static_cast<uint64_t>(in.target_rate)), Thousands(in.dropped),
                                       static_cast<double>(in.worst_p50_us) / 1e6));
    if (ext_grows) v.kind = "external-memory-leak";
    else if (heap_grows) v.kind = "js-heap-leak";
    else if (filled || near_limit) v.kind = "bounded-high-usage";
    else if (gc_share >= 0.10) v.kind = "gc-churn-no-leak";
    else v.kind = "healthy";
    if (near_limit)
      v.evidence.push_back(fmt::format("the heap after GC is {:.0f} % of the old space's limit ({})",
                                       100.0 * static_cast<double>(f.heap_used) / static_cast<double>(in.old_space_limit),
                                       Mb(in.old_space_limit)));
    double grown = v.kind == "external-memory-leak" ? Diff(f.external, b.external) : Diff(f.heap_used, b.heap_used);
    double minutes = static_cast<double>(f.t_ms - b.t_ms) / 60000.0;
    v.has_growth = v.kind == "js-heap-leak" || v.kind == "external-memory-leak";
    if (requests) v.growth_per_1000_requests = grown / static_cast<double>(requests) * 1000;
    if (minutes > 0) v.growth_per_minute = grown / minutes;
    if (v.has_growth && requests)
      v.evidence.push_back(fmt::format("{} per 1,000 requests, the same in both load phases ({} and {} per 1,000)",
                                       SignedMb(v.growth_per_1000_requests),
                                       SignedMb((v.kind == "external-memory-leak" ? e1 : g1) / static_cast<double>(std::max<uint64_t>(1, in.requests_1)) * 1000),
                                       SignedMb((v.kind == "external-memory-leak" ? e2 : g2) / static_cast<double>(std::max<uint64_t>(1, in.requests_2)) * 1000)));
    if (in.died) v.evidence.push_back(fmt::format("the process died: {} [{}]", in.exit_summary, in.exit_kind));
  }

  // The culprit.
  bool leak = v.kind == "js-heap-leak" || v.kind == "external-memory-leak";
  const Json* cluster = leak ? PickCluster(in.leaks, v.kind == "external-memory-leak") : nullptr;
  const Json* suspect = nullptr;
  if (cluster) {
    const Json& path = (*cluster)["path"];
    v.culprit_class = MainClass(*cluster);
    // A closure's class says nothing; its function's name does.
    if (v.culprit_class == "Function" && !path.empty()) v.culprit_class = path.back().value("name", v.culprit_class);
    v.culprit_path = ShortPathText(path);
    v.culprit_full_path = PathText(path);
    v.culprit_id = path.empty() ? 0 : path.back().value("id", 0u);
    const Json& history = (*cluster)["history"];
    v.evidence.push_back(fmt::format("{} objects ({}) allocated after the baseline are alive in every later snapshot, {} each time "
                                     "({}): {}",
                                     Thousands(cluster->value("count", uint64_t{0})), HumanSize(cluster->value("retained_size", uint64_t{0})),
                                     cluster->value("grew_every_step", false) ? "more" : "not more",
                                     history.size() >= 2 ? fmt::format("{} then {}", Thousands(history[0].value("count", uint64_t{0})),
                                                                       Thousands(history[1].value("count", uint64_t{0})))
                                                         : "",
                                     v.culprit_path));
    suspect = SuspectOnPath(in.suspects, path);
  }
  if (v.kind == "external-memory-leak") {
    // The holder on the path says where; the backing-store detectors say what to do.
    if (suspect) v.evidence.push_back(fmt::format("held by: {}", suspect->value("what", "")));
    if (const Json* b = TopSuspect(in.suspects, {"buffer-slices", "external-memory"})) suspect = b;
    else if (cluster) suspect = nullptr;
  }
  if (leak && !suspect) suspect = TopSuspect(in.suspects, {});
  if (v.kind == "bounded-high-usage") suspect = TopSuspect(in.suspects, {"collection", "big-retainer", "class-share"});
  if (suspect) {
    if (v.culprit_class.empty()) {
      v.culprit_class = suspect->value("class", "");
      v.culprit_path = ShortPathText((*suspect)["path"]);
      v.culprit_full_path = PathText((*suspect)["path"]);
      v.culprit_id = suspect->value("id", 0u);
    }
    if (v.kind == "bounded-high-usage") {
      // Not "nothing bounds it": the second load showed that something does.
      v.evidence.push_back(fmt::format("the largest holder: {}, retaining {}", suspect->value("what", ""),
                                       HumanSize(suspect->value("retained_size", uint64_t{0}))));
    } else {
      v.evidence.push_back(fmt::format("suspect: {}: {}", suspect->value("what", ""), suspect->value("why", "")));
      v.fix = suspect->value("fix", "");
    }
  }
  if (leak || v.kind == "bounded-high-usage") v.allocation_site = AllocationSite(in.profile);
  if (!v.allocation_site.empty()) v.evidence.push_back("most live memory allocated at " + v.allocation_site);

  if (v.fix.empty()) {
    if (v.kind == "js-heap-leak")
      v.fix = "find where the culprit is added and remove it when its request ends (delete the entry, off() the listener, "
              "clear the timer), or bound the collection (an LRU with a maximum size)";
    else if (v.kind == "external-memory-leak")
      v.fix = "a Buffer slice (subarray) keeps its whole parent alive: copy what you keep (Buffer.from(buf.subarray(a, b))), "
              "and release streams and Buffers when their request ends";
    else if (v.kind == "bounded-high-usage")
      v.fix = "the memory is bounded: size the heap for it (--max-old-space-size at ~75 % of the container's memory) or "
              "cache less (a smaller maximum, a TTL)";
    else if (v.kind == "gc-churn-no-leak")
      v.fix = "nothing leaks, but the allocation rate costs CPU and latency: allocate less per request (reuse buffers, stream "
              "instead of building whole copies, avoid JSON round-trips); a larger young generation (--max-semi-space-size) "
              "helps";
    else v.fix = "nothing to fix: memory returns to its baseline after the load";
  }
  std::string growth = v.has_growth && v.growth_per_1000_requests != 0
                           ? fmt::format(", {} per 1,000 requests", SignedMb(v.growth_per_1000_requests))
                           : v.has_growth ? fmt::format(", {} per minute", SignedMb(v.growth_per_minute)) : "";
  if (v.kind == "js-heap-leak")
    v.headline = fmt::format("the JS heap leaks{}{}", growth, v.culprit_class.empty() ? "" : ": " + v.culprit_class + " objects pile up");
  else if (v.kind == "external-memory-leak")
    v.headline = fmt::format("external memory (Buffers) leaks{}{}", growth,
                             v.culprit_class.empty() ? "" : ": " + v.culprit_class + " objects keep their backing stores");
  else if (v.kind == "bounded-high-usage")
    v.headline = "memory grows under load, then stops: high but bounded usage, not a leak";
  else if (v.kind == "gc-churn-no-leak")
    v.headline = "no leak, but the collector works hard: allocation churn";
  else
    v.headline = "healthy: memory returns to its baseline after the load";
  if (!measured && in.died) v.headline += " (it died before the end: diagnosed from what survived)";
  return v;
}

nlohmann::ordered_json VerdictJson(const Verdict& v) {
  nlohmann::ordered_json j;
  j["kind"] = v.kind;
  j["headline"] = v.headline;
  j["culprit"] = {{"class", v.culprit_class.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(v.culprit_class)},
                  {"id", v.culprit_id ? nlohmann::ordered_json(v.culprit_id) : nlohmann::ordered_json()},
                  {"path", v.culprit_path.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(v.culprit_path)},
                  {"path_from_roots", v.culprit_full_path.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(v.culprit_full_path)},
                  {"allocation_site", v.allocation_site.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(v.allocation_site)}};
  j["growth_per_1000_requests"] = v.has_growth && v.growth_per_1000_requests != 0
                                      ? nlohmann::ordered_json(std::llround(v.growth_per_1000_requests))
                                      : nlohmann::ordered_json();
  j["growth_per_minute"] = v.has_growth ? nlohmann::ordered_json(std::llround(v.growth_per_minute)) : nlohmann::ordered_json();
  j["evidence"] = v.evidence;
  j["fix"] = v.fix;
  return j;
}

}  // namespace oomkit::diagnose
