// Retaining paths as people read them: one line from the top (a user root
// such as `global`, or a system root) down to the object, each holder with
// its class, @id and the edge it holds the next one by; long repeated
// stretches folded ("(× 4,998: Timeout @… ._idleNext)").
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "heap/retaining_paths.h"

namespace oomkit::cli {

// `max_hops`: at most this many hops after folding; the middle is elided.
std::string PathLine(const heap::Snapshot& s, const heap::Analysis& a, const heap::RetainingPath& path,
                     size_t max_hops);
// [{id, name, edge, edge_type}] from the top down, then the target ({id, name});
// a folded run is one element {repeat: N, hops: [...]}.
nlohmann::ordered_json PathJson(const heap::Snapshot& s, const heap::Analysis& a, const heap::RetainingPath& path);

}  // namespace oomkit::cli
