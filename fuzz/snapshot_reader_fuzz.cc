// libFuzzer target: any bytes into the snapshot reader, then the analysis
// when they parse. It must never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/input_file.h"
#include "heap/analysis.h"
#include "heap/snapshot_reader.h"
#include "heap/summary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (bool partial : {false, true}) {
    oomkit::InputFile in = oomkit::InputFile::FromBytes(bytes);
    oomkit::heap::ReadOptions options;
    options.partial = partial;
    options.threads = 1;
    auto snap = oomkit::heap::ReadSnapshot(std::move(in), options);
    if (!snap.ok()) continue;
    oomkit::heap::AnalysisOptions ao;
    ao.threads = 1;
    auto analysis = oomkit::heap::Analyze(&snap.value(), ao);
    (void)oomkit::heap::SummarizeClasses(snap.value(), analysis, 1);
  }
  return 0;
}
