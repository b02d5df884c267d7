// libFuzzer target: any bytes as a Node diagnostic report and as a sampling
// heap profile (both JSON). They must never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "profile/heap_profile.h"
#include "report/node_report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)oomkit::report::ReadNodeReport(text);
  (void)oomkit::profile::ReadHeapProfile(text);
  return 0;
}
