#include "common/peak_memory.h"

#include <cstdio>
#include <cstring>

namespace oomkit {

uint64_t PeakRssBytes() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  uint64_t kb = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::strncmp(line, "VmHWM:", 6) == 0) {
      std::sscanf(line + 6, "%lu", &kb);
      break;
    }
  std::fclose(f);
  return kb * 1024;
}

}  // namespace oomkit
