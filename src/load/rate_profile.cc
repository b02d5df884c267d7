#include "load/rate_profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "common/duration.h"
#include "common/format.h"

namespace oomkit::load {
namespace {

// The largest rate we schedule: 10 M req/s is far past what one machine sends.
constexpr double kMaxRate = 1e7;

Result<double> ParseRate(std::string_view text, std::string_view spec) {
  double r = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), r);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(r) || r < 0 || r > kMaxRate)
    return Status::Error(fmt::format("'{}' in '{}' is not a rate (requests per second, 0 to 10000000)", text, spec));
  return r;
}

// Requests due tau seconds into a segment.
double DueIn(const RateProfile::Segment& s, double tau) {
  double slope = s.duration_s > 0 ? (s.to_rate - s.from_rate) / s.duration_s : 0;
  return s.from_rate * tau + 0.5 * slope * tau * tau;
}

}  // namespace

void RateProfile::Add(double duration_s, double from, double to) {
  double start = segments_.empty() ? 0 : segments_.back().start_s + segments_.back().duration_s;
  double due = segments_.empty() ? 0 : segments_.back().due_before + DueIn(segments_.back(), segments_.back().duration_s);
  segments_.push_back({start, duration_s, from, to, due});
}

Result<RateProfile> RateProfile::Constant(double rate, double duration_s) {
  if (!(rate > 0) || rate > kMaxRate) return Status::Error(fmt::format("--rate {}: give 0 < rate <= 10000000", rate));
  RateProfile p;
  p.Add(duration_s, rate, rate);
  return p;
}

Result<RateProfile> RateProfile::ParseSteps(std::string_view spec) {
  RateProfile p;
  size_t pos = 0;
  while (pos <= spec.size()) {
    size_t comma = spec.find(',', pos);
    std::string_view step = spec.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    size_t colon = step.find(':');
    if (colon == std::string_view::npos)
      return Status::Error(fmt::format("--steps '{}': '{}' is not RATE:DURATION (e.g. 0:5s,2000:30s)", spec, step));
    auto rate = ParseRate(step.substr(0, colon), spec);
    if (!rate.ok()) return rate.status();
    auto d = ParseDuration(step.substr(colon + 1));
    if (!d.ok()) return Status::Error(fmt::format("--steps '{}': {}", spec, d.error()));
    p.Add(d.value(), rate.value(), rate.value());
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  if (p.peak_rate() <= 0) return Status::Error(fmt::format("--steps '{}': every step has rate 0", spec));
  return p;
}

Result<RateProfile> RateProfile::ParseRamp(std::string_view spec) {
  size_t a = spec.find(':');
  size_t b = a == std::string_view::npos ? a : spec.find(':', a + 1);
  if (b == std::string_view::npos)
    return Status::Error(fmt::format("--ramp '{}' is not FROM:TO:DURATION (e.g. 0:2000:30s)", spec));
  auto from = ParseRate(spec.substr(0, a), spec);
  if (!from.ok()) return from.status();
  auto to = ParseRate(spec.substr(a + 1, b - a - 1), spec);
  if (!to.ok()) return to.status();
  auto d = ParseDuration(spec.substr(b + 1));
  if (!d.ok()) return Status::Error(fmt::format("--ramp '{}': {}", spec, d.error()));
  if (from.value() <= 0 && to.value() <= 0) return Status::Error(fmt::format("--ramp '{}': both rates are 0", spec));
  RateProfile p;
  p.Add(d.value(), from.value(), to.value());
  return p;
}

void RateProfile::FitTo(double total_s) {
  double now = duration_s();
  if (total_s > now + 1e-9) {
    double last = segments_.back().to_rate;
    Add(total_s - now, last, last);
    return;
  }
  std::vector<Segment> old;
  old.swap(segments_);
  for (const Segment& s : old) {
    if (s.start_s >= total_s - 1e-12) break;
    double d = std::min(s.duration_s, total_s - s.start_s);
    double slope = s.duration_s > 0 ? (s.to_rate - s.from_rate) / s.duration_s : 0;
    Add(d, s.from_rate, s.from_rate + slope * d);
  }
}

void RateProfile::PrependWarmup(double warmup_s) {
  if (warmup_s <= 0) return;
  double rate = 0;
  for (const Segment& s : segments_) {
    rate = s.from_rate > 0 ? s.from_rate : s.to_rate;
    if (rate > 0) break;
  }
  std::vector<Segment> old;
  old.swap(segments_);
  Add(warmup_s, rate, rate);
  for (const Segment& s : old) Add(s.duration_s, s.from_rate, s.to_rate);
}

double RateProfile::duration_s() const {
  return segments_.empty() ? 0 : segments_.back().start_s + segments_.back().duration_s;
}

double RateProfile::RateAt(double t) const {
  for (const Segment& s : segments_)
    if (t < s.start_s + s.duration_s) {
      double tau = std::max(0.0, t - s.start_s);
      return s.from_rate + (s.duration_s > 0 ? (s.to_rate - s.from_rate) * tau / s.duration_s : 0);
    }
  return 0;
}

double RateProfile::DueBy(double t) const {
  if (segments_.empty() || t <= 0) return 0;
  for (const Segment& s : segments_)
    if (t < s.start_s + s.duration_s) return s.due_before + DueIn(s, t - s.start_s);
  const Segment& last = segments_.back();
  return last.due_before + DueIn(last, last.duration_s);
}

double RateProfile::DueTime(uint64_t i) const {
  double x = static_cast<double>(i) + 0.5;
  for (const Segment& s : segments_) {
    double in_segment = DueIn(s, s.duration_s);
    if (x >= s.due_before + in_segment) continue;
    double y = x - s.due_before;  // requests into this segment, 0 <= y < in_segment
    double a = s.duration_s > 0 ? 0.5 * (s.to_rate - s.from_rate) / s.duration_s : 0;
    double tau;
    if (std::abs(a) < 1e-12) {
      tau = y / s.from_rate;
    } else {
      // a tau^2 + r0 tau - y = 0; the root in [0, duration], written so that
      // it stays exact when r0 is 0 and accurate when a is tiny.
      double disc = s.from_rate * s.from_rate + 4 * a * y;
      tau = 2 * y / (s.from_rate + std::sqrt(std::max(0.0, disc)));
    }
    return s.start_s + std::clamp(tau, 0.0, s.duration_s);
  }
  return std::numeric_limits<double>::infinity();
}

uint64_t RateProfile::total() const {
  // Requests due strictly inside the profile: when N(end) is k + 1/2 exactly,
  // request k would be due at the end itself, which is not in it.
  double n = DueBy(duration_s());
  auto k = static_cast<uint64_t>(std::floor(n + 0.5 + 1e-9));
  while (k > 0 && std::isinf(DueTime(k - 1))) --k;
  return k;
}

double RateProfile::peak_rate() const {
  double peak = 0;
  for (const Segment& s : segments_) peak = std::max({peak, s.from_rate, s.to_rate});
  return peak;
}

std::string RateProfile::Describe() const {
  std::string out;
  for (const Segment& s : segments_) {
    if (!out.empty()) out += ", ";
    if (s.from_rate == s.to_rate)
      out += fmt::format("{} req/s for {}", Thousands(static_cast<uint64_t>(std::lround(s.from_rate))), FormatDuration(s.duration_s));
    else
      out += fmt::format("{} -> {} req/s over {}", Thousands(static_cast<uint64_t>(std::lround(s.from_rate))),
                         Thousands(static_cast<uint64_t>(std::lround(s.to_rate))), FormatDuration(s.duration_s));
  }
  return out;
}

}  // namespace oomkit::load
