// libFuzzer target: any bytes into the snapshot reader, then the analysis
// when they parse. It must never crash, hang or read out of bounds, and the
// number arrays parsed during the walk or after it must read alike.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
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
  std::string first_error;
  bool first_ok = false;
  for (int way = 0; way < 4; ++way) {
    const bool partial = way == 1 || way == 2;
    oomkit::InputFile in = oomkit::InputFile::FromBytes(bytes);
    oomkit::heap::ReadOptions options;
    options.partial = partial;
    options.threads = way == 2 ? 2 : 1;
    if (way == 2) options.chunk_bytes = 64;
    // The fourth way is the first with the arrays parsed after the walk: same
    // outcome, same words.
    if (way == 3) options.parse_arrays_in_walk = false;
    auto snap = oomkit::heap::ReadSnapshot(std::move(in), options);
    if (way == 0) {
      first_ok = snap.ok();
      if (!first_ok) first_error = snap.error();
    }
    if (way == 3) {
      if (snap.ok() != first_ok || (!first_ok && snap.error() != first_error)) std::abort();
      continue;
    }
    if (!snap.ok()) continue;
    oomkit::heap::AnalysisOptions ao;
    ao.threads = options.threads;
    auto analysis = oomkit::heap::Analyze(&snap.value(), ao);
    (void)oomkit::heap::SummarizeClasses(snap.value(), analysis, options.threads);
  }
  return 0;
}
