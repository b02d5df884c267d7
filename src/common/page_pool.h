// PagePool: big blocks whose pages are passed on from blocks freed before.
//
// The heap engine frees arrays of tens of MB (the chunk copies of the read,
// the predecessors of the dominators) and allocates others of the same order
// right after. Freed to the kernel and asked for again, every page comes back
// fresh: cleared by the kernel and, on the VMs we measure on, backed afresh by
// the host once it has taken the freed pages back (1.5-2.6 CPU-s per GB,
// bench/README.md, "Fresh pages"). The pool keeps a freed block's pages mapped
// and moves them (mremap: page tables only, no copy) into the next block
// asked for, so that a run takes fresh pages only for its peak, not for the
// sum of what it allocates. On the 205 MB bench file that sum was 390 MB of
// huge-page blocks, of which at most 230 MB were alive at once.
//
// A block is assembled from kept pages first and takes fresh ones only for
// the rest, so the pool's live + kept bytes never exceed the most that was
// ever alive at once. Of a freed block only the huge pages that hold mapped
// pages are kept (mincore): a part never written or handed back early would
// otherwise pass for pages and be faulted in afresh by the next block. The
// process's RSS can still pass its peak without the pool where other memory
// (malloc, mapped file pages) grows while pages are kept: Trim() gives back
// all but what the next blocks need, and the heap analysis calls it once the
// dominators' arrays are gone (peak RSS with and without the pool: 252 vs 237
// MB on the 205 MB bench file, 1,159 vs 1,152 MB on the 1 GB one, when Trim()
// kept nothing; dropping the unused trace ids, 4 B/node, more than paid for
// it. Now 232 and 1,065 MB).
//
// Blocks are whole huge pages (kPrefaultHugeBytes) of address space, aligned to
// them. Huge pages are advised for the whole huge pages of what was asked
// for; the rest, under 2 MB, takes small pages as it is written: a node array
// of the 205 MB bench file (10.3 MB) otherwise took 12 MB of fresh memory.
// Peaks 233.6 -> 223.8 MB on that file, 1,064.7 -> 1,049.8 MB on the 1 GB
// one. Under AddressSanitizer the pool is off and blocks come from malloc, so
// that ASan keeps seeing overruns and use after free.
#pragma once

#include <cstddef>

namespace oomkit {

class PagePool {
 public:
  // False under AddressSanitizer: callers then allocate with malloc.
  static bool enabled();

  // At least `bytes` (> 0), aligned to kPrefaultHugeBytes. The contents are undefined:
  // pages kept from freed blocks hold what those held. Pages not taken from
  // kept blocks are mapped as they are first written. Throws std::bad_alloc.
  static void* Allocate(size_t bytes);
  // A block of at least `bytes` whose first `keep` bytes are those of
  // `block` (a block of this pool, or null with keep 0); `block` is gone
  // after. Its pages move, nothing is copied.
  static void* Grow(void* block, size_t keep, size_t bytes);
  // Frees a block from Allocate() or Grow(); its pages are kept for the next
  // blocks. False when `p` is not a block of this pool (then nothing is done).
  static bool Free(void* p);
  // Gives kept pages back to the kernel, all but `keep` bytes of them.
  static void Trim(size_t keep = 0);
  // The bytes of the block that Allocate(bytes) returns.
  static size_t BlockBytes(size_t bytes);

  // For tests: bytes in blocks alive now, and kept for reuse.
  static size_t live_bytes();
  static size_t kept_bytes();
};

}  // namespace oomkit
