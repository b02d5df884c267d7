#include "load/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace oomkit::load {
namespace {

TEST(LatencyHistogram, SlotsTileTheRangeWithoutGapsOrOverlap) {
  for (int s = 1; s < LatencyHistogram::kSlots; ++s)
    ASSERT_EQ(LatencyHistogram::SlotLowest(s), LatencyHistogram::SlotHighest(s - 1) + 1) << "slot " << s;
  EXPECT_EQ(LatencyHistogram::SlotHighest(LatencyHistogram::kSlots - 1), LatencyHistogram::kMaxValue);
  for (uint64_t v : {0ull, 1ull, 2047ull, 2048ull, 2049ull, 4095ull, 4096ull, 123456ull, 999999999ull}) {
    int s = LatencyHistogram::SlotOf(v);
    EXPECT_LE(LatencyHistogram::SlotLowest(s), v);
    EXPECT_GE(LatencyHistogram::SlotHighest(s), v);
  }
}

TEST(LatencyHistogram, ExactBelow2048AndWithinATenthOfAPercentAbove) {
  for (uint64_t v = 0; v < 2048; ++v) EXPECT_EQ(LatencyHistogram::SlotHighest(LatencyHistogram::SlotOf(v)), v);
  for (uint64_t v = 2048; v < (uint64_t{1} << 32); v = v * 3 / 2 + 7) {
    int s = LatencyHistogram::SlotOf(v);
    double width = static_cast<double>(LatencyHistogram::SlotHighest(s) - LatencyHistogram::SlotLowest(s) + 1);
    EXPECT_LE(width / static_cast<double>(v), 1.0 / 1024 + 1e-12) << v;
  }
}

TEST(LatencyHistogram, QuantilesMatchSortedSamples) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(6.0, 1.5);  // around 400 us with a long tail, as real latencies
  std::vector<uint64_t> samples;
  LatencyHistogram h;
  for (int i = 0; i < 100000; ++i) {
    uint64_t v = static_cast<uint64_t>(dist(rng));
    samples.push_back(v);
    h.Record(v);
  }
  std::sort(samples.begin(), samples.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    uint64_t exact = samples[static_cast<size_t>(std::ceil(q * samples.size())) - 1];
    uint64_t got = h.Quantile(q);
    EXPECT_GE(got, exact) << q;
    EXPECT_LE(static_cast<double>(got), static_cast<double>(exact) * (1 + 1.0 / 1024) + 1) << q;
  }
  EXPECT_EQ(h.Quantile(1.0), samples.back());
  EXPECT_EQ(h.max(), samples.back());
  EXPECT_EQ(h.min(), samples.front());
  EXPECT_EQ(h.count(), samples.size());
}

TEST(LatencyHistogram, MergedEqualsRecordedTogether) {
  LatencyHistogram a, b, all;
  for (uint64_t v = 1; v < 500000; v += 977) {
    (v % 2 ? a : b).Record(v);
    all.Record(v);
  }
  a.Add(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_DOUBLE_EQ(a.mean(), all.mean());
  for (double q : {0.1, 0.5, 0.99}) EXPECT_EQ(a.Quantile(q), all.Quantile(q));
}

TEST(LatencyHistogram, BeyondTheRangeKeepsTheTrueMaximum) {
  LatencyHistogram h;
  h.Record(uint64_t{1} << 40);
  h.Record(5);
  EXPECT_EQ(h.max(), uint64_t{1} << 40);
  EXPECT_EQ(h.Quantile(1.0), uint64_t{1} << 40);
  EXPECT_EQ(h.Quantile(0.5), 5u);
  LatencyHistogram empty;
  EXPECT_EQ(empty.Quantile(0.99), 0u);
  EXPECT_EQ(empty.min(), 0u);
}

}  // namespace
}  // namespace oomkit::load
