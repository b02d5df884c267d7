#include "common/peak_memory.h"

#include <cstdio>
#include <cstring>

namespace oomkit {

namespace {

uint64_t StatusField(const char* field) {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  uint64_t kb = 0;
  size_t len = std::strlen(field);
  while (std::fgets(line, sizeof line, f))
    if (std::strncmp(line, field, len) == 0) {
      std::sscanf(line + len, "%lu", &kb);
      break;
    }
  std::fclose(f);
  return kb * 1024;
}

}  // namespace

uint64_t PeakRssBytes() { return StatusField("VmHWM:"); }
uint64_t CurrentRssBytes() { return StatusField("VmRSS:"); }

}  // namespace oomkit
