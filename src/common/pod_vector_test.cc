#include "common/pod_vector.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace oomkit {
namespace {

TEST(PodVector, KeepsEveryValueAcrossGrowth) {
  PodVector<uint64_t> v;
  EXPECT_TRUE(v.empty());
  // Past the first block and through several doublings, with realloc and
  // then (from 2 MB) in blocks of huge pages the values are copied into.
  constexpr uint64_t kCount = 3'000'000;
  for (uint64_t i = 0; i < kCount; ++i) v.push_back(i * 7 + 1);
  ASSERT_EQ(v.size(), kCount);
  for (uint64_t i = 0; i < kCount; i += 999) ASSERT_EQ(v[i], i * 7 + 1) << i;
  EXPECT_EQ(v[kCount - 1], (kCount - 1) * 7 + 1);
}

TEST(PodVector, ReserveKeepsValuesAndLaterPushesDoNotMoveThem) {
  PodVector<uint32_t> v;
  for (uint32_t i = 0; i < 10; ++i) v.push_back(i);
  v.reserve(100'000);
  const uint32_t* storage = v.data();
  for (uint32_t i = 10; i < 100'000; ++i) v.push_back(i);
  EXPECT_EQ(v.data(), storage);
  for (uint32_t i = 0; i < 100'000; ++i) ASSERT_EQ(v[i], i);
  v.reserve(5);  // smaller than held: nothing changes
  EXPECT_EQ(v.data(), storage);
  EXPECT_EQ(v.size(), 100'000u);
}

// The string table's arena: bytes appended in runs (none, too), cut back to a
// mark when a string turns out cut short, across the move to huge-page blocks.
TEST(PodVector, AppendAndCutBack) {
  PodVector<char> empty;
  empty.append("", 0);
  EXPECT_TRUE(empty.empty());
  PodVector<char> bytes;
  std::string expected;
  for (int i = 0; bytes.size() < (5u << 20); ++i) {
    std::string run = std::to_string(i) + ",";
    bytes.append(run.data(), run.size());
    expected += run;
  }
  const size_t mark = bytes.size();
  bytes.append("partial", 7);
  bytes.resize_down(mark);
  bytes.resize_down(mark + 100);  // growing is not what it does
  ASSERT_EQ(bytes.size(), expected.size());
  EXPECT_EQ(std::string(bytes.data(), bytes.size()), expected);
}

TEST(PodVector, MovesLeaveTheSourceEmpty) {
  PodVector<uint32_t> a;
  a.push_back(42);
  PodVector<uint32_t> b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT: moved-from is specified here
  a.push_back(7);          // and usable
  EXPECT_EQ(a[0], 7u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0], 42u);
}

}  // namespace
}  // namespace oomkit
