// libFuzzer target: any bytes as a --trace-gc log, through the line reader
// and the analysis. It must never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gc/gc_log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  oomkit::gc::GcLogOptions options;
  (void)oomkit::gc::AnalyzeGcText(text, options);
  options.heap_limit_mb = 64;
  options.window_ms = 10;
  (void)oomkit::gc::AnalyzeGcText(text, options);
  return 0;
}
