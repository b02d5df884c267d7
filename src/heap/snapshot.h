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
//   per edge: type and name_or_index 4 (packed) + to 4 = 8 B
//   strings:  12 B per string; the bytes stay in the file (see StringTable)
// A 1 GB Node snapshot (12.9 M nodes, 41.8 M edges) takes ~0.57 GB here.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <string>
#include <string_view>
#include <vector>

#include "common/input_file.h"
#include "common/pod_array.h"
#include "common/pod_vector.h"
#include "common/prefault.h"

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
  // Edges of this type name themselves by a string; element and hidden edges
  // hold an index instead.
  bool named_by_string(int edge_type) const { return edge_type != element && edge_type != hidden_edge; }
};

// Strings: most are views into the file itself (parsed in place: a string
// without escapes is already its UTF-8 value); strings with escapes are
// unescaped into an arena. Entries appended after parsing (class names
// DevTools invents: "(system)", "Detached <div>", "{a, b}") are kept apart;
// views of earlier strings stay valid whatever is added.
// Cost: 12 B per string, plus the bytes of escaped strings.
class StringTable {
 public:
  std::string_view operator[](uint32_t i) const {
    if (i >= parsed_) return added_[i - parsed_];
    uint64_t at = begin_[i];
    const char* base = !(at & kInArena) ? file_ : (at & kInSecondArena) ? second_arena_.data() : arena_.data();
    return std::string_view(base + (at & ~(kInArena | kInSecondArena)), length_[i]);
  }
  uint32_t size() const { return parsed_ + static_cast<uint32_t>(added_.size()); }
  // The indexes whose text is `text`, so that a pass over nodes or edges
  // compares numbers, not strings. Only strings of its length are read, so
  // the pages of the others are not touched.
  class Indexes {
   public:
    bool contains(uint32_t i) const {
      // One index nearly always: a compare, not a search.
      if (found_.size() == 1) return found_[0] == i;
      return std::find(found_.begin(), found_.end(), i) != found_.end();
    }

   private:
    friend class StringTable;
    std::vector<uint32_t> found_;  // V8 writes each text once: this holds one index, rarely more
  };
  Indexes IndexesOf(std::string_view text) const {
    Indexes out;
    for (uint32_t i = 0; i < parsed_; ++i)
      if (length_[i] == text.size() && (*this)[i] == text) out.found_.push_back(i);
    for (uint32_t i = parsed_; i < size(); ++i)
      if ((*this)[i] == text) out.found_.push_back(i);
    return out;
  }
  uint32_t Add(std::string_view s) {
    added_.emplace_back(s);
    return size() - 1;
  }

  // For the parser: the file the views point into, a string that is a view
  // of [offset, offset + length) of it, or one unescaped into arena() from
  // `mark` (its size before the string was written) to its end.
  void SetFile(const char* bytes) { file_ = bytes; }
  void AddInFile(uint64_t offset, uint32_t length) { Push(offset, length); }
  PodVector<char>& arena() { return arena_; }
  void AddFromArena(size_t mark) { Push(mark | kInArena, static_cast<uint32_t>(arena_.size() - mark)); }
  // Appends the strings another parser read from the same file (none added).
  // Its arena is taken over whole, not copied (the second half of a 1 GB
  // file's strings had 8.8 MB of escaped strings: 0.05 s to copy).
  void Append(StringTable&& other) {
    const size_t size = begin_.size(), more = other.begin_.size();
    begin_.reserve(size + more);
    length_.reserve(size + more);
    // Written in full just below: one call maps the pages, not one fault each.
    PrefaultForWrite(begin_.data() + size, more * sizeof(uint64_t));
    PrefaultForWrite(length_.data() + size, more * sizeof(uint32_t));
    const bool take_arena = second_arena_.empty();
    for (size_t i = 0; i < more; ++i) {
      const uint64_t at = other.begin_[i];
      begin_.push_back(!(at & kInArena) ? at : take_arena ? (at | kInSecondArena) : (at + arena_.size()));
      length_.push_back(other.length_[i]);
    }
    if (take_arena) second_arena_ = std::move(other.arena_);
    else arena_.append(other.arena_.data(), other.arena_.size());
    parsed_ = static_cast<uint32_t>(begin_.size());
  }

 private:
  static constexpr uint64_t kInArena = uint64_t{1} << 63;
  static constexpr uint64_t kInSecondArena = uint64_t{1} << 62;  // with kInArena
  void Push(uint64_t begin, uint32_t length) {
    begin_.push_back(begin);
    length_.push_back(length);
    parsed_ = static_cast<uint32_t>(begin_.size());
  }
  const char* file_ = nullptr;
  PodVector<uint64_t> begin_;  // offset in the file, or in the arena with kInArena set
  PodVector<uint32_t> length_;
  PodVector<char> arena_;
  PodVector<char> second_arena_;  // the arena of the table Append() took, if any
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
  // Whether the reader parsed nodes and edges as the walk scanned them
  // (ReadOptions::parse_arrays_in_walk), rather than after it.
  bool arrays_parsed_in_walk = false;

  PodArray<uint8_t> node_type;
  PodArray<uint32_t> node_name;  // index into strings
  PodArray<uint32_t> node_id;
  PodArray<uint32_t> node_self_size;
  PodArray<uint32_t> first_edge;  // node_count + 1 entries
  PodArray<uint8_t> node_detachedness;  // 0 unknown, 1 attached, 2 detached
  PodArray<uint32_t> node_trace_id;  // empty unless the file has trace_node_id and allocation traces

  // Type (top 4 bits) and name (low 28 bits) of each edge in one word; a
  // name that does not fit (an element index of a huge sparse array) is
  // kEdgeNameOverflow here and kept in edge_name_overflow.
  static constexpr uint32_t kEdgeNameBits = 28;
  static constexpr uint32_t kEdgeNameOverflow = (uint32_t{1} << kEdgeNameBits) - 1;
  PodArray<uint32_t> edge_word;
  std::unordered_map<uint64_t, uint32_t> edge_name_overflow;
  PodArray<uint32_t> edge_to;  // target node ordinal

  int edge_type(uint64_t e) const { return static_cast<int>(edge_word[e] >> kEdgeNameBits); }
  void set_edge_name(uint64_t e, uint32_t name) {
    uint32_t type_bits = edge_word[e] & ~kEdgeNameOverflow;
    edge_name_overflow.erase(e);
    if (name >= kEdgeNameOverflow) {
      edge_name_overflow[e] = name;
      name = kEdgeNameOverflow;
    }
    edge_word[e] = type_bits | name;
  }
  // String index, or the element/hidden index.
  uint32_t edge_name(uint64_t e) const {
    uint32_t name = edge_word[e] & kEdgeNameOverflow;
    return name != kEdgeNameOverflow ? name : edge_name_overflow.at(e);
  }

  StringTable strings;
  struct Location {
    uint32_t node, script_id, line, column;
  };
  PodArray<Location> locations;  // in node order; for one node, in file order
  std::vector<uint32_t> trace_function_infos;
  // The allocation trace tree (files written with --track-heap-objects):
  // node_trace_id names a TraceNode by id; parent is an index here
  // (UINT32_MAX at the top). 12 B per trace node.
  struct TraceNode {
    uint32_t id, function_info, parent;
  };
  std::vector<TraceNode> trace_nodes;
  std::vector<uint32_t> samples;

  // The strings that may name a WeakMap edge (MayNameWeakMapEdge), by index,
  // noted as the reader met them: WeakMapNames parses these few.
  std::vector<uint32_t> weakmap_name_candidates;

  // Set when --partial let a file cut inside "strings" (or later) through:
  // what was not read, in words for the user.
  std::string missing;

  // The file, kept because strings are views into it; and where its strings
  // section lies, so that its pages can be dropped while they are not needed.
  InputFile input;
  size_t strings_begin = 0, strings_end = 0;
  void ReleaseStringPages() { input.ReleaseUntilNeeded(strings_begin, strings_end); }

  bool edge_has_string_name(uint64_t e) const { return layout.named_by_string(edge_type(e)); }
  std::string_view node_name_str(uint32_t n) const { return strings[node_name[n]]; }
};

}  // namespace oomkit::heap
