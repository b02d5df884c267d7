#include "common/prefault.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

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
  const WriteBlock block{data, bytes};
  return PrefaultForWrite(std::span<const WriteBlock>(&block, 1));
}

bool PrefaultForWrite(std::span<const WriteBlock> blocks) {
  static const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  constexpr uintptr_t kHuge = kPrefaultHugeBytes;
  struct Range {
    uintptr_t begin, end;
  };
  std::vector<Range> ranges;  // the whole pages of each block big enough that are not mapped yet
  uintptr_t total = 0;
  bool any = false;  // a block was big enough
  std::vector<unsigned char> resident;
  for (const WriteBlock& b : blocks) {
    if (b.bytes < kPrefaultMinBytes) continue;
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(b.data) + page - 1) & ~(page - 1);
    const uintptr_t end = (reinterpret_cast<uintptr_t>(b.data) + b.bytes) & ~(page - 1);
    if (end <= begin) continue;
    // Big blocks go in huge pages: the host then maps a block in one step
    // instead of one per 4 KiB page on its first access (1.6 s per GB here),
    // and the random walks over node arrays miss the TLB less. A kernel
    // without transparent huge pages (or set to "never") ignores the advice.
    if (end - begin >= kHuge) AdviseHugePages(reinterpret_cast<void*>(begin), end - begin);
    // Only the pages not mapped yet are shared out (kPrefaultPartBytes): a
    // block from the page pool begins with pages kept from freed blocks, and
    // cut by address alone, its mapped front went to one thread, done at
    // once, and its fresh rest to the other.
    const size_t pages = (end - begin) / page;
    resident.resize(pages);
    if (::mincore(reinterpret_cast<void*>(begin), end - begin, resident.data()) != 0) resident.assign(pages, 0);
    for (size_t at = 0; at < pages;) {
      if (resident[at] & 1) {
        ++at;
        continue;
      }
      size_t run = at + 1;
      while (run < pages && !(resident[run] & 1)) ++run;
      ranges.push_back({begin + at * page, begin + run * page});
      total += (run - at) * page;
      at = run;
    }
    any = true;
  }
  if (!any) return false;
  if (ranges.empty()) return true;  // all mapped already
  // The pages go out a huge page at a time to whichever thread is free, not
  // in equal parts: what a page costs depends on where the kernel finds it
  // (pages another process freed a moment ago: 0.1 ms per MB; pages the host
  // has taken back: 1.6-2.7 ms per MB), so equal parts of the 205 MB bench
  // file's arrays, right after a DevTools run, took 2 and 22 ms (read
  // buffers), 24 and 51 ms (node arrays), 80 and 92 ms (edge arrays) on the
  // two threads. No huge page is split between two threads. A failure (an
  // old kernel, or no memory left to map, which the writes would then meet
  // anyway) leaves the pages to fault in one by one.
  const size_t threads =
      total >= kPrefaultPartBytes ? std::min<size_t>(total / kPrefaultPartBytes, DefaultThreads()) : 1;
  std::atomic<bool> mapped{true};
  auto populate = [&](uintptr_t from, uintptr_t to) {
    if (to > from && ::madvise(reinterpret_cast<void*>(from), to - from, MADV_POPULATE_WRITE) != 0)
      mapped.store(false, std::memory_order_relaxed);
  };
  std::vector<Range> pieces;
  for (const Range& r : ranges)
    for (uintptr_t at = r.begin; at < r.end;) {
      const uintptr_t next = std::min(r.end, (at & ~(kHuge - 1)) + kHuge);
      pieces.push_back({at, next});
      at = next;
    }
  ParallelFor(pieces.size(), static_cast<int>(threads), [&](size_t i) { populate(pieces[i].begin, pieces[i].end); });
  return mapped.load(std::memory_order_relaxed);
}

}  // namespace oomkit
