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
  // many counted ancestors are on the current path. Subtrees are independent
  // once the path above them is known, so the tree is cut into subtrees for
  // all threads: the largest (by retained size, a stand-in for node count)
  // is replaced by its children until none holds more than a small share.
  // Each subtree starts from the path counts of its parent; sums of integers
  // make the result independent of the cut.
  constexpr uint32_t kLeave = 0x80000000u;
  // A piece of the tree: the subtrees of the siblings children[begin, end).
  struct Piece {
    uint32_t begin, end;
    uint32_t path;    // index into paths: the counts above them
    uint64_t weight;  // their retained sizes
  };
  std::vector<std::vector<uint32_t>> paths;
  std::vector<uint64_t> counted(classes, 0);  // what the cutting itself counts
  auto visit = [&](uint32_t n, std::vector<uint32_t>& on_path, std::vector<uint64_t>& sums) {
    uint32_t c = a.class_of[n];
    if (on_path[c] != 0 || a.self_size[n] == 0) return false;
    sums[c] += a.tree.retained_size[n];
    return true;
  };
  auto weigh = [&](uint32_t begin, uint32_t end) {
    uint64_t w = 0;
    for (uint32_t k = begin; k < end; ++k) w += a.tree.retained_size[a.tree.children[k]];
    return w;
  };
  auto lighter = [](const Piece& x, const Piece& y) { return x.weight < y.weight; };
  std::vector<Piece> pieces;
  // Visits n (cutting), then makes its children one piece.
  auto open = [&](uint32_t n, std::vector<uint32_t> below) {
    if (visit(n, below, counted)) ++below[a.class_of[n]];
    const uint32_t first = a.tree.first_child[n], last = a.tree.first_child[n + 1];
    if (first == last) return;
    paths.push_back(std::move(below));
    pieces.push_back({first, last, static_cast<uint32_t>(paths.size() - 1), weigh(first, last)});
    std::push_heap(pieces.begin(), pieces.end(), lighter);
  };
  open(s.root, std::vector<uint32_t>(classes, 0));
  const size_t parts = static_cast<size_t>(threads) * 16;
  const uint64_t share = a.tree.retained_size[s.root] / parts + 1;
  for (int cuts = 0; cuts < 4096 && !pieces.empty() && pieces.front().weight > share; ++cuts) {
    std::pop_heap(pieces.begin(), pieces.end(), lighter);
    const Piece big = pieces.back();
    pieces.pop_back();
    if (big.end - big.begin == 1) {
      open(a.tree.children[big.begin], paths[big.path]);
      continue;
    }
    const uint32_t mid = big.begin + (big.end - big.begin) / 2;
    const uint64_t left = weigh(big.begin, mid);
    pieces.push_back({big.begin, mid, big.path, left});
    std::push_heap(pieces.begin(), pieces.end(), lighter);
    pieces.push_back({mid, big.end, big.path, big.weight - left});
    std::push_heap(pieces.begin(), pieces.end(), lighter);
  }
  std::sort(pieces.begin(), pieces.end(), [&](const Piece& x, const Piece& y) { return lighter(y, x); });
  const size_t bins = std::min(parts, pieces.size());
  std::vector<std::vector<uint64_t>> retained(bins);
  ParallelFor(bins, threads, [&](size_t b) {
    std::vector<uint64_t>& sums = retained[b];
    sums.assign(classes, 0);
    std::vector<uint32_t> stack;  // ordinal, with the top bit marking "leave"
    for (size_t t = b; t < pieces.size(); t += bins) {  // heaviest first, dealt round the bins
      std::vector<uint32_t> on_path = paths[pieces[t].path];
      stack.assign(a.tree.children.begin() + pieces[t].begin, a.tree.children.begin() + pieces[t].end);
      while (!stack.empty()) {
        uint32_t item = stack.back();
        stack.pop_back();
        if (item & kLeave) {
          --on_path[a.class_of[item & ~kLeave]];
          continue;
        }
        uint32_t n = item;
        uint32_t first = a.tree.first_child[n], last = a.tree.first_child[n + 1];
        if (visit(n, on_path, sums) && first != last) {
          ++on_path[a.class_of[n]];
          stack.push_back(n | kLeave);
        }
        for (uint32_t k = first; k < last; ++k) stack.push_back(a.tree.children[k]);
      }
    }
  });
  for (size_t c = 0; c < classes; ++c) rows[c].retained_size += counted[c];
  for (const std::vector<uint64_t>& sums : retained)
    for (size_t c = 0; c < classes; ++c) rows[c].retained_size += sums[c];

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
