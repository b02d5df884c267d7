#include "common/page_pool.h"

#include <sys/mman.h>

#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "common/prefault.h"
#include "common/test_support.h"

namespace oomkit {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

class PagePoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!PagePool::enabled()) GTEST_SKIP() << "the pool is off under AddressSanitizer";
    PagePool::Trim();
  }
  void TearDown() override {
    if (PagePool::enabled()) PagePool::Trim();
  }
};

TEST_F(PagePoolTest, AFreedBlocksPagesServeTheNextBlockWithoutFaults) {
  char* a = static_cast<char*>(PagePool::Allocate(64 * kMiB));
  ASSERT_EQ(reinterpret_cast<uintptr_t>(a) % kPrefaultHugeBytes, 0u);
  std::memset(a, 5, 64 * kMiB);
  EXPECT_EQ(PagePool::live_bytes(), 64 * kMiB);
  ASSERT_TRUE(PagePool::Free(a));
  EXPECT_EQ(PagePool::live_bytes(), 0u);
  EXPECT_EQ(PagePool::kept_bytes(), 64 * kMiB);

  // Two smaller blocks take the kept pages: writing them maps nothing new,
  // and they hold what the freed block held (they are not cleared).
  const long before = MinorFaults();
  char* b = static_cast<char*>(PagePool::Allocate(40 * kMiB));
  char* c = static_cast<char*>(PagePool::Allocate(20 * kMiB + 1));  // rounds up to 22 MiB
  EXPECT_EQ(PagePool::kept_bytes(), 2 * kMiB);
  EXPECT_EQ(b[0], 5);
  EXPECT_EQ(c[20 * kMiB], 5);
  std::memset(b, 1, 40 * kMiB);
  std::memset(c, 2, 20 * kMiB + 1);
  // 60 MiB written in 4 KiB pages would be 15,360 faults; moved pages take none.
  EXPECT_LT(MinorFaults() - before, 100);

  // A block bigger than what is kept: the kept 2 MiB, then fresh pages.
  char* d = static_cast<char*>(PagePool::Allocate(8 * kMiB));
  EXPECT_EQ(PagePool::kept_bytes(), 0u);
  std::memset(d, 3, 8 * kMiB);
  EXPECT_EQ(PagePool::live_bytes(), 40 * kMiB + 22 * kMiB + 8 * kMiB);
  for (char* p : {b, c, d}) EXPECT_TRUE(PagePool::Free(p));
  PagePool::Trim();
  EXPECT_EQ(PagePool::kept_bytes(), 0u);
}

// The VmFlags of the mapping that holds `p` say whether huge pages were
// advised for it ("hg").
bool HugePagesAdvised(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const uintptr_t at = reinterpret_cast<uintptr_t>(p);
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    uintptr_t begin = 0, end = 0;
    if (std::sscanf(line.c_str(), "%" SCNxPTR "-%" SCNxPTR " ", &begin, &end) == 2 && line.find(' ') > line.find('-'))
      inside = at >= begin && at < end;
    else if (inside && line.starts_with("VmFlags:"))
      return line.find(" hg") != std::string::npos;
  }
  ADD_FAILURE() << "no mapping holds " << p;
  return false;
}

// Huge pages for the whole huge pages asked for; the rest of the last one
// takes small pages, so that an array just over a multiple of 2 MiB does not
// take a whole fresh huge page for its tail.
TEST_F(PagePoolTest, TheTailPastTheLastWholeHugePageTakesSmallPages) {
  char* a = static_cast<char*>(PagePool::Allocate(4 * kMiB + 300 * 1024));
  if (!HugePagesAdvised(a)) {
    PagePool::Free(a);
    GTEST_SKIP() << "this kernel takes no huge-page advice";
  }
  EXPECT_TRUE(HugePagesAdvised(a + 4 * kMiB - 1));
  EXPECT_FALSE(HugePagesAdvised(a + 4 * kMiB));
  EXPECT_TRUE(PagePool::Free(a));
  char* b = static_cast<char*>(PagePool::Allocate(1 * kMiB));
  EXPECT_FALSE(HugePagesAdvised(b));
  EXPECT_TRUE(PagePool::Free(b));
}

TEST_F(PagePoolTest, GrowKeepsTheValuesAndMovesThePages) {
  uint32_t* v = static_cast<uint32_t*>(PagePool::Allocate(8 * kMiB));
  for (uint32_t i = 0; i < 2 * kMiB; ++i) v[i] = i * 7;
  const long before = MinorFaults();
  uint32_t* w = static_cast<uint32_t*>(PagePool::Grow(v, 3 * kMiB + 12, 16 * kMiB));
  for (uint32_t i = 0; i < (3 * kMiB + 12) / 4; ++i) ASSERT_EQ(w[i], i * 7) << i;
  // The old block's 4 MiB of values moved to the front, its other 4 MiB were
  // kept and taken next: the first half of the new block is written without
  // a fault, and no page is left kept.
  std::memset(w, 0, 8 * kMiB);
  EXPECT_LT(MinorFaults() - before, 100);
  EXPECT_EQ(PagePool::live_bytes(), 16 * kMiB);
  EXPECT_EQ(PagePool::kept_bytes(), 0u);
  EXPECT_FALSE(PagePool::Free(v)) << "the old block is gone";
  EXPECT_TRUE(PagePool::Free(w));
}

TEST_F(PagePoolTest, TrimKeepsThePagesAskedForAndTheyServeTheNextBlock) {
  EXPECT_EQ(PagePool::BlockBytes(10 * kMiB + 1), 12 * kMiB);
  EXPECT_EQ(PagePool::BlockBytes(0), kPrefaultHugeBytes);
  char* blocks[3];
  for (int i = 0; i < 3; ++i) {
    blocks[i] = static_cast<char*>(PagePool::Allocate(8 * kMiB));
    std::memset(blocks[i], 10 + i, 8 * kMiB);
  }
  for (char* b : blocks) ASSERT_TRUE(PagePool::Free(b));
  EXPECT_EQ(PagePool::kept_bytes(), 24 * kMiB);
  // 11 MiB asked for: whole huge pages, so 12 MiB stay, and they are those
  // freed last (the next block takes them first).
  PagePool::Trim(11 * kMiB);
  EXPECT_EQ(PagePool::kept_bytes(), 12 * kMiB);
  const long before = MinorFaults();
  char* next = static_cast<char*>(PagePool::Allocate(12 * kMiB));
  EXPECT_EQ(PagePool::kept_bytes(), 0u);
  EXPECT_EQ(next[0], 12) << "the last block freed serves first";
  std::memset(next, 1, 12 * kMiB);
  EXPECT_LT(MinorFaults() - before, 100);
  EXPECT_TRUE(PagePool::Free(next));
  PagePool::Trim(64 * kMiB);
  EXPECT_EQ(PagePool::kept_bytes(), 12 * kMiB) << "keeping more than is kept drops nothing";
}

// What a block never mapped, or handed back before it was freed, is not kept:
// kept, it would look like pages and the next block would fault it in.
TEST_F(PagePoolTest, OnlyTheMappedHugePagesOfAFreedBlockAreKept) {
  char* a = static_cast<char*>(PagePool::Allocate(16 * kMiB));
  std::memset(a, 7, 4 * kMiB);                 // [0, 4) MiB written
  std::memset(a + 10 * kMiB, 8, 2 * kMiB);     // [10, 12) MiB written
  ASSERT_EQ(::madvise(a, 2 * kMiB, MADV_DONTNEED), 0);  // [0, 2) handed back
  ASSERT_TRUE(PagePool::Free(a));
  EXPECT_EQ(PagePool::kept_bytes(), 4 * kMiB) << "[2, 4) and [10, 12) MiB";
  const long before = MinorFaults();
  char* b = static_cast<char*>(PagePool::Allocate(4 * kMiB));
  EXPECT_EQ(PagePool::kept_bytes(), 0u);
  std::memset(b, 1, 4 * kMiB);
  EXPECT_LT(MinorFaults() - before, 100) << "both kept runs were mapped";
  EXPECT_TRUE(PagePool::Free(b));
}

TEST_F(PagePoolTest, BlocksNotOfThePoolAreLeftAlone) {
  int on_stack = 0;
  EXPECT_FALSE(PagePool::Free(&on_stack));
  EXPECT_FALSE(PagePool::Free(nullptr));
  EXPECT_EQ(PagePool::live_bytes(), 0u);
}

}  // namespace
}  // namespace oomkit
