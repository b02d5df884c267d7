#include "common/prefault.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "common/page_pool.h"
#include "common/parallel.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14; glibc 2.36's headers do not name it
#endif

namespace oomkit {

void AdviseHugePages(void* data, size_t bytes) {
  constexpr uintptr_t kHuge = kPrefaultHugeBytes;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kHuge - 1);
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

void* AllocateForHugePages(size_t bytes) {
  if (bytes >= kPrefaultHugeBytes && PagePool::enabled()) return PagePool::Allocate(bytes);
  void* p = nullptr;
  if (bytes >= kPrefaultHugeBytes) {
    if (::posix_memalign(&p, kPrefaultHugeBytes, bytes) != 0) throw std::bad_alloc();
    AdviseHugePages(p, bytes);
  } else {
    p = std::malloc(bytes);
    if (!p) throw std::bad_alloc();
  }
  return p;
}

void* GrowForHugePages(void* block, size_t block_bytes, size_t keep, size_t bytes) {
  // A block that big came from the pool when the pool is on.
  if (block_bytes >= kPrefaultHugeBytes && PagePool::enabled()) return PagePool::Grow(block, keep, bytes);
  void* p = AllocateForHugePages(bytes);
  if (keep) std::memcpy(p, block, keep);
  FreeForHugePages(block);
  return p;
}

void FreeForHugePages(void* block) {
  if (!PagePool::Free(block)) std::free(block);
}

bool PrefaultForWrite(void* data, size_t bytes) {
  if (bytes < kPrefaultMinBytes) return false;
  static const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + page - 1) & ~(page - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(page - 1);
  if (end <= begin) return false;
  // Big blocks go in huge pages: the host then maps a block in one step
  // instead of one per 4 KiB page on its first access (1.6 s per GB here),
  // and the random walks over node arrays miss the TLB less. A kernel
  // without transparent huge pages (or set to "never") ignores the advice.
  const bool big = end - begin >= kPrefaultPartBytes;
  if (end - begin >= kPrefaultHugeBytes) AdviseHugePages(reinterpret_cast<void*>(begin), end - begin);
  // Parts end on huge-page boundaries, so that no huge page is split between
  // two threads. A failure (an old kernel, or no memory left to map, which the
  // writes would then meet anyway) leaves the pages to fault in one by one.
  constexpr uintptr_t kHuge = kPrefaultHugeBytes;
  const size_t parts = big ? std::min<size_t>((end - begin) / kPrefaultPartBytes, DefaultThreads()) : 1;
  auto cut = [&](size_t i) {
    if (i == 0) return begin;
    if (i == parts) return end;
    return std::max(begin, (begin + (end - begin) / parts * i) & ~(kHuge - 1));
  };
  std::atomic<bool> mapped{true};
  ParallelFor(parts, static_cast<int>(parts), [&](size_t i) {
    const uintptr_t from = cut(i), to = cut(i + 1);
    if (to > from && ::madvise(reinterpret_cast<void*>(from), to - from, MADV_POPULATE_WRITE) != 0)
      mapped.store(false, std::memory_order_relaxed);
  });
  return mapped.load(std::memory_order_relaxed);
}

}  // namespace oomkit
