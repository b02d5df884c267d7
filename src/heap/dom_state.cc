#include "heap/dom_state.h"

#include <string>
#include <unordered_map>
#include <vector>

#include "common/pod_array.h"

namespace oomkit::heap {

void PropagateDetachedness(Snapshot* s) {
  const SnapshotLayout& L = s->layout;
  constexpr uint8_t kAttached = 1, kDetached = 2;
  if (!L.has_detachedness()) {
    for (uint32_t n = 0; n < s->node_count; ++n)
      if (s->node_type[n] == L.native && s->node_name_str(n).starts_with("Detached "))
        s->node_detachedness[n] = kDetached;
    return;
  }
  BitVector visited(s->node_count);
  std::vector<uint32_t> attached, detached;
  std::unordered_map<uint32_t, uint32_t> renamed;  // old name index -> "Detached " + name

  auto process = [&](uint32_t n, uint8_t state) {
    if (visited.Get(n)) return;
    visited.Set(n);
    // The state does not travel through JavaScript objects: every entry into
    // embedder code is a native node that knows its own state.
    if (s->node_type[n] != L.native) return;
    s->node_detachedness[n] = state;
    if (state == kAttached) {
      attached.push_back(n);
    } else if (state == kDetached) {
      uint32_t old_name = s->node_name[n];
      auto it = renamed.find(old_name);
      if (it == renamed.end()) {
        std::string name = "Detached " + std::string(s->strings[old_name]);
        it = renamed.emplace(old_name, s->strings.Add(name)).first;
      }
      s->node_name[n] = it->second;
      detached.push_back(n);
    }
  };
  auto propagate = [&](uint32_t from, uint8_t state) {
    for (uint32_t e = s->first_edge[from]; e < s->first_edge[from + 1]; ++e) {
      int t = s->edge_type(e);
      if (t == L.hidden_edge || t == L.weak) continue;
      process(s->edge_to[e], state);
    }
  };
  for (uint32_t n = 0; n < s->node_count; ++n)
    if (s->node_detachedness[n] != 0) process(n, s->node_detachedness[n]);
  while (!attached.empty()) {
    uint32_t n = attached.back();
    attached.pop_back();
    propagate(n, kAttached);
  }
  while (!detached.empty()) {
    uint32_t n = detached.back();
    detached.pop_back();
    if (s->node_detachedness[n] == kAttached) continue;
    propagate(n, kDetached);
  }
}

}  // namespace oomkit::heap
