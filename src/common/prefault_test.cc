#include "common/prefault.h"

#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <vector>

#include "common/test_support.h"

namespace oomkit {
namespace {

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

// How many of the whole pages inside [data, data + bytes) are resident.
size_t ResidentPages(const char* data, size_t bytes, size_t* pages) {
  static const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + page - 1) & ~(page - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(page - 1);
  *pages = end > begin ? (end - begin) / page : 0;
  std::vector<unsigned char> in(*pages);
  if (*pages && ::mincore(reinterpret_cast<void*>(begin), end - begin, in.data()) != 0) return 0;
  return static_cast<size_t>(std::count_if(in.begin(), in.end(), [](unsigned char c) { return c & 1; }));
}

TEST(PrefaultForWrite, SeveralBlocksAreMappedWholeAndKeepTheirBytes) {
  // Blocks under kPrefaultPartBytes each but over twice it together (two
  // parts where there are two cores), one unaligned: the threads' parts cross
  // from block to block, and every page of each is mapped, with its bytes as
  // they were. A block not passed stays unmapped.
  static_assert(kPrefaultPartBytes == size_t{8} << 20, "the sizes below assume parts of 8 MiB");
  const size_t sizes[] = {size_t{7} << 20, size_t{3} << 20, (size_t{6} << 20) + 12345, 100, size_t{5} << 20};
  std::vector<char*> blocks;
  std::vector<WriteBlock> write;
  for (size_t i = 0; i < std::size(sizes); ++i) {
    char* b = static_cast<char*>(
        ::mmap(nullptr, sizes[i] + 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    ASSERT_NE(b, MAP_FAILED);
    b[3] = static_cast<char>(i + 1);
    blocks.push_back(b);
    write.push_back({b + 3, sizes[i]});
  }
  char* left_out =
      static_cast<char*>(::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(left_out, MAP_FAILED);
  const bool mapped = PrefaultForWrite(write);
  for (size_t i = 0; i < blocks.size(); ++i) {
    EXPECT_EQ(blocks[i][3], static_cast<char>(i + 1));
    size_t pages = 0;
    const size_t resident = ResidentPages(blocks[i] + 3, sizes[i], &pages);
    if (mapped && sizes[i] >= kPrefaultMinBytes) {
      EXPECT_EQ(resident, pages) << "block " << i;
    }
    ::munmap(blocks[i], sizes[i] + 8);
  }
  size_t pages = 0;
  EXPECT_EQ(ResidentPages(left_out, kBytes, &pages), 0u);
  ::munmap(left_out, kBytes);
  if (!mapped) GTEST_SKIP() << "this kernel has no MADV_POPULATE_WRITE (before 5.14)";
}

TEST(PrefaultForWrite, ABlockMappedInPartIsMappedWholeAndKeepsItsBytes) {
  // As a block of the page pool is: its front made of pages kept from a
  // freed block, its rest never touched. Only the rest is left to map; the
  // front keeps what it holds. A block mapped in full is left as it is.
  char* block =
      static_cast<char*>(::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(block, MAP_FAILED);
  const size_t front = kBytes / 2 + 12345;
  std::memset(block, 5, front);
  size_t pages = 0;
  ASSERT_LT(ResidentPages(block, kBytes, &pages), pages);
  if (!PrefaultForWrite(block, kBytes)) {
    ::munmap(block, kBytes);
    GTEST_SKIP() << "this kernel has no MADV_POPULATE_WRITE (before 5.14)";
  }
  EXPECT_EQ(ResidentPages(block, kBytes, &pages), pages);
  for (size_t i = 0; i < front; i += 4093) ASSERT_EQ(block[i], 5) << i;
  for (size_t i = front; i < kBytes; i += 4093) ASSERT_EQ(block[i], 0) << i;
  EXPECT_TRUE(PrefaultForWrite(block, kBytes));
  ::munmap(block, kBytes);
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
