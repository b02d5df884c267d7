#include "gc/gc_log.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <tuple>

#include <fmt/format.h>

namespace oomkit::gc {
namespace {

constexpr size_t kMaxLine = 1 << 16;  // V8's trace lines are under 3 KB; longer lines are not theirs
constexpr size_t kMaxPoints = 4096;

// Least squares of y on x, kept as running sums.
struct RunningFit {
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
  void Add(double x, double y) {
    n += 1, sx += x, sy += y, sxx += x * x, sxy += x * y, syy += y * y;
  }
  double Slope() const {
    double d = n * sxx - sx * sx;
    return n >= 2 && d > 0 ? (n * sxy - sx * sy) / d : 0;
  }
  double R2() const {
    double dx = n * sxx - sx * sx, dy = n * syy - sy * sy;
    if (n < 3 || dx <= 0 || dy <= 0) return 0;
    double r = (n * sxy - sx * sy) / std::sqrt(dx * dy);
    return r * r;
  }
};

// Keeps at most kMaxPoints, dropping every other one when full and from then
// on taking one in `stride`.
template <typename T>
class Thinned {
 public:
  void Add(const T& v) {
    if (seen_++ % stride_ != 0) return;
    if (items_.size() == kMaxPoints) {
      for (size_t i = 0; i < items_.size() / 2; ++i) items_[i] = items_[2 * i];
      items_.resize(items_.size() / 2);
      stride_ *= 2;
    }
    items_.push_back(v);
  }
  std::vector<T> Take() { return std::move(items_); }

 private:
  std::vector<T> items_;
  uint64_t seen_ = 0, stride_ = 1;
};

class IsolateState {
 public:
  IsolateState(const TraceLine& t, uint32_t generation) {
    r.pid = t.pid;
    r.isolate = t.isolate;
    r.isolate_id = t.isolate_id;
    r.generation = generation;
  }

  void Add(const GcEvent& e, double t, const GcLogOptions& o, bool from_ring) {
    if (r.first_ms < 0) r.first_ms = t;
    r.last_ms = std::max(r.last_ms, t);
    if (from_ring) ++r.from_last_few_gcs;
    r.pauses.Add(e.pause_ms);
    r.total_pause_ms += e.pause_ms;
    if (e.reason == "last resort") ++r.last_resort;
    if (e.reason == "testing") ++r.testing;
    if (e.reason == "external memory pressure") ++r.external_pressure;
    if (e.collector_reason == "scavenge might not succeed") ++r.might_not_succeed;
    if (e.reduce) ++r.reduce;
    if (e.interleaved) ++r.interleaved;
    // Sliding window of GC time.
    window_.push_back({t, e.pause_ms});
    window_pause_ += e.pause_ms;
    while (!window_.empty() && window_.front().first <= t - o.window_ms) {
      window_pause_ -= window_.front().second;
      window_.pop_front();
    }
    if (t - r.first_ms >= o.window_ms) r.min_window_mu = std::min(r.min_window_mu, std::max(0.0, 1 - window_pause_ / o.window_ms));
    // Allocation between GCs.
    if (prev_end_mb_ >= 0 && e.start_object_mb > prev_end_mb_) allocated_mb_ += e.start_object_mb - prev_end_mb_;
    timeline_.Add({t, e.end_object_mb, e.pause_ms, e.collector == Collector::kMarkCompact});

    if (e.collector == Collector::kMarkCompact) {
      ++r.mark_compacts;
      r.major_pauses.Add(e.pause_ms);
      AddMajor(e, t, o);
      scavenges_since_major_ = 0;
      starving_ = false;
    } else {
      if (e.collector == Collector::kScavenge) ++r.scavenges;
      else ++r.minor;
      double grew = prev_end_mb_ >= 0 ? e.end_object_mb - prev_end_mb_ : 0;
      if (grew >= 4) {
        ++r.promotion_spikes;
        r.biggest_promotion_mb = std::max(r.biggest_promotion_mb, grew);
      }
      if (scavenges_since_major_++ == 0) scavenge_base_mb_ = e.start_object_mb;
      double growth = e.end_object_mb - scavenge_base_mb_;
      if (scavenges_since_major_ >= 50 && growth >= std::max(16.0, 0.5 * scavenge_base_mb_)) {
        if (!starving_) ++r.starvation_episodes;
        starving_ = true;
        r.worst_starvation_growth_mb = std::max(r.worst_starvation_growth_mb, growth);
      }
    }
    prev_end_mb_ = e.end_object_mb;
  }

  void External(LineKind kind, int64_t kb) {
    double mb = static_cast<double>(kb) / 1024.0;
    if (kind == LineKind::kExternal) {
      if (r.first_external_mb < 0) r.first_external_mb = mb;
      r.last_external_mb = mb;
    } else {
      if (r.first_backing_mb < 0) r.first_backing_mb = mb;
      r.last_backing_mb = mb;
    }
  }

  IsolateReport Finish(const GcLogOptions& o, bool oom_seen);

  IsolateReport r;

 private:
  void AddMajor(const GcEvent& e, double t, const GcLogOptions& o) {
    if (e.reason == "testing" || e.reason == "heap profiler") return;  // gc() calls and snapshots
    if (r.first_floor_mb == 0 && fit_.n == 0) r.first_floor_mb = e.end_object_mb;
    r.last_floor_mb = e.end_object_mb;
    r.max_floor_mb = std::max(r.max_floor_mb, e.end_object_mb);
    fit_.Add(t / 60000.0, e.end_object_mb);
    majors_.Add({t, e.start_object_mb, e.end_object_mb, e.avg_mu, e.reduce});
    double reclaim = e.start_object_mb > 0 ? (e.start_object_mb - e.end_object_mb) / e.start_object_mb : 0;
    ineffective_run_ = reclaim < 0.10 ? ineffective_run_ + 1 : 0;
    r.longest_ineffective_run = std::max(r.longest_ineffective_run, ineffective_run_);
    // V8's own rule (Heap::CheckIneffectiveMarkCompact): average mu < 0.4 and
    // the old generation at >= 80 % of its limit, 4 times in a row.
    bool near_limit = o.heap_limit_mb > 0 ? e.end_object_mb >= 0.8 * o.heap_limit_mb : reclaim < 0.10;
    v8_run_ = e.avg_mu >= 0 && e.avg_mu < 0.4 && near_limit ? v8_run_ + 1 : 0;
    if (v8_run_ >= 4) r.v8_abort_rule = true;
  }

  RunningFit fit_;
  Thinned<MajorGc> majors_;
  Thinned<IsolateReport::Point> timeline_;
  std::deque<std::pair<double, double>> window_;
  double window_pause_ = 0;
  double prev_end_mb_ = -1, allocated_mb_ = 0;
  uint64_t scavenges_since_major_ = 0;
  double scavenge_base_mb_ = 0;
  bool starving_ = false;
  uint64_t ineffective_run_ = 0, v8_run_ = 0;
};

std::string Mb(double mb) { return mb >= 100 ? fmt::format("{:.0f} MB", mb) : fmt::format("{:.1f} MB", mb); }

IsolateReport IsolateState::Finish(const GcLogOptions& o, bool oom_seen) {
  r.majors = majors_.Take();
  r.timeline = timeline_.Take();
  const double span_ms = std::max(1.0, r.last_ms - std::max(0.0, r.first_ms));
  r.gc_share = std::min(1.0, r.total_pause_ms / span_ms);
  r.allocation_mb_per_s = allocated_mb_ / (span_ms / 1000.0);
  r.floor_slope_mb_per_min = fit_.Slope();
  r.floor_r2 = fit_.R2();
  if (r.majors.size() >= 4) {
    RunningFit late;
    for (size_t i = r.majors.size() / 2; i < r.majors.size(); ++i) late.Add(r.majors[i].time_ms / 60000.0, r.majors[i].end_mb);
    r.late_floor_slope_mb_per_min = late.Slope();
  }
  std::vector<double> reclaims;
  for (const MajorGc& m : r.majors) reclaims.push_back(m.start_mb > 0 ? (m.start_mb - m.end_mb) / m.start_mb : 0);
  if (!reclaims.empty()) {
    std::nth_element(reclaims.begin(), reclaims.begin() + static_cast<long>(reclaims.size() / 2), reclaims.end());
    r.median_reclaim = reclaims[reclaims.size() / 2];
  }
  if (o.heap_limit_mb > 0 && r.floor_slope_mb_per_min > 0)
    r.minutes_to_limit = std::max(0.0, (o.heap_limit_mb - r.last_floor_mb) / r.floor_slope_mb_per_min);

  // The verdict.
  Verdict& v = r.verdict;
  const double span_min = span_ms / 60000.0;
  const uint64_t majors = r.majors.size();
  const double rise = r.floor_slope_mb_per_min * span_min;
  // The floor's trailing plateau: the last major GCs that ended within 2 %
  // (at least 0.5 MB) of the last floor. A leak's floor climbs to the end; a
  // cache that filled up, or a live set that does not fit, sits on a
  // plateau for most of the log.
  size_t plateau = 0;
  for (size_t i = r.majors.size(); i > 0; --i, ++plateau)
    if (std::abs(r.majors[i - 1].end_mb - r.last_floor_mb) > std::max(0.5, 0.02 * r.last_floor_mb)) break;
  const double plateau_ms = plateau ? r.last_ms - r.majors[r.majors.size() - plateau].time_ms : 0;
  const bool flat_tail = plateau >= 4 && plateau_ms >= 0.5 * span_ms;
  const bool growing = majors >= 3 && r.floor_slope_mb_per_min > 0 && r.floor_r2 >= 0.6 &&
                       rise >= std::max(4.0, 0.25 * r.first_floor_mb) && !flat_tail;
  const bool dying = oom_seen || r.v8_abort_rule || r.last_resort > 0;
  const bool flat = std::abs(rise) < std::max(4.0, 0.1 * r.last_floor_mb) || flat_tail;

  const bool near_limit = o.heap_limit_mb > 0 && r.last_floor_mb >= 0.7 * o.heap_limit_mb;
  const bool external = r.external_pressure >= 3 ||
                        (r.first_external_mb >= 0 && r.last_external_mb - r.first_external_mb >= 32 &&
                         r.last_external_mb >= 2 * std::max(1.0, r.first_external_mb));
  // With few major GCs, the heap after every GC still shows whether it grows.
  const double heap_first = r.timeline.empty() ? 0 : r.timeline.front().heap_mb;
  const double heap_last = r.timeline.empty() ? 0 : r.timeline.back().heap_mb;
  // The floor rose well above where the program started (the first major GC
  // may come late, so the heap after the first GC counts too), then stopped.
  const double base_mb = std::max(1.0, r.timeline.empty() ? r.first_floor_mb : std::min(r.first_floor_mb, heap_first));
  // Where the floor sits: the median over the second half of the major GCs
  // (one last GC after the work is done, freeing everything, does not count).
  double level_mb = r.last_floor_mb;
  if (r.majors.size() >= 4) {
    std::vector<double> late;
    for (size_t i = r.majors.size() / 2; i < r.majors.size(); ++i) late.push_back(r.majors[i].end_mb);
    std::nth_element(late.begin(), late.begin() + static_cast<long>(late.size() / 2), late.end());
    level_mb = late[late.size() / 2];
  }
  const bool rose = level_mb >= 2 * base_mb && level_mb - base_mb >= 16;
  const bool filled = majors >= 3 && !growing && rose;
  // Churn: much GC time while the live set stays where it started.
  const bool churn = span_ms >= 1000 && flat && !rose &&
                     (r.gc_share >= 0.10 || (r.min_window_mu < 0.5 && span_ms >= 2 * o.window_ms));
  const bool quiet = span_ms >= 2000 && heap_last - heap_first < std::max(8.0, 0.5 * heap_first) && r.gc_share < 0.05;
  auto floor_line = [&] {
    return fmt::format("heap floor after major GCs {} -> {} ({:+.1f} MB/min, R² {:.2f}, {} major GCs over {:.1f} s)",
                       Mb(r.first_floor_mb), Mb(r.last_floor_mb), r.floor_slope_mb_per_min, r.floor_r2, majors,
                       span_ms / 1000);
  };
  if (growing || (dying && !flat_tail && majors >= 2 && r.floor_slope_mb_per_min > 0 && !near_limit && !external)) {
    v.kind = "js-heap-leak";
    v.evidence.push_back(floor_line());
    if (r.late_floor_slope_mb_per_min > 0)
      v.evidence.push_back(fmt::format("still rising in the second half ({:+.1f} MB/min)", r.late_floor_slope_mb_per_min));
    if (r.minutes_to_limit >= 0)
      v.evidence.push_back(fmt::format("at this slope the {} limit is reached in {:.1f} min", Mb(o.heap_limit_mb), r.minutes_to_limit));
    v.fix = "find what retains the growth: take heap snapshots under load (--heapsnapshot-near-heap-limit=2, or "
            "v8.writeHeapSnapshot() at intervals) and let `oomkit heap leaks` / "
            "`oomkit heap suspects` name the retainer; raising the heap limit only delays the crash";
  } else if (near_limit || (dying && flat_tail)) {
    v.kind = "bounded-high-usage";
    v.evidence.push_back(floor_line());
    if (near_limit)
      v.evidence.push_back(fmt::format("the live heap stays at {:.0f} % of the {} limit without growing",
                                       100 * r.last_floor_mb / o.heap_limit_mb, Mb(o.heap_limit_mb)));
    else
      v.evidence.push_back(fmt::format("the floor stopped growing at {} for the last {} major GCs ({:.1f} s) and GC "
                                       "could not make room: the live set does not fit the limit",
                                       Mb(r.last_floor_mb), plateau, plateau_ms / 1000));
    v.fix = "the live set is legitimately large: raise --max-old-space-size to about 75 % of the machine's or "
            "container's memory, or cache less";
  } else if (external) {
    v.kind = "insufficient-data";
    if (r.external_pressure) v.evidence.push_back(fmt::format("{} GCs were triggered by external memory pressure", r.external_pressure));
    if (r.last_external_mb >= 0)
      v.evidence.push_back(fmt::format("external memory reported {} -> {}", Mb(r.first_external_mb), Mb(r.last_external_mb)));
    v.evidence.push_back(floor_line() + ": the JS heap itself is not growing");
    v.fix = "memory outside the JS heap (Buffers, ArrayBuffers) is what grows, and the GC log cannot see it: read a "
            "diagnostic report (`oomkit report`) or watch process.memoryUsage()'s rss, external and arrayBuffers";
  } else if (churn) {
    v.kind = "gc-churn";
    v.evidence.push_back(fmt::format("GC takes {:.1f} % of the time; the worst {:.0f} ms window left the program {:.0f} %",
                                     100 * r.gc_share, o.window_ms, 100 * r.min_window_mu));
    v.evidence.push_back(floor_line() + ": the live set is flat");
    v.evidence.push_back(fmt::format("allocation {:.0f} MB/s", r.allocation_mb_per_s));
    v.fix = "cut the allocation rate: reuse buffers and objects, avoid per-request temporaries, stream instead of "
            "buffering; a larger young generation (--max-semi-space-size) helps short-lived garbage";
  } else if (majors < 3 && !dying && quiet) {
    v.kind = "healthy";
    v.evidence.push_back(fmt::format("{} GCs in {:.1f} s, {} of them major: the program allocates little", r.scavenges + r.minor + r.mark_compacts,
                                     span_ms / 1000, majors));
    v.evidence.push_back(fmt::format("heap after GCs {} -> {}", Mb(heap_first), Mb(heap_last)));
  } else if (majors < 3 && !dying) {
    v.kind = "insufficient-data";
    v.evidence.push_back(fmt::format("{} major GCs in {:.1f} s: too few to see a trend", majors, span_ms / 1000));
    v.fix = "log longer under load with --trace-gc (at least 3 major GCs), or with a smaller --max-old-space-size";
  } else if (filled) {
    v.kind = "bounded-high-usage";
    v.evidence.push_back(floor_line());
    v.evidence.push_back(fmt::format("the floor rose, then stayed flat ({:+.1f} MB/min in the second half)",
                                     r.late_floor_slope_mb_per_min));
    if (churn)
      v.evidence.push_back(fmt::format("GC takes {:.1f} % of the time: replacing entries is churn too", 100 * r.gc_share));
    v.fix = "a bounded working set: if it is near the heap limit, raise --max-old-space-size to about 75 % of the "
            "machine's or container's memory, or cache less";
  } else {
    v.kind = "healthy";
    v.evidence.push_back(floor_line());
    v.evidence.push_back(fmt::format("GC takes {:.1f} % of the time", 100 * r.gc_share));
  }
  if (r.v8_abort_rule)
    v.evidence.push_back("4 major GCs in a row freed almost nothing with average mutator utilization below 0.4: "
                         "V8's rule for aborting (Ineffective mark-compacts near heap limit)");
  if (r.starvation_episodes)
    v.evidence.push_back(fmt::format("the heap grew by up to {} while only scavenges ran", Mb(r.worst_starvation_growth_mb)));
  return std::move(r);
}

class Analyzer {
 public:
  explicit Analyzer(const GcLogOptions& o) : o_(o) {}

  void Line(std::string_view line) {
    ++report_.lines;
    if (!in_ring_) {
      TraceLine t = ParseTraceLine(line);
      if (t.kind != LineKind::kNotTrace) {
        Trace(t, line);
        return;
      }
    }
    // Not a trace line (or inside the OOM block): the OOM markers.
    if (line.find("<--- Last few GCs --->") != std::string_view::npos) {
      in_ring_ = true;
      return;
    }
    size_t fatal = line.find("FATAL ERROR:");
    if (fatal != std::string_view::npos || line.find("<--- JS stacktrace") != std::string_view::npos ||
        line.find("----- Native stack trace") != std::string_view::npos) {
      in_ring_ = false;
      if (fatal != std::string_view::npos && (line.find("heap out of memory") != std::string_view::npos ||
                                              line.find("Ineffective mark-compacts") != std::string_view::npos)) {
        report_.oom_seen = true;
        report_.oom_message = std::string(line.substr(fatal));
      }
      return;
    }
    if (in_ring_) {
      Ring(line);
      return;
    }
    ++report_.skipped_lines;
  }

  void Trace(const TraceLine& t, std::string_view line) {
    ++report_.trace_lines;
    if (t.kind == LineKind::kUnparsed) {
      if (report_.unparsed_lines++ == 0) {
        report_.first_unparsed_line = report_.lines;
        report_.first_unparsed = std::string(line.substr(0, 200));
      }
      return;
    }
    if (t.kind == LineKind::kGc) {
      ++report_.gc_lines;
      State(t, /*ring=*/false).Add(t.event, t.time_ms, o_, false);
    } else if (t.kind == LineKind::kExternal || t.kind == LineKind::kBackingStore) {
      State(t, false).External(t.kind, t.value_kb);
    }
  }

  void LongLine() {
    ++report_.lines;
    ++report_.long_lines;
    ++report_.skipped_lines;
  }

  Result<GcLogReport> Finish(bool binary) {
    if (report_.gc_lines == 0 && current_.empty() && done_.empty()) {
      if (report_.lines == 0) return Status::Error("the log is empty");
      if (binary) return Status::Error("binary data, not a text log");
      return Status::Error(fmt::format(
          "no GC trace lines in {} lines: run node with --trace-gc (it writes to stdout: node --trace-gc app.js "
          ">gc.log), or give the stderr of a process that died of OOM to `oomkit crash`",
          report_.lines));
    }
    for (auto& [key, s] : current_) Retire(std::move(s));
    report_.isolates = std::move(done_);
    std::stable_sort(report_.isolates.begin(), report_.isolates.end(), [](const IsolateReport& a, const IsolateReport& b) {
      return a.mark_compacts + a.scavenges + a.minor > b.mark_compacts + b.scavenges + b.minor;
    });
    report_.verdict = report_.isolates.front().verdict;
    return std::move(report_);
  }

 private:
  IsolateState& State(const TraceLine& t, bool ring) {
    auto key = std::make_tuple(t.pid, t.isolate, t.isolate_id);
    auto it = current_.find(key);
    if (it == current_.end()) {
      it = current_.emplace(key, std::make_unique<IsolateState>(t, 0)).first;
    } else if (!ring && t.time_ms >= 0 && t.time_ms + 1 < it->second->r.last_ms) {
      // The clock went back: a new isolate at a reused address.
      uint32_t generation = it->second->r.generation + 1;
      Retire(std::move(it->second));
      it->second = std::make_unique<IsolateState>(t, generation);
    }
    return *it->second;
  }

  // An isolate that ended. A log of any length keeps at most kMaxIsolates of
  // them, those with the most GCs (a process that starts workers all day
  // must not make the analysis grow with it).
  void Retire(std::unique_ptr<IsolateState> s) {
    done_.push_back(s->Finish(o_, report_.oom_seen));
    if (done_.size() > kMaxIsolates) {
      auto fewest = std::min_element(done_.begin(), done_.end(), [](const IsolateReport& a, const IsolateReport& b) {
        return a.mark_compacts + a.scavenges + a.minor < b.mark_compacts + b.scavenges + b.minor;
      });
      done_.erase(fewest);
      ++report_.isolates_omitted;
    }
  }
  static constexpr size_t kMaxIsolates = 64;

  // One line of the OOM block: entries run together, the first and last
  // possibly cut; only GCs newer than what the log already has are added.
  void Ring(std::string_view line) {
    for (size_t at = FindTracePrefix(line, 0); at != std::string_view::npos;) {
      size_t next = FindTracePrefix(line, at + 1);
      std::string_view piece = line.substr(at, next == std::string_view::npos ? std::string_view::npos : next - at);
      at = next;
      TraceLine t = ParseTraceLine(piece);
      if (t.kind != LineKind::kGc) continue;  // cut short by the ring buffer
      IsolateState& s = State(t, true);
      if (s.r.first_ms >= 0 && t.time_ms <= s.r.last_ms) continue;  // already in the log
      ++report_.gc_lines;
      s.Add(t.event, t.time_ms, o_, true);
    }
  }

  GcLogOptions o_;
  GcLogReport report_;
  std::map<std::tuple<uint32_t, uint64_t, int32_t>, std::unique_ptr<IsolateState>> current_;
  std::vector<IsolateReport> done_;
  bool in_ring_ = false;
};

// Splits `chunk` into lines for the analyzer, carrying a partial line over;
// lines longer than kMaxLine are counted and skipped without being kept.
class LineSplitter {
 public:
  explicit LineSplitter(Analyzer* a) : a_(a) {}
  void Feed(std::string_view chunk) {
    while (!chunk.empty()) {
      const void* nl = std::memchr(chunk.data(), '\n', chunk.size());
      size_t len = nl ? static_cast<size_t>(static_cast<const char*>(nl) - chunk.data()) : chunk.size();
      std::string_view piece = chunk.substr(0, len);
      if (!binary_ && std::memchr(piece.data(), '\0', piece.size())) binary_ = true;
      if (skipping_) {
        // inside a line already too long: drop until its end
      } else if (carry_.size() + piece.size() > kMaxLine) {
        skipping_ = true;
        carry_.clear();
      } else if (nl && carry_.empty()) {
        a_->Line(StripCr(piece));
      } else {
        carry_.append(piece);
        if (nl) {
          a_->Line(StripCr(carry_));
          carry_.clear();
        }
      }
      if (nl && skipping_) {
        a_->LongLine();
        skipping_ = false;
      }
      chunk.remove_prefix(nl ? len + 1 : len);
    }
  }
  void End() {
    if (skipping_) a_->LongLine();
    else if (!carry_.empty()) a_->Line(StripCr(carry_));
    carry_.clear();
  }
  bool binary() const { return binary_; }

 private:
  static std::string_view StripCr(std::string_view s) { return !s.empty() && s.back() == '\r' ? s.substr(0, s.size() - 1) : s; }
  Analyzer* a_;
  std::string carry_;
  bool skipping_ = false, binary_ = false;
};

}  // namespace

Result<GcLogReport> AnalyzeGcText(std::string_view text, const GcLogOptions& options) {
  Analyzer a(options);
  LineSplitter split(&a);
  split.Feed(text);
  split.End();
  return a.Finish(split.binary());
}

Result<GcLogReport> AnalyzeGcLog(const std::string& path, const GcLogOptions& options) {
  FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!f) return Status::Error(fmt::format("cannot open: {}", std::strerror(errno)));
  Analyzer a(options);
  LineSplitter split(&a);
  std::vector<char> buffer(1 << 20);
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0) split.Feed(std::string_view(buffer.data(), n));
  bool failed = std::ferror(f);
  if (f != stdin) std::fclose(f);
  if (failed) return Status::Error("read error");
  split.End();
  return a.Finish(split.binary());
}

}  // namespace oomkit::gc
