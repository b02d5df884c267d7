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

namespace {

// What a read gave: its error, or a hash of the graph it read.
std::string Outcome(const oomkit::Result<oomkit::heap::Snapshot>& r) {
  if (!r.ok()) return "error: " + r.error();
  const oomkit::heap::Snapshot& s = r.value();
  uint64_t h = 1469598103934665603u;
  auto mix = [&](const auto& array) {
    for (auto v : array) h = (h ^ static_cast<uint64_t>(v)) * 1099511628211u;
  };
  mix(s.node_type), mix(s.node_name), mix(s.node_id), mix(s.node_self_size), mix(s.node_detachedness);
  mix(s.first_edge), mix(s.edge_word), mix(s.edge_to);
  return std::to_string(s.node_count) + " nodes, " + std::to_string(s.edge_count) + " edges, " + std::to_string(h) +
         (s.missing.empty() ? "" : ", missing " + s.missing);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The third way reads and analyses with two threads and tiny chunks, so
  // that the number arrays are cut every few bytes and the strings are read
  // in two halves. The fourth and fifth are the first and third with the
  // number arrays parsed after the walk, not during it: they must read the
  // same graph, or fail in the same words.
  std::string outcome[2];
  for (int way = 0; way < 5; ++way) {
    const bool partial = way == 1 || way == 2 || way == 4;
    const bool tiny_chunks = way == 2 || way == 4;
    oomkit::InputFile in = oomkit::InputFile::FromBytes(bytes);
    oomkit::heap::ReadOptions options;
    options.partial = partial;
    options.threads = tiny_chunks ? 2 : 1;
    if (tiny_chunks) options.chunk_bytes = 64;
    if (way >= 3) options.parse_arrays_in_walk = false;
    auto snap = oomkit::heap::ReadSnapshot(std::move(in), options);
    if (way == 0 || way == 2) outcome[way / 2] = Outcome(snap);
    if (way >= 3) {
      if (Outcome(snap) != outcome[way - 3]) std::abort();
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
