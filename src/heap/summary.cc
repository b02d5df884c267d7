#include "heap/summary.h"

#include <algorithm>

#include "common/parallel.h"

namespace oomkit::heap {

std::vector<ClassRow> SummarizeClasses(const Snapshot& s, const Analysis& a, int threads) {
  const size_t classes = a.classes.size();
  if (threads <= 0) threads = DefaultThreads();
  // Per-thread partial rows over node slices, merged in slice order.
  const size_t slices = static_cast<size_t>(threads);
  std::vector<std::vector<ClassRow>> partial(slices);
  ParallelFor(slices, threads, [&](size_t t) {
    std::vector<ClassRow>& rows = partial[t];
    rows.assign(classes, ClassRow{});
    for (auto& r : rows) r.distance = INT32_MAX;
    uint64_t b = t * uint64_t{s.node_count} / slices, e = (t + 1) * uint64_t{s.node_count} / slices;
    for (uint64_t n = b; n < e; ++n) {
      uint32_t self = a.self_size[n];
      if (self == 0) continue;
      ClassRow& r = rows[a.class_of[n]];
      if (r.count == 0 || a.tree.retained_size[n] > a.tree.retained_size[r.largest]) r.largest = static_cast<uint32_t>(n);
      ++r.count;
      r.self_size += self;
      r.distance = std::min(r.distance, a.distance[n]);
    }
  });
  std::vector<ClassRow> rows = std::move(partial[0]);
  for (size_t t = 1; t < slices; ++t) {
    for (size_t c = 0; c < classes; ++c) {
      const ClassRow& p = partial[t][c];
      if (p.count == 0) continue;
      ClassRow& r = rows[c];
      if (r.count == 0 || a.tree.retained_size[p.largest] > a.tree.retained_size[r.largest]) r.largest = p.largest;
      r.count += p.count;
      r.self_size += p.self_size;
      r.distance = std::min(r.distance, p.distance);
    }
  }

  // Retained size per class: walk the dominator tree keeping, per class, how
  // many counted ancestors are on the current path.
  std::vector<uint32_t> on_path(classes, 0);
  std::vector<uint32_t> stack;  // ordinal, with the top bit marking "leave"
  constexpr uint32_t kLeave = 0x80000000u;
  stack.push_back(s.root);
  while (!stack.empty()) {
    uint32_t item = stack.back();
    stack.pop_back();
    if (item & kLeave) {
      --on_path[a.class_of[item & ~kLeave]];
      continue;
    }
    uint32_t n = item;
    uint32_t c = a.class_of[n];
    uint32_t first = a.tree.first_child[n], last = a.tree.first_child[n + 1];
    if (on_path[c] == 0 && a.self_size[n] != 0) {
      rows[c].retained_size += a.tree.retained_size[n];
      if (first != last) {
        ++on_path[c];
        stack.push_back(n | kLeave);
      }
    }
    for (uint32_t k = first; k < last; ++k) stack.push_back(a.tree.children[k]);
  }

  std::vector<ClassRow> out;
  for (size_t c = 0; c < classes; ++c) {
    if (rows[c].count == 0) continue;
    rows[c].class_id = static_cast<uint32_t>(c);
    rows[c].name = s.strings[a.classes[c].name];
    out.push_back(rows[c]);
  }
  std::sort(out.begin(), out.end(), [](const ClassRow& x, const ClassRow& y) {
    if (x.retained_size != y.retained_size) return x.retained_size > y.retained_size;
    if (x.self_size != y.self_size) return x.self_size > y.self_size;
    if (x.name != y.name) return x.name < y.name;
    return x.class_id < y.class_id;
  });
  return out;
}

}  // namespace oomkit::heap
