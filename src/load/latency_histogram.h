// LatencyHistogram: latencies in microseconds, recorded in O(1) into a fixed
// array, merged by adding arrays, read as percentiles.
//
// The layout is HdrHistogram's log-linear one with 11 sub-bucket bits: values
// below 2,048 us get one slot each (exact), and every power of two above that
// is split into 1,024 slots, so any value is kept to within 1/1024 (about
// three significant digits). The range ends at 2^32 us (71 minutes); a longer
// latency is counted in the last slot and reported as the recorded maximum.
//
// Memory: kSlots (23,552) x 8 B = 184 KiB per histogram, whatever the number of
// requests: a soak run of hours keeps the same RSS as a run of seconds.
#pragma once

#include <array>
#include <cstdint>

namespace oomkit::load {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 11;
  static constexpr int kMaxValueBits = 32;
  static constexpr uint64_t kMaxValue = (uint64_t{1} << kMaxValueBits) - 1;
  static constexpr int kSlots = (1 << kSubBucketBits) + (kMaxValueBits - kSubBucketBits) * (1 << (kSubBucketBits - 1));

  void Record(uint64_t micros);
  void Add(const LatencyHistogram& other);
  void Reset();

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0; }
  // The smallest recorded value v such that a fraction q (0..1) of the
  // samples are <= v, as the top of v's slot, never above max(). 0 if empty.
  uint64_t Quantile(double q) const;

  // Exposed for tests: the slot a value lands in and the slot's value range.
  static int SlotOf(uint64_t micros);
  static uint64_t SlotLowest(int slot);
  static uint64_t SlotHighest(int slot);

 private:
  std::array<uint64_t, kSlots> counts_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace oomkit::load
