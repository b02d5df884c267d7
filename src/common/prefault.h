// Mapping fresh pages in one call instead of one fault per page.
//
// A first write to a fresh anonymous page traps into the kernel, which maps
// and clears it. On the VMs we measure on, the trap is about half of what a
// fresh page costs: 2.8 s per GB touched page by page, 1.5-1.8 s per GB when
// one madvise(MADV_POPULATE_WRITE) maps them first (the rest is the host's,
// on the first access; bench/README.md, "Fresh pages"). The heap engine
// writes arrays of hundreds of MB in full right after allocating them, so
// mapping them up front costs no memory it would not use anyway.
#pragma once

#include <cstddef>

namespace oomkit {

// Blocks smaller than this come from malloc's already-mapped heap, or cost too
// few faults to matter.
inline constexpr size_t kPrefaultMinBytes = size_t{1} << 20;

// Maps every whole page inside [data, data + bytes) writable, as a write to
// each would. Only for memory that will be written in full: the pages count
// in RSS from now on. Does nothing for blocks under kPrefaultMinBytes, or on
// kernels without MADV_POPULATE_WRITE (before 5.14), where the pages fault
// in as they are written, as without this call. True when it mapped them.
bool PrefaultForWrite(void* data, size_t bytes);

}  // namespace oomkit
