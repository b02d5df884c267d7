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
  // The third way reads and analyses with two threads and tiny chunks, so
  // that the number arrays are cut every few bytes and the strings are read
  // in two halves.
  for (int way = 0; way < 3; ++way) {
    const bool partial = way != 0;
    oomkit::InputFile in = oomkit::InputFile::FromBytes(bytes);
    oomkit::heap::ReadOptions options;
    options.partial = partial;
    options.threads = way == 2 ? 2 : 1;
    if (way == 2) options.chunk_bytes = 64;
    auto snap = oomkit::heap::ReadSnapshot(std::move(in), options);
    if (!snap.ok()) continue;
    oomkit::heap::AnalysisOptions ao;
    ao.threads = options.threads;
    auto analysis = oomkit::heap::Analyze(&snap.value(), ao);
    (void)oomkit::heap::SummarizeClasses(snap.value(), analysis, options.threads);
  }
  return 0;
}
