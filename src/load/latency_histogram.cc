#include "load/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace oomkit::load {
namespace {
constexpr int kHalf = 1 << (LatencyHistogram::kSubBucketBits - 1);  // slots per power of two above the exact range
constexpr uint64_t kExact = uint64_t{1} << LatencyHistogram::kSubBucketBits;
}  // namespace

int LatencyHistogram::SlotOf(uint64_t v) {
  if (v > kMaxValue) v = kMaxValue;
  if (v < kExact) return static_cast<int>(v);
  // v in [2^(10+b), 2^(11+b)) for bucket b >= 1: slots of width 2^b.
  int b = std::bit_width(v) - kSubBucketBits;
  return static_cast<int>(kExact) + (b - 1) * kHalf + static_cast<int>((v >> b) - kHalf);
}

uint64_t LatencyHistogram::SlotLowest(int slot) {
  if (slot < static_cast<int>(kExact)) return static_cast<uint64_t>(slot);
  int rest = slot - static_cast<int>(kExact);
  int b = rest / kHalf + 1;
  return (static_cast<uint64_t>(rest % kHalf) + kHalf) << b;
}

uint64_t LatencyHistogram::SlotHighest(int slot) {
  if (slot < static_cast<int>(kExact)) return static_cast<uint64_t>(slot);
  int b = (slot - static_cast<int>(kExact)) / kHalf + 1;
  return SlotLowest(slot) + (uint64_t{1} << b) - 1;
}

void LatencyHistogram::Record(uint64_t v) {
  ++counts_[SlotOf(v)];
  ++count_;
  sum_ += v;
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
}

void LatencyHistogram::Add(const LatencyHistogram& o) {
  if (!o.count_) return;
  for (int i = 0; i < kSlots; ++i) counts_[i] += o.counts_[i];
  count_ += o.count_;
  sum_ += o.sum_;
  min_ = std::min(min_, o.min_);
  max_ = std::max(max_, o.max_);
}

void LatencyHistogram::Reset() { *this = LatencyHistogram(); }

uint64_t LatencyHistogram::Quantile(double q) const {
  if (!count_) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the sample asked for, 1-based: q = 0.5 of 3 samples is the 2nd.
  uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (int i = 0; i < kSlots; ++i) {
    seen += counts_[i];
    if (seen >= rank) return i == kSlots - 1 ? max_ : std::clamp(SlotHighest(i), min(), max_);
  }
  return max_;
}

}  // namespace oomkit::load
