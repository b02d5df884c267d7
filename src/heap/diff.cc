#include "heap/diff.h"

#include <algorithm>
#include <functional>
#include <unordered_map>

#include <fmt/format.h>

#include "common/parallel.h"
#include "heap/summary.h"

namespace oomkit::heap {

IdSample SampleIds(const Snapshot& s) {
  IdSample sample;
  // ~50,000 samples at most keep the check cheap on any snapshot size.
  while (s.node_count / sample.stride > 50000) sample.stride *= 2;
  std::hash<std::string_view> hash;
  for (uint32_t n = 0; n < s.node_count; ++n) {
    uint32_t id = s.node_id[n];
    if (((id >> 1) & (sample.stride - 1)) != 0) continue;
    uint32_t signature = static_cast<uint32_t>(hash(s.node_name_str(n)) * 31 + s.node_type[n]);
    sample.signatures.push_back({id, signature});
  }
  std::sort(sample.signatures.begin(), sample.signatures.end());
  return sample;
}

Status CheckSameProcess(const IdSample& a, const IdSample& b) {
  const uint32_t stride = std::max(a.stride, b.stride);
  uint64_t shared = 0, same = 0;
  for (size_t i = 0, j = 0; i < a.signatures.size() && j < b.signatures.size();) {
    uint32_t x = a.signatures[i].first, y = b.signatures[j].first;
    if (x < y) {
      ++i;
    } else if (y < x) {
      ++j;
    } else {
      if (((x >> 1) & (stride - 1)) == 0) {
        ++shared;
        same += a.signatures[i].second == b.signatures[j].second;
      }
      ++i, ++j;
    }
  }
  if (shared == 0)
    return Status::Error("the two snapshots share no object id: they do not come from one process");
  if ((shared - same) * 50 > shared)
    return Status::Error(fmt::format(
        "the two snapshots come from different processes: {:.1f} % of the object ids they share name objects of "
        "another type or name (one process keeps an id for an object's life)",
        100.0 * static_cast<double>(shared - same) / static_cast<double>(shared)));
  return Status();
}

ClassMembers CollectClassMembers(const Snapshot& s, const Analysis& a, int threads) {
  ClassMembers m;
  const size_t classes = a.classes.size();
  m.key.resize(classes);
  m.name.resize(classes);
  m.retained.assign(classes, 0);
  for (size_t c = 0; c < classes; ++c) {
    const ClassKey& k = a.classes[c];
    m.name[c] = std::string(s.strings[k.name]);
    m.key[c] = k.has_location ? fmt::format("{}@{}:{}:{}", m.name[c], k.script_id, k.line, k.column) : m.name[c];
  }
  for (const ClassRow& row : SummarizeClasses(s, a, threads)) m.retained[row.class_id] = row.retained_size;

  m.first.assign(classes + 1, 0);
  for (uint32_t n = 0; n < s.node_count; ++n)
    if (a.self_size[n] != 0) ++m.first[a.class_of[n] + 1];
  for (size_t c = 0; c < classes; ++c) m.first[c + 1] += m.first[c];
  m.object_count = m.first[classes];
  m.id.Reset(m.object_count);
  m.self_size.Reset(m.object_count);
  std::vector<uint32_t> cursor(m.first.begin(), m.first.end() - 1);
  for (uint32_t n = 0; n < s.node_count; ++n) {
    if (a.self_size[n] == 0) continue;
    uint32_t at = cursor[a.class_of[n]]++;
    m.id[at] = s.node_id[n];
    m.self_size[at] = a.self_size[n];
    m.max_id = std::max(m.max_id, s.node_id[n]);
  }
  // Sort each class's members by id; the biggest classes dominate, so they
  // are handed out first.
  std::vector<uint32_t> order(classes);
  for (uint32_t c = 0; c < classes; ++c) order[c] = c;
  std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {
    return m.first[x + 1] - m.first[x] > m.first[y + 1] - m.first[y];
  });
  ParallelFor(classes, threads, [&](size_t k) {
    uint32_t c = order[k], b = m.first[c], e = m.first[c + 1];
    if (e - b < 2) return;
    std::vector<std::pair<uint32_t, uint32_t>> members(e - b);
    for (uint32_t i = b; i < e; ++i) members[i - b] = {m.id[i], m.self_size[i]};
    std::sort(members.begin(), members.end());
    for (uint32_t i = b; i < e; ++i) std::tie(m.id[i], m.self_size[i]) = members[i - b];
  });

  m.ids = SampleIds(s);
  return m;
}

namespace {

// DevTools' merge of two id-sorted member lists of one class.
void DiffClass(const ClassMembers& base, uint32_t bc, const ClassMembers& cur, uint32_t cc, ClassDiff* d,
               uint64_t* matched) {
  uint32_t i = bc == UINT32_MAX ? 0 : base.first[bc], ie = bc == UINT32_MAX ? 0 : base.first[bc + 1];
  uint32_t j = cc == UINT32_MAX ? 0 : cur.first[cc], je = cc == UINT32_MAX ? 0 : cur.first[cc + 1];
  while (i < ie || j < je) {
    if (j == je || (i < ie && base.id[i] < cur.id[j])) {
      ++d->deleted;
      d->freed_size += base.self_size[i++];
    } else if (i == ie || cur.id[j] < base.id[i]) {
      ++d->added;
      d->alloc_size += cur.self_size[j++];
    } else {
      ++*matched;
      ++i, ++j;
    }
  }
  d->delta = static_cast<int64_t>(d->added) - static_cast<int64_t>(d->deleted);
  d->size_delta = static_cast<int64_t>(d->alloc_size) - static_cast<int64_t>(d->freed_size);
  d->base_retained = bc == UINT32_MAX ? 0 : base.retained[bc];
  d->current_retained = cc == UINT32_MAX ? 0 : cur.retained[cc];
  d->retained_delta = static_cast<int64_t>(d->current_retained) - static_cast<int64_t>(d->base_retained);
}

}  // namespace

Result<SnapshotDiff> DiffSnapshots(const ClassMembers& base, const ClassMembers& current) {
  if (Status same = CheckSameProcess(base.ids, current.ids); !same.ok())
    return Status::Error(same.message() + "; a comparison needs snapshots of one process");

  std::unordered_map<std::string_view, uint32_t> current_class;
  for (uint32_t c = 0; c < current.key.size(); ++c) current_class.emplace(current.key[c], c);
  SnapshotDiff out;
  std::vector<bool> seen(current.key.size(), false);
  auto add = [&](uint32_t bc, uint32_t cc) {
    ClassDiff d;
    d.name = cc != UINT32_MAX ? current.name[cc] : base.name[bc];
    DiffClass(base, bc, current, cc, &d, &out.matched);
    if (d.added || d.deleted || d.retained_delta) out.classes.push_back(std::move(d));
  };
  for (uint32_t bc = 0; bc < base.key.size(); ++bc) {
    auto it = current_class.find(base.key[bc]);
    uint32_t cc = it == current_class.end() ? UINT32_MAX : it->second;
    if (cc != UINT32_MAX) seen[cc] = true;
    if (base.first[bc] == base.first[bc + 1] && (cc == UINT32_MAX || current.first[cc] == current.first[cc + 1]))
      continue;
    add(bc, cc);
  }
  for (uint32_t cc = 0; cc < current.key.size(); ++cc)
    if (!seen[cc] && current.first[cc] != current.first[cc + 1]) add(UINT32_MAX, cc);
  if (out.matched == 0)
    return Status::Error(
        "no object of the base snapshot survives in the other (no V8 object id in common): they do not come from "
        "one process");
  std::sort(out.classes.begin(), out.classes.end(), [](const ClassDiff& x, const ClassDiff& y) {
    if (x.retained_delta != y.retained_delta) return x.retained_delta > y.retained_delta;
    if (x.size_delta != y.size_delta) return x.size_delta > y.size_delta;
    return x.name < y.name;
  });
  return out;
}

}  // namespace oomkit::heap
