// Pause times in bounded memory: log-spaced buckets 1 % wide from 1 µs to
// ~28 hours, kept sparse (a log uses a few hundred of the 2,600), so the
// percentiles of a log of any length are within 1 % of the exact value at a
// cost of at most ~40 KB per isolate; the maximum is exact.
#pragma once

#include <map>
#include <cmath>
#include <algorithm>
#include <cstdint>

namespace oomkit::gc {

class PauseHistogram {
 public:
  void Add(double ms) {
    ++count_;
    if (ms > max_) max_ = ms;
    ++buckets_[static_cast<uint16_t>(Bucket(ms))];
  }
  uint64_t count() const { return count_; }
  double max() const { return max_; }
  // The q-quantile (0..1): the upper edge of the bucket holding it, capped at
  // the maximum.
  double Quantile(double q) const {
    if (count_ == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
    if (rank == 0) rank = 1;
    uint64_t seen = 0;
    for (const auto& [b, n] : buckets_) {
      seen += n;
      if (seen >= rank) return std::min(Upper(b), max_);
    }
    return max_;
  }

 private:
  static constexpr double kMin = 0.001;  // ms
  static constexpr double kGrowth = 1.01;
  static constexpr size_t kBuckets = 2600;
  static size_t Bucket(double ms) {
    if (!(ms > kMin)) return 0;
    double b = std::log(ms / kMin) / std::log(kGrowth);
    return b >= kBuckets - 1 ? kBuckets - 1 : static_cast<size_t>(b) + 1;
  }
  static double Upper(size_t b) { return kMin * std::pow(kGrowth, static_cast<double>(b)); }

  std::map<uint16_t, uint64_t> buckets_;
  uint64_t count_ = 0;
  double max_ = 0;
};

}  // namespace oomkit::gc
