#include "supervise/heap_limit.h"

#include <algorithm>

namespace oomkit::supervise {
namespace {

constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kGiB = 1024 * kMiB;

struct SemiSpaceRule {
  uint64_t ratio;             // semi-space = old / ratio
  uint64_t low_memory_ratio;  // on a low-memory machine
  uint64_t low_memory;        // memory at or below this is low
  uint64_t max;               // semi-space cap
};

// Fitted to every cell that real Node 16-26 reported (the test's table).
SemiSpaceRule RuleFor(int major) {
  if (major >= 26) return {64, 128, 256 * kMiB, 32 * kMiB};
  if (major >= 24) return {32, 256, 512 * kMiB, 64 * kMiB};
  return {128, 256, 512 * kMiB, 16 * kMiB};
}

}  // namespace

HeapLimit DefaultHeapLimit(uint64_t memory, int major) {
  bool huge = major >= 22 ? memory >= 15 * kGiB : memory + 512 * kMiB >= 16 * kGiB;
  uint64_t old = std::clamp(memory / 2, 256 * kMiB, huge ? 4 * kGiB : 2 * kGiB);
  old = (old + 4095) / 4096 * 4096;
  SemiSpaceRule r = RuleFor(major);
  uint64_t semi = std::min(old / (memory <= r.low_memory ? r.low_memory_ratio : r.ratio), r.max);
  return {old, 3 * semi};
}

uint64_t YoungGenerationFor(int major) { return 3 * RuleFor(major).max; }

uint64_t OldSpaceLimit(uint64_t total, int major, bool given) {
  SemiSpaceRule r = RuleFor(major);
  uint64_t capped = 3 * r.max;
  if (given || total <= capped) return total > capped ? total - capped : total;
  // total = old + 3 * min(old / ratio, max): the cap holds when old / ratio >= max.
  uint64_t old = total - capped;
  if (old / r.ratio >= r.max) return old;
  return total * r.ratio / (r.ratio + 3);
}

uint64_t RecommendedOldSpaceMiB(uint64_t memory, int major) {
  uint64_t heap = memory / 4 * 3;
  uint64_t young = YoungGenerationFor(major);
  uint64_t old = heap > young ? heap - young : 0;
  return std::max<uint64_t>(64, old / kMiB);
}

}  // namespace oomkit::supervise
