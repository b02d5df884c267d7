// Helpers shared by the heap tests: paths to shared fixtures and a one-call
// read of a snapshot from a file or a string.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "common/input_file.h"
#include "heap/snapshot_reader.h"

namespace oomkit::heap::testing {

inline std::string SharedPath(const std::string& rel) { return std::string(OOMKIT_SHARED_DIR) + "/" + rel; }

inline Result<Snapshot> ReadFile(const std::string& path, bool partial = false, int threads = 2) {
  auto in = InputFile::Open(path);
  if (!in.ok()) return in.status();
  ReadOptions o;
  o.partial = partial;
  o.threads = threads;
  return ReadSnapshot(in.take(), o);
}

inline Result<Snapshot> ReadText(const std::string& text, bool partial = false) {
  InputFile in = InputFile::FromBytes(text);
  ReadOptions o;
  o.partial = partial;
  o.threads = 2;
  return ReadSnapshot(std::move(in), o);
}

}  // namespace oomkit::heap::testing
