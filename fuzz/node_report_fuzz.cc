// libFuzzer target: any bytes as a Node diagnostic report. It must never
// crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "report/node_report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)oomkit::report::ReadNodeReport(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
