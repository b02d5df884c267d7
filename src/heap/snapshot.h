// Snapshot: a V8 .heapsnapshot held as flat structure-of-arrays.
//
// Nodes are addressed by ordinal (0..node_count-1), edges by ordinal too; the
// file's "node index" (ordinal * node field count) never survives parsing.
// Edges are grouped by source node in node order, so node i owns the edges
// [first_edge[i], first_edge[i+1]).
//
// Memory (what the arrays below cost):
//   per node: type 1 + name 4 + id 4 + self_size 4 + first_edge 4 + detachedness 1 = 18 B
//             (+4 for trace_node_id only when the file has allocation traces)
//   per edge: type 1 + name_or_index 4 + to 4 = 9 B
//   strings:  the unescaped UTF-8 bytes + 8 B of offset per string
// A 1 GB Node snapshot (12.8 M nodes, 41.6 M edges) takes ~0.6 GB here.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "common/pod_array.h"

namespace oomkit::heap {

// The layout of one file, read from snapshot.meta; -1 where a field or type
// does not exist in this file. Never assume fixed offsets: they changed in
// Node 16, 20, 22 and 24.
struct SnapshotLayout {
  std::vector<std::string> node_fields;
  std::vector<std::string> node_types;  // enum of the "type" node field
  std::vector<std::string> edge_fields;
  std::vector<std::string> edge_types;  // enum of the "type" edge field
  std::vector<std::string> location_fields;
  std::vector<std::string> trace_function_info_fields;
  std::vector<std::string> trace_node_fields;
  std::vector<std::string> sample_fields;

  // Node types by name.
  int hidden = -1, array = -1, string = -1, object = -1, code = -1, closure = -1, regexp = -1,
      number = -1, native = -1, synthetic = -1, cons_string = -1, sliced_string = -1, symbol = -1,
      bigint = -1, object_shape = -1;
  // Edge types by name.
  int context = -1, element = -1, property = -1, internal = -1, hidden_edge = -1, shortcut = -1,
      weak = -1;

  bool has_detachedness() const;
  bool has_trace_node_id() const;
};

// Strings: one arena of UTF-8 bytes, with offsets. Entries appended after
// parsing (class names DevTools invents: "(system)", "Detached <div>",
// "{a, b}") live in the same table.
class StringTable {
 public:
  std::string_view operator[](uint32_t i) const {
    if (i >= parsed_) return added_[i - parsed_];
    return std::string_view(bytes_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  uint32_t size() const { return parsed_ + static_cast<uint32_t>(added_.size()); }
  // Appends a string after parsing; views of earlier strings stay valid.
  uint32_t Add(std::string_view s) {
    added_.emplace_back(s);
    return size() - 1;
  }
  // For the parser: append bytes to the string being built, then close it.
  std::string& arena() { return bytes_; }
  void Close() {
    offsets_.push_back(bytes_.size());
    parsed_ = static_cast<uint32_t>(offsets_.size() - 1);
  }
  void Reserve(size_t bytes) { bytes_.reserve(bytes); }
  void ShrinkToFit() { bytes_.shrink_to_fit(); }
  size_t bytes() const { return bytes_.capacity() + offsets_.capacity() * sizeof(uint64_t); }

 private:
  std::string bytes_;
  std::vector<uint64_t> offsets_{0};
  uint32_t parsed_ = 0;
  std::deque<std::string> added_;
};

struct Snapshot {
  SnapshotLayout layout;

  // Header values as written (they can lie: see the reader).
  uint64_t header_node_count = 0;
  uint64_t header_edge_count = 0;
  uint64_t trace_function_count = 0;
  uint64_t extra_native_bytes = 0;
  bool has_extra_native_bytes = false;
  uint32_t root = 0;  // ordinal of the root node (snapshot.root_index / node fields; V8 writes 0)

  uint32_t node_count = 0;
  uint64_t edge_count = 0;

  PodArray<uint8_t> node_type;
  PodArray<uint32_t> node_name;  // index into strings
  PodArray<uint32_t> node_id;
  PodArray<uint32_t> node_self_size;
  PodArray<uint32_t> first_edge;  // node_count + 1 entries
  PodArray<uint8_t> node_detachedness;  // 0 unknown, 1 attached, 2 detached
  PodArray<uint32_t> node_trace_id;  // empty unless the file has trace_node_id

  PodArray<uint8_t> edge_type;
  PodArray<uint32_t> edge_name;  // string index, or the element/hidden index
  PodArray<uint32_t> edge_to;  // target node ordinal

  StringTable strings;
  struct Location {
    uint32_t node, script_id, line, column;
  };
  std::vector<Location> locations;  // in file order
  std::vector<uint32_t> trace_function_infos;
  std::vector<uint32_t> samples;

  // Set when --partial let a file cut inside "strings" (or later) through:
  // what was not read, in words for the user.
  std::string missing;

  bool edge_has_string_name(uint64_t e) const {
    int t = edge_type[e];
    return t != layout.element && t != layout.hidden_edge;
  }
  std::string_view node_name_str(uint32_t n) const { return strings[node_name[n]]; }
};

}  // namespace oomkit::heap
