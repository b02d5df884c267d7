// The heap limit V8 picks by default, and the one oomkit recommends.
//
// Node gives V8 the smaller of the machine's RAM and the cgroup's limit
// (cgroup v1 on every Node; cgroup v2 and memory.high only from Node 20).
// V8 then sizes the old generation as half of it, at least 256 MiB and at
// most 2 GiB (4 GiB from 15.5 GiB of memory on Node <= 20, from 15 GiB on
// 22+), and adds a young generation of three semi-spaces whose size depends
// on the version (Heap::HeapSizeFromPhysicalMemory; the figures are the
// heap_size_limit that real Node 16-26 reported under faked cgroups, in
// ../shared/research/node-diagnostics.md section 3).
#pragma once

#include <cstdint>

namespace oomkit::supervise {

struct HeapLimit {
  uint64_t old_space = 0;   // bytes
  uint64_t young = 0;       // bytes: 3 semi-spaces
  uint64_t total() const { return old_space + young; }  // v8.getHeapStatistics().heap_size_limit
};

// memory: min(RAM, the limit Node honours). node_major: 16..26 (others are
// treated as the nearest known).
HeapLimit DefaultHeapLimit(uint64_t memory, int node_major);

// The young generation V8 adds to --max-old-space-size=N (the default
// semi-space cap): 48 MiB on 16-22, 192 MiB on 24, 96 MiB on 26.
uint64_t YoungGenerationFor(int node_major);

// The old space's limit behind a heap_size_limit that V8 reports: V8 aborts
// when the old generation reaches it, so heapUsed nears it at an OOM while
// heapUsed / heap_size_limit may stay near 60 % (a 64 MiB old space has a
// 112 MiB heap_size_limit on Node 20). With --max-old-space-size given, the
// young generation is the default cap; otherwise it follows the old size.
uint64_t OldSpaceLimit(uint64_t heap_size_limit, int node_major, bool old_space_size_given);

// oomkit's recommendation for --max-old-space-size, in MiB: 75 % of memory
// for the whole heap, less the young generation, so a quarter stays for what
// lives outside the V8 heap (Buffers and ArrayBuffers, code, thread stacks,
// the native heap). At least 64 MiB.
uint64_t RecommendedOldSpaceMiB(uint64_t memory, int node_major);

}  // namespace oomkit::supervise
