#include "supervise/heap_limit.h"

#include <gtest/gtest.h>

namespace oomkit::supervise {
namespace {

constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kGiB = 1024 * kMiB;

// heap_size_limit in MiB that real Node reported with its memory limited by a
// faked cgroup (../shared/research/node-diagnostics.md, section 3.2).
TEST(DefaultHeapLimit, MatchesWhatRealNodeReported) {
  struct Row {
    uint64_t memory;
    int n16, n18, n20, n22, n24, n26;
  };
  const Row rows[] = {
      {256 * kMiB, 259, 259, 259, 259, 259, 262},
      {512 * kMiB, 259, 259, 259, 259, 259, 268},
      {1 * kGiB, 524, 524, 524, 524, 560, 536},
      {2 * kGiB, 1048, 1048, 1048, 1048, 1120, 1072},
      {4 * kGiB, 2096, 2096, 2096, 2096, 2240, 2144},
      {8 * kGiB, 2096, 2096, 2096, 2096, 2240, 2144},
      {15 * kGiB, 2096, 2096, 2096, 4144, 4288, 4192},
      {15 * kGiB + 512 * kMiB, 4144, 4144, 4144, 4144, 4288, 4192},
  };
  for (const Row& r : rows) {
    int want[] = {r.n16, r.n18, r.n20, r.n22, r.n24, r.n26};
    int major[] = {16, 18, 20, 22, 24, 26};
    for (int i = 0; i < 6; ++i) {
      EXPECT_EQ(DefaultHeapLimit(r.memory, major[i]).total() / kMiB, static_cast<uint64_t>(want[i]))
          << "Node " << major[i] << " with " << r.memory / kMiB << " MiB";
    }
  }
}

TEST(DefaultHeapLimit, ThisMachinesRamGivesTheNode20Default) {
  // 23.5 GiB of RAM: Node 20 reported 4,345,298,944 bytes (4144 MiB).
  EXPECT_EQ(DefaultHeapLimit(23 * kGiB + 512 * kMiB, 20).total(), 4345298944u);
}

TEST(OldSpaceLimit, UndoesTheYoungGeneration) {
  // --max-old-space-size=64 on Node 20 reports 112 MiB.
  EXPECT_EQ(OldSpaceLimit(112 * kMiB, 20, true), 64 * kMiB);
  EXPECT_EQ(OldSpaceLimit(256 * kMiB, 24, true), 64 * kMiB);
  for (int major : {18, 20, 22, 24, 26})
    for (uint64_t memory : {1 * kGiB, 2 * kGiB, 4 * kGiB, 23 * kGiB}) {
      HeapLimit d = DefaultHeapLimit(memory, major);
      EXPECT_EQ(OldSpaceLimit(d.total(), major, false), d.old_space) << major << " " << memory / kMiB;
    }
}

TEST(RecommendedOldSpace, LeavesAQuarterOutsideTheHeap) {
  // 1 GiB container on Node 20: 768 MiB of heap less the 48 MiB young generation.
  EXPECT_EQ(RecommendedOldSpaceMiB(1 * kGiB, 20), 720u);
  EXPECT_EQ(RecommendedOldSpaceMiB(1 * kGiB, 24), 576u);
  // Never below 64 MiB, however small the container.
  EXPECT_EQ(RecommendedOldSpaceMiB(128 * kMiB, 24), 64u);
  // --max-old-space-size=N gives N + 48/192/96 MiB on 16-22/24/26.
  EXPECT_EQ(YoungGenerationFor(20) / kMiB, 48u);
  EXPECT_EQ(YoungGenerationFor(24) / kMiB, 192u);
  EXPECT_EQ(YoungGenerationFor(26) / kMiB, 96u);
}

}  // namespace
}  // namespace oomkit::supervise
