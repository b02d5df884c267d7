// Helpers shared by the tests of common/.
#pragma once

#include <sys/resource.h>

namespace oomkit {

// Page faults this process has taken that needed no disk read: one per 4 KiB
// page first touched (or per huge page), what prefaulting is meant to save.
inline long MinorFaults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

}  // namespace oomkit
