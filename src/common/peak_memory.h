// Peak resident memory of this process so far (VmHWM), for --stats: memory
// is a target like time, so each phase reports it.
#pragma once

#include <cstdint>

namespace oomkit {

// Bytes; 0 where /proc is not readable.
uint64_t PeakRssBytes();
// Resident memory now (VmRSS), in bytes.
uint64_t CurrentRssBytes();

}  // namespace oomkit
