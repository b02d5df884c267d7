#include "heap/allocation_traces.h"

#include <algorithm>

namespace oomkit::heap {

AllocationTraces::AllocationTraces(const Snapshot& s) : s_(s) {
  const auto& f = s.layout.trace_function_info_fields;
  fields_ = f.size();
  auto at = [&](const char* name) {
    auto it = std::find(f.begin(), f.end(), name);
    return it == f.end() ? -1 : static_cast<int>(it - f.begin());
  };
  name_ = at("name"), script_ = at("script_name"), line_ = at("line"), column_ = at("column");
  if (s.node_trace_id.empty() || fields_ == 0 || name_ < 0) return;
  index_.reserve(s.trace_nodes.size());
  for (uint32_t i = 0; i < s.trace_nodes.size(); ++i) index_.emplace(s.trace_nodes[i].id, i);
}

std::vector<AllocationFrame> AllocationTraces::StackOf(uint32_t node) const {
  std::vector<AllocationFrame> stack;
  if (!available() || node >= s_.node_trace_id.size()) return stack;
  auto it = index_.find(s_.node_trace_id[node]);
  if (it == index_.end()) return stack;
  auto field = [&](size_t info, int k) -> uint32_t {
    size_t i = info * fields_ + static_cast<size_t>(k);
    return k >= 0 && i < s_.trace_function_infos.size() ? s_.trace_function_infos[i] : 0;
  };
  auto text = [&](uint32_t string) { return string < s_.strings.size() ? std::string(s_.strings[string]) : std::string(); };
  // Bounded: a corrupt tree must not loop.
  for (uint32_t i = it->second, hops = 0; i != UINT32_MAX && hops < s_.trace_nodes.size(); i = s_.trace_nodes[i].parent, ++hops) {
    const Snapshot::TraceNode& t = s_.trace_nodes[i];
    if (t.parent == UINT32_MAX) break;  // the tree's top is V8's "(root)" entry, not a frame
    AllocationFrame f;
    f.function = text(field(t.function_info, name_));
    if (f.function.empty()) f.function = "(anonymous)";
    f.script = text(field(t.function_info, script_));
    f.line = field(t.function_info, line_);
    f.column = field(t.function_info, column_);
    stack.push_back(std::move(f));
  }
  return stack;
}

}  // namespace oomkit::heap
