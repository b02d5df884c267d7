// Mapping fresh pages in one call instead of one fault per page.
//
// A first write to a fresh anonymous page traps into the kernel, which maps
// and clears it. On the VMs we measure on, the trap is about half of what a
// fresh page costs: 2.8 s per GB touched page by page, 1.5-1.8 s per GB when
// one madvise(MADV_POPULATE_WRITE) maps them first (the rest is the host's,
// on the first access; bench/README.md, "Fresh pages"). The heap engine
// writes arrays of hundreds of MB in full right after allocating them, so
// mapping them up front costs no memory it would not use anyway.
//
// Blocks of kPrefaultHugeBytes or more also get huge pages, and blocks of
// kPrefaultPartBytes or more are mapped by several threads. The host's share
// of a fresh page is then paid once per 2 MB, and the kernel's (clearing the
// pages, up to 2.5 s per GB where the host must back them afresh) splits
// across the cores. The heap engine allocates its big arrays between
// parallel steps, when the other core is idle. 1 GB snapshot, alternating with the build before: median 4.62 ->
// 4.09 s back to back, 4.55 -> 4.30 s with 12 s pauses between runs (which
// let the host take the freed pages back); user CPU 7.0 -> 4.8 s, system CPU
// 0.7 -> 2.8 s; peak RSS the same (bench/README.md, "Fresh pages").
#pragma once

#include <cstddef>
#include <span>

namespace oomkit {

// Blocks smaller than this come from malloc's already-mapped heap, or cost too
// few faults to matter.
inline constexpr size_t kPrefaultMinBytes = size_t{1} << 20;

// Blocks of at least this size get huge pages (PodArray aligns them to it).
// Here a 4 KiB page costs a fault on its first access even once mapped: 1.3 s
// per GB against 0.05 s for 2 MB pages (bench/README.md, "Fresh pages"). On
// the 205 MB bench file the 5 MB of location records took 11-14 ms to fill
// in 4 KiB pages, 3 ms in huge ones.
inline constexpr size_t kPrefaultHugeBytes = size_t{2} << 20;

// Blocks of at least this size are mapped by up to DefaultThreads() threads,
// one thread per this many bytes: a kept thread (common/worker_threads.h)
// starts in well under a millisecond, 8 MB of fresh pages take 1-20 ms to
// map here. The threads
// take the pages a huge page at a time, whichever is free. Only the pages
// not mapped yet count: a block of the page pool begins with pages kept from
// freed ones. (The dominators' 103 MB block of retainer counts and numbers,
// on the 1 GB bench file, had 33 MB of fresh pages: one thread took 55 ms for
// them when the parts were cut by address and of 16 MB, two took 26 ms.)
inline constexpr size_t kPrefaultPartBytes = size_t{8} << 20;

// Maps every whole page inside [data, data + bytes) writable, as a write to
// each would. Only for memory that will be written in full: the pages count
// in RSS from now on. Does nothing for blocks under kPrefaultMinBytes, or on
// kernels without MADV_POPULATE_WRITE (before 5.14), where the pages fault
// in as they are written, as without this call. True when it mapped them.
bool PrefaultForWrite(void* data, size_t bytes);

// The same for several blocks at once, their pages shared evenly among the
// threads (a part per kPrefaultPartBytes, as for one block): blocks under
// it each but twice it together get both cores too. The node arrays of the 205 MB bench file (10 MB each, 46 MB
// in all) took 62-83 ms on one core with a call per array, 39-44 ms on two.
struct WriteBlock {
  void* data;
  size_t bytes;
};
bool PrefaultForWrite(std::span<const WriteBlock> blocks);

// Asks for huge pages for the whole 2 MB-aligned pages inside [data, data +
// bytes), without mapping them: for memory written bit by bit.
void AdviseHugePages(void* data, size_t bytes);

// `bytes` of memory to free with FreeForHugePages: from kPrefaultHugeBytes
// on, aligned to it and advised to use huge pages, its pages taken from
// blocks freed before where there are some (common/page_pool.h), the rest
// mapped as first written; below, plain malloc. Throws std::bad_alloc.
void* AllocateForHugePages(size_t bytes);
// A block of at least `bytes` (from kPrefaultHugeBytes on) holding the first
// `keep` bytes of `block`, a block of `block_bytes` from these functions,
// which is freed. From the page pool, its pages move instead of being copied.
void* GrowForHugePages(void* block, size_t block_bytes, size_t keep, size_t bytes);
// Frees a block from AllocateForHugePages or GrowForHugePages (or malloc).
void FreeForHugePages(void* block);

}  // namespace oomkit
