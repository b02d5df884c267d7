// RateProfile: the open-loop schedule, as requests per second over time.
//
// A profile is a list of segments, each ramping linearly from one rate to
// another (a constant rate or a step is a segment whose two rates are equal).
// N(t) = the integral of the rate from 0 to t is the number of requests due by
// t; request i (0-based) is due when N(t) = i + 1/2, which spaces requests
// evenly at any rate, puts the first one half an interval in, and makes a
// profile of R req/s for D s send exactly round(R * D) requests.
//
// With T sender threads, thread k sends the requests i = k, k + T, k + 2T, ...:
// the merged stream is exactly as even as one thread's would be.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace oomkit::load {

class RateProfile {
 public:
  struct Segment {
    double start_s;
    double duration_s;
    double from_rate;  // req/s at start_s
    double to_rate;    // req/s at start_s + duration_s
    double due_before; // N(start_s)
  };

  static Result<RateProfile> Constant(double rate, double duration_s);
  // "0:5s,2000:30s,500:30s": rate:duration pairs, one after the other.
  static Result<RateProfile> ParseSteps(std::string_view spec);
  // "FROM:TO:DURATION": a linear ramp.
  static Result<RateProfile> ParseRamp(std::string_view spec);

  // Holds the last rate until total_s, or cuts the profile at total_s.
  void FitTo(double total_s);
  // Puts warmup_s at the first non-zero rate of the profile in front of it.
  void PrependWarmup(double warmup_s);

  double duration_s() const;
  double RateAt(double t) const;
  // N(t): requests due by t (fractional), t clamped to the profile.
  double DueBy(double t) const;
  // When request i is due, in seconds from the start; +inf when the profile
  // ends before it.
  double DueTime(uint64_t i) const;
  // Requests in the whole profile.
  uint64_t total() const;
  double peak_rate() const;
  const std::vector<Segment>& segments() const { return segments_; }
  // "2,000 req/s", "0 -> 2,000 req/s over 30 s, then 2,000 req/s", ...
  std::string Describe() const;

 private:
  void Add(double duration_s, double from, double to);
  std::vector<Segment> segments_;
};

}  // namespace oomkit::load
