// Reads a .heapsnapshot (plain or gzip) into a Snapshot.
//
// The file is walked once at the top level (any key order, unknown sections
// skipped); the number arrays are then parsed in place by several threads,
// each taking chunks that start on a value boundary. Every inconsistency is an
// error naming the byte offset and what was expected: header counts that
// contradict the arrays, to_node values that are not node starts, unknown
// type indexes, string indexes out of range, bad escapes, invalid UTF-8 or
// unpaired UTF-16 surrogates, a file cut short.
#pragma once

#include "common/input_file.h"
#include "common/progress.h"
#include "common/status.h"
#include "heap/snapshot.h"

namespace oomkit::heap {

struct ReadOptions {
  // Accept a file cut inside "strings" or after it: names that were not read
  // become "<missing string N>", and Snapshot::missing says what is missing.
  bool partial = false;
  int threads = 0;  // 0: DefaultThreads()
  // Number arrays are parsed in chunks of about this size (tests make it tiny
  // to put many records across chunk boundaries). The walk holds copies of
  // three batches of two chunks per thread (ScanNumberArray).
  size_t chunk_bytes = 4 << 20;
  // Read nodes and strings only: the snapshot then has no edges (edge_count
  // 0). For what needs ids and names alone, such as a leak baseline.
  bool nodes_only = false;
  // Parse the node and edge arrays while the walk scans them (each page is
  // then read once); false parses them after the walk. Both give the same
  // snapshot and the same errors; tests compare them.
  bool parse_arrays_in_walk = true;
  Progress progress;
};

// Errors read "byte N: expected ..." (the caller prefixes the file name).
// The snapshot keeps the file: its strings are views into it.
Result<Snapshot> ReadSnapshot(InputFile input, const ReadOptions& options);

}  // namespace oomkit::heap
