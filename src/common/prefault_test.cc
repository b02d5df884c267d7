#include "common/prefault.h"

#include <sys/resource.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

namespace oomkit {
namespace {

long MinorFaults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

// 64 MiB: malloc serves it with a fresh mmap, 16,384 pages of 4 KiB.
constexpr size_t kBytes = size_t{64} << 20;

TEST(PrefaultForWrite, TheWritesAfterItTakeNoFaults) {
  char* block = static_cast<char*>(std::malloc(kBytes));
  ASSERT_NE(block, nullptr);
  if (!PrefaultForWrite(block, kBytes)) {
    std::free(block);
    GTEST_SKIP() << "this kernel has no MADV_POPULATE_WRITE (before 5.14)";
  }
  const long before = MinorFaults();
  std::memset(block, 1, kBytes);
  const long during = MinorFaults() - before;
  std::free(block);
  // Without the call the memset takes one fault per page (16,384). With it the
  // block takes none; under ASan its shadow memory, an eighth of the block, is
  // read for the first time and takes 2,048.
  EXPECT_LT(during, static_cast<long>(kBytes / 4096 / 4)) << "the pages were not mapped up front";
}

TEST(PrefaultForWrite, WithoutItEveryPageFaults) {
  // The control: the same memset on an unprepared block, so the test above
  // cannot pass because this kernel maps pages some other way.
  char* block = static_cast<char*>(std::malloc(kBytes));
  ASSERT_NE(block, nullptr);
  const long before = MinorFaults();
  std::memset(block, 1, kBytes);
  const long during = MinorFaults() - before;
  std::free(block);
  EXPECT_GT(during, 1000);
}

TEST(PrefaultForWrite, SmallAndUnalignedBlocksAreLeftAlone) {
  // Under the threshold nothing is mapped; an unaligned block keeps its
  // partial first and last pages unmapped, and the bytes are untouched.
  char* block = static_cast<char*>(std::malloc(kPrefaultMinBytes + 100));
  ASSERT_NE(block, nullptr);
  std::memset(block, 7, kPrefaultMinBytes + 100);
  EXPECT_FALSE(PrefaultForWrite(block + 3, kPrefaultMinBytes - 4097));
  EXPECT_FALSE(PrefaultForWrite(block, 100));
  PrefaultForWrite(block + 3, kPrefaultMinBytes + 90);
  for (size_t i = 0; i < kPrefaultMinBytes + 100; i += 4093) ASSERT_EQ(block[i], 7);
  std::free(block);
}

}  // namespace
}  // namespace oomkit
