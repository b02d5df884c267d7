#include "cli/path_format.h"

#include <fmt/format.h>

#include "common/format.h"
#include "cli/heap_load.h"

namespace oomkit::cli {
namespace {

// ".name" for properties, "[3]" for elements, the bare name otherwise
// (context variables, internal fields), as DevTools' retainers list them.
std::string EdgeText(const heap::Snapshot& s, uint32_t edge) {
  std::string label = heap::EdgeLabel(s, edge);
  if (s.edge_type(edge) == s.layout.property || s.edge_type(edge) == s.layout.shortcut)
    return fmt::format(".{}", Ellipsize(label, 40));
  return Ellipsize(label, 40);
}

std::string HopText(const heap::Snapshot& s, const heap::Analysis& a, const heap::PathHop& hop) {
  return fmt::format("{} @{} {}", DisplayName(s, a, hop.holder), s.node_id[hop.holder], EdgeText(s, hop.edge));
}

nlohmann::ordered_json HopJson(const heap::Snapshot& s, const heap::Analysis& a, const heap::PathHop& hop) {
  const auto& types = s.layout.edge_types;
  uint8_t t = s.edge_type(hop.edge);
  return {{"id", s.node_id[hop.holder]},
          {"name", DisplayName(s, a, hop.holder)},
          {"edge", heap::EdgeLabel(s, hop.edge)},
          {"edge_type", t < types.size() ? types[t] : "?"}};
}

}  // namespace

std::string PathLine(const heap::Snapshot& s, const heap::Analysis& a, const heap::RetainingPath& path,
                     size_t max_hops) {
  std::vector<std::string> items;
  auto runs = heap::FoldRepeats(s, path);
  size_t r = 0;
  for (size_t i = 0; i < path.hops.size();) {
    if (r < runs.size() && runs[r].start == i) {
      std::string segment;
      for (size_t k = 0; k < runs[r].length; ++k)
        segment += fmt::format("{}{}", k ? " > " : "", HopText(s, a, path.hops[i + k]));
      items.push_back(fmt::format("(× {}: {})", Thousands(runs[r].repeats), segment));
      i += runs[r].repeats * runs[r].length;
      ++r;
    } else {
      items.push_back(HopText(s, a, path.hops[i++]));
    }
  }
  if (max_hops > 2 && items.size() > max_hops) {
    size_t head = max_hops / 2, tail = max_hops - head;
    size_t elided = items.size() - head - tail;
    std::vector<std::string> kept(items.begin(), items.begin() + static_cast<long>(head));
    kept.push_back(fmt::format("… {} more hops …", elided));
    kept.insert(kept.end(), items.end() - static_cast<long>(tail), items.end());
    items = std::move(kept);
  }
  items.push_back(fmt::format("{} @{}", DisplayName(s, a, path.target), s.node_id[path.target]));
  std::string line;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) line.append(" > ");
    line.append(items[i]);
  }
  return line;
}

nlohmann::ordered_json PathJson(const heap::Snapshot& s, const heap::Analysis& a, const heap::RetainingPath& path) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  auto runs = heap::FoldRepeats(s, path);
  size_t r = 0;
  for (size_t i = 0; i < path.hops.size();) {
    if (r < runs.size() && runs[r].start == i) {
      nlohmann::ordered_json hops = nlohmann::ordered_json::array();
      for (size_t k = 0; k < runs[r].length; ++k) hops.push_back(HopJson(s, a, path.hops[i + k]));
      out.push_back({{"repeat", runs[r].repeats}, {"hops", std::move(hops)}});
      i += runs[r].repeats * runs[r].length;
      ++r;
    } else {
      out.push_back(HopJson(s, a, path.hops[i++]));
    }
  }
  out.push_back({{"id", s.node_id[path.target]}, {"name", DisplayName(s, a, path.target)}});
  return out;
}

}  // namespace oomkit::cli
