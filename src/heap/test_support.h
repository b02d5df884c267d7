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

// A snapshot's text in the layout every Node version since 16 shares for
// these fields (nodes: type, name, id, self_size, edge_count; edges: type,
// name_or_index, to_node), with V8's usual type names. `strings` is the
// strings array's contents, e.g. R"("", "global")".
inline std::string GraphText(const std::string& nodes, const std::string& edges, const std::string& strings,
                             uint64_t node_count, uint64_t edge_count) {
  return R"({"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"],)"
         R"("node_types":[["hidden","array","string","object","code","closure","regexp","number","native",)"
         R"("synthetic"],"string","number","number","number"],"edge_fields":["type","name_or_index","to_node"],)"
         R"("edge_types":[["context","element","property","internal","hidden","shortcut","weak"],)"
         R"("string_or_number","node"]},"node_count":)" +
         std::to_string(node_count) + R"(,"edge_count":)" + std::to_string(edge_count) + R"(},"nodes":[)" + nodes +
         R"(],"edges":[)" + edges + R"(],"strings":[)" + strings + "]}";
}

inline Result<Snapshot> ReadText(const std::string& text, bool partial = false) {
  InputFile in = InputFile::FromBytes(text);
  ReadOptions o;
  o.partial = partial;
  o.threads = 2;
  return ReadSnapshot(std::move(in), o);
}

}  // namespace oomkit::heap::testing
