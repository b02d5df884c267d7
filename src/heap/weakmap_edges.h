// V8 describes each WeakMap entry by two internal edges (one from the table,
// one from the key) named
//   "<n> / part of key (<K> @<key id>) -> value (<V> @<value id>) pair in WeakMap (table @<table id>)".
// DevTools recognises them by name to drop the table's edge from dominator
// computation and to take the larger of the two distances. This parses that
// name the way DevTools' pattern does (no line breaks inside, lazy groups).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace oomkit::heap {

struct WeakMapEdgeName {
  std::string_view duplicated_part;  // from " / part of key" to the end: equal for both edges of a pair
  uint64_t table_id;
};

std::optional<WeakMapEdgeName> ParseWeakMapEdgeName(std::string_view name);

// What every name ParseWeakMapEdgeName accepts has (a leading digit, a
// closing ')', room for the fixed words), tested on the two end bytes and
// the length: cheap enough for every string as the reader meets it.
bool MayNameWeakMapEdge(std::string_view name);

}  // namespace oomkit::heap
