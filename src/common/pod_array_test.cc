#include "common/pod_array.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <new>

namespace oomkit {
namespace {

struct Pair {
  uint32_t a, b;
};

TEST(PodArray, RecastHandsTheSameStorageOnAndLeavesTheSourceEmpty) {
  PodArray<uint32_t> words(10);
  for (uint32_t i = 0; i < 10; ++i) words[i] = i;
  const void* storage = words.data();

  PodArray<Pair> pairs = std::move(words).Recast<Pair>(5);
  EXPECT_TRUE(words.empty());
  EXPECT_EQ(words.data(), nullptr);
  ASSERT_EQ(pairs.size(), 5u);
  EXPECT_EQ(static_cast<const void*>(pairs.data()), storage);
  // The bytes are the same bytes: uint32 i and i + 1 are pair i / 2.
  EXPECT_EQ(pairs[2].a, 4u);
  EXPECT_EQ(pairs[2].b, 5u);

  // Fewer values than fit is fine; the storage is still freed once, by the
  // last owner (ASan would report a double or a mismatched free).
  PodArray<uint64_t> wide = std::move(pairs).Recast<uint64_t>(3);
  EXPECT_EQ(static_cast<const void*>(wide.data()), storage);
  EXPECT_EQ(wide.size(), 3u);
  EXPECT_EQ(wide.bytes(), 24u);
}

TEST(PodArray, RecastRefusesMoreThanTheStorageHolds) {
  PodArray<uint32_t> words(5);  // 20 bytes: two uint64 and a half
  EXPECT_THROW(std::move(words).Recast<uint64_t>(3), std::bad_alloc);
  EXPECT_EQ(words.size(), 5u);  // still owned where it was
}

TEST(PodArray, SizesPastTheAddressSpaceThrowInsteadOfWrapping) {
  EXPECT_THROW(PodArray<uint64_t>(SIZE_MAX / 4), std::bad_alloc);
}

TEST(PodArray, FillAndEmptyArrays) {
  PodArray<uint16_t> a(7, 0xABCD);
  for (uint16_t v : a) EXPECT_EQ(v, 0xABCD);
  PodArray<uint8_t> b(5, 3);
  for (uint8_t v : b) EXPECT_EQ(v, 3);
  PodArray<uint32_t> none(0);
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.data(), nullptr);
  EXPECT_EQ(none.begin(), none.end());
}

}  // namespace
}  // namespace oomkit
