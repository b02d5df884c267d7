#include "heap/analysis.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <utility>
#include <tuple>
#include <unordered_map>

#include "common/cpu_time.h"
#include "common/page_pool.h"
#include "common/parallel.h"
#include "common/peak_memory.h"
#include "heap/class_names.h"
#include "heap/distances.h"
#include "heap/dom_state.h"
#include "heap/shallow_sizes.h"

namespace oomkit::heap {
namespace {

// Dense class ids: one per distinct class name text, or per (location, name)
// for objects with a constructor location, numbered in the order the nodes
// first show them.
//
// Each thread numbers the classes of a range of nodes in the order it meets
// them; the ranges' lists, joined in node order, give every class the id
// one thread would have given it, so that the ids (and the order of rows
// that tie) do not depend on the thread count. 15 -> 9 ms on the 205 MB
// bench file, 46-61 -> 26 ms on the 1 GB one. Two ranges at most: each holds
// 4 B per string, which at eight would pass the dominators' peak.
void AssignClasses(const Snapshot& s, const ClassNames& names, NodeArrays& arrays, int threads,
                   Analysis* a) {
  struct Found {  // a class as a range first meets it
    std::string_view text;
    uint32_t name;  // the string index its first node names it by
    bool has_location;
    uint32_t script_id, line, column;
  };
  using LocationKey = std::tuple<uint32_t, uint32_t, uint32_t, std::string_view>;
  struct Range {
    uint32_t begin, end;
    std::vector<Found> found;
  };
  const size_t parts = static_cast<size_t>(std::clamp(threads, 1, 2));
  std::vector<Range> ranges(parts);
  a->class_of = arrays.Take();
  ParallelFor(parts, static_cast<int>(parts), [&](size_t t) {
    Range& r = ranges[t];
    r.begin = static_cast<uint32_t>(t * s.node_count / parts);
    r.end = static_cast<uint32_t>((t + 1) * s.node_count / parts);
    // Per string index, the range's class for nodes without a location
    // (4 B per string); two indexes with one text share it.
    PodArray<uint32_t> class_of_name(s.strings.size(), UINT32_MAX);
    std::unordered_map<std::string_view, uint32_t> by_text;
    std::map<LocationKey, uint32_t> by_location;
    auto add = [&](Found f) {
      r.found.push_back(f);
      return static_cast<uint32_t>(r.found.size() - 1);
    };
    // Locations are in node order (the reader sorts them): they are read in
    // step with the nodes, and of two for one node the last in the file
    // wins, as in DevTools' map. (A node-sized array of location numbers
    // cost 52 MB of fresh pages on a 1 GB snapshot, 0.1 s here.)
    size_t next_location = static_cast<size_t>(
        std::lower_bound(s.locations.begin(), s.locations.end(), r.begin,
                         [](const Snapshot::Location& l, uint32_t n) { return l.node < n; }) -
        s.locations.begin());
    for (uint32_t n = r.begin; n < r.end; ++n) {
      const uint32_t idx = names.StringIndex(n);
      const Snapshot::Location* loc = nullptr;
      for (; next_location < s.locations.size() && s.locations[next_location].node <= n; ++next_location)
        if (s.locations[next_location].node == n) loc = &s.locations[next_location];
      if (loc && s.node_type[n] == s.layout.object) {
        const std::string_view text = s.strings[idx];
        auto [it, inserted] = by_location.emplace(LocationKey{loc->script_id, loc->line, loc->column, text}, 0);
        if (inserted) it->second = add({text, idx, true, loc->script_id, loc->line, loc->column});
        a->class_of[n] = it->second;
        continue;
      }
      uint32_t& id = class_of_name[idx];
      if (id == UINT32_MAX) {
        const std::string_view text = s.strings[idx];
        auto [it, inserted] = by_text.emplace(text, 0);
        if (inserted) it->second = add({text, idx, false, 0, 0, 0});
        id = it->second;
      }
      a->class_of[n] = id;
    }
  });
  // The ranges' classes in node order: a class keeps the id of the range
  // that met it first, and the name that range's first node gave it.
  std::unordered_map<std::string_view, uint32_t> by_text;
  std::map<LocationKey, uint32_t> by_location;
  std::vector<std::vector<uint32_t>> to_global(parts);
  for (size_t t = 0; t < parts; ++t)
    for (const Found& f : ranges[t].found) {
      const uint32_t next = static_cast<uint32_t>(a->classes.size());
      const uint32_t id = f.has_location
                              ? by_location.emplace(LocationKey{f.script_id, f.line, f.column, f.text}, next).first->second
                              : by_text.emplace(f.text, next).first->second;
      if (id == next) a->classes.push_back({f.name, f.has_location, f.script_id, f.line, f.column});
      to_global[t].push_back(id);
    }
  // The first range's ids are already the joined ones.
  for (size_t t = 1; t < parts; ++t)
    for (uint32_t n = ranges[t].begin; n < ranges[t].end; ++n) a->class_of[n] = to_global[t][a->class_of[n]];
}

// The Statistics' kinds of node.
class StatisticsKinds {
 public:
  enum Kind : uint8_t { kOther, kSystem, kNative, kCode, kString, kJsArray };
  // Names as string indexes: a pass over every node then reads no string.
  explicit StatisticsKinds(const Snapshot& s) : s_(s), array_names_(s.strings.IndexesOf("Array")) {
    const SnapshotLayout& L = s.layout;
    by_type_.fill(kOther);
    auto set = [&](int type, Kind kind) {
      if (type >= 0 && type < 256) by_type_[static_cast<size_t>(type)] = kind;
    };
    set(L.hidden, kSystem);
    set(L.native, kNative);
    set(L.code, kCode);
    for (int type : {L.string, L.cons_string, L.sliced_string}) set(type, kString);
  }
  Kind operator()(uint32_t n) const {
    const Kind kind = by_type_[s_.node_type[n]];
    return kind == kOther && array_names_.contains(s_.node_name[n]) ? kJsArray : kind;
  }

 private:
  const Snapshot& s_;
  std::array<Kind, 256> by_type_;  // the kind of each node type, kOther for those an Array's name decides
  StringTable::Indexes array_names_;
};

// (array, its elements store) for every JS array that has one, in node
// order: the target of its first internal edge named "elements". Read from
// the edge words, before the Summary frees them.
std::vector<std::pair<uint32_t, uint32_t>> FindArrayElements(const Snapshot& s, const StatisticsKinds& kind_of) {
  const auto elements_names = s.strings.IndexesOf("elements");
  const int internal = s.layout.internal;
  std::vector<std::pair<uint32_t, uint32_t>> out;
  for (uint32_t n = 0; n < s.node_count; ++n) {
    if (kind_of(n) != StatisticsKinds::kJsArray) continue;
    for (uint32_t e = s.first_edge[n]; e < s.first_edge[n + 1]; ++e)
      if (s.edge_type(e) == internal && elements_names.contains(s.edge_name(e))) {
        out.push_back({n, s.edge_to[e]});
        break;
      }
  }
  return out;
}

// `elements`: FindArrayElements(s, kind_of); the edge words are not read.
Statistics ComputeStatistics(const Snapshot& s, const Analysis& a, const StatisticsKinds& kind_of,
                             const std::vector<std::pair<uint32_t, uint32_t>>& elements) {
  const auto buffer_data_names = s.strings.IndexesOf("system / JSArrayBufferData");
  // An Array's elements store counts with the Array when nothing else holds
  // it: one retainer, weak ones included, as DevTools counts.
  BitVector store(s.node_count);
  for (const auto& [array, el] : elements) store.Set(el);
  PodArray<uint8_t> retainers(s.node_count, 0);  // saturates at 2
  for (uint64_t e = 0; e < s.edge_count; ++e) {
    uint32_t to = s.edge_to[e];
    if (store.Get(to) && retainers[to] < 2) ++retainers[to];
  }
  Statistics st;  // total and v8heap need the retained sizes: set by the caller
  st.native = s.extra_native_bytes;
  auto next_array = elements.begin();
  for (uint32_t n = 0; n < s.node_count; ++n) {
    uint64_t size = a.self_size[n];
    switch (kind_of(n)) {
      case StatisticsKinds::kSystem: st.system += size; break;
      case StatisticsKinds::kNative:
        st.native += size;
        if (buffer_data_names.contains(s.node_name[n])) st.typed_arrays += size;
        break;
      case StatisticsKinds::kCode: st.code += size; break;
      case StatisticsKinds::kString: st.strings += size; break;
      case StatisticsKinds::kJsArray: {
        st.js_arrays += size;
        if (next_array != elements.end() && next_array->first == n) {
          const uint32_t el = (next_array++)->second;
          if (retainers[el] == 1) st.js_arrays += a.self_size[el];
        }
        break;
      }
      case StatisticsKinds::kOther: break;
    }
  }
  return st;
}

}  // namespace

Analysis Analyze(Snapshot* snap, const AnalysisOptions& options) {
  Snapshot& s = *snap;
  const int threads = options.threads > 0 ? options.threads : DefaultThreads();
  Analysis a;
  a.semantics = options.semantics;
  auto last = std::chrono::steady_clock::now();
  double last_cpu = ProcessCpuSeconds();
  // Each phase announces itself, so that a progress bar never shows a
  // finished phase while the next one runs.
  auto start = [&](const char* phase) { options.progress(phase, 0, 1); };
  auto lap = [&](const char* phase) {
    auto now = std::chrono::steady_clock::now();
    double cpu = ProcessCpuSeconds();
    a.timings.push_back(
        {phase, std::chrono::duration<double>(now - last).count(), cpu - last_cpu, PeakRssBytes(), CurrentRssBytes()});
    last = now;
    last_cpu = cpu;
  };
  start("detached objects");
  PropagateDetachedness(&s);
  lap("detached");
  start("retaining edges");
  NodeArrays arrays(s.node_count);
  a.self_size = std::move(s.node_self_size);
  const bool devtools = options.semantics == Semantics::kDevTools;
  a.weakmaps.emplace(s);
  const WeakMapNames& weakmaps = *a.weakmaps;
  RetainingEdges edges;
  // With the retaining edges, what the Summary's later steps read of the
  // edge words is read now, so that the words can go before the dominators'
  // peak: which edges the distances follow (2 bits/edge), each JS array's
  // elements store, and the plain objects' property lists. The four are
  // jobs of one thread each that the cores take in turn: each begins with
  // a serial step (finding its names' string indexes, clearing its bits),
  // which then overlaps with another's work. (One after the other, each on
  // both cores, they took 50 ms on the 205 MB bench file.)
  std::optional<DistanceEdges> distance_edges;
  std::optional<StatisticsKinds> kinds;  // one search of the strings for "Array", for both steps
  if (options.summary) kinds.emplace(s);
  std::vector<std::pair<uint32_t, uint32_t>> array_elements;
  PlainObjectShapes shapes;
  ParallelFor(options.summary ? 4 : 1, threads, [&](size_t job) {
    if (job == 0) edges.essential = EdgesPassingRules(s, options.semantics, weakmaps, 1);
    if (job == 1) distance_edges.emplace(s, options.semantics, weakmaps, 1);
    if (job == 2) shapes = FindPlainObjectShapes(s, 1);
    if (job == 3) array_elements = FindArrayElements(s, *kinds);
  });
  edges.page_rule = devtools;  // the DFS finds the page-owned set (dominators.h)
  if (options.release_ids) s.node_id.Release();
  lap("retaining edges");
  // The dominators read no names: let the string pages go until names are
  // needed again (they come back from the page cache).
  s.ReleaseStringPages();
  // The shallow-size re-attribution takes the second core during the DFS,
  // which reads no sizes. Distances and statistics read the graph's targets
  // and what was read of the edge words above: they take the second core
  // while the dominators' sequential steps run. The distances' queue holds
  // the frontier only, so they add 4 B/node (the result) to the dominators'
  // peak, the statistics 1 B/node. The plain objects' interfaces read the
  // shapes. The three are pieces that either core takes when free: the
  // dominators' core is often done first and takes the statistics or the
  // interfaces.
  const bool infer_interfaces = !options.interfaces_from && !options.interfaces;
  std::vector<InterfaceDefinition> inferred;
  std::atomic<int> next_piece{0};
  a.tree = ComputeDominators(
      s, std::move(edges), a.self_size, arrays, threads, options.progress,
      [&] { if (devtools) ReattributeShallowSizes(s, &a.self_size, arrays); },
      [&] {
        if (!options.summary) return;
        for (int piece; (piece = next_piece.fetch_add(1)) < 3;) {
          if (piece == 0) a.distance = ComputeDistances(s, *distance_edges);
          if (piece == 1) a.statistics = ComputeStatistics(s, a, *kinds, array_elements);  // 1 B/node
          if (piece == 2 && infer_interfaces) inferred = InferInterfaces(s, shapes);
        }
      },
      [&] {
        // The predecessor lists, 4 B per retaining edge, then take their pages.
        if (options.release_edge_words) {
          s.edge_word.Release();
          s.edge_name_overflow.clear();
        }
      });
  // What is left, names and classes, takes two node arrays at once (a class
  // name and a class per node) and maps indexed by string: idle arrays beyond
  // two go, and of the pages the dominators' freed arrays left in the pool,
  // three arrays' worth stay for them; the rest go back while names and
  // classes allocate from malloc. Emptying the pool here made them take 20 MB
  // of fresh pages on the 205 MB bench file; keeping two arrays' worth, 20 MB
  // on the 1 GB file.
  arrays.Keep(2);
  PagePool::Trim(3 * PagePool::BlockBytes(arrays.size() * sizeof(uint32_t)));
  lap("shallow+dominators+distances+statistics");
  a.total_size = a.tree.retained_size[s.root] + s.extra_native_bytes;
  if (!options.summary) return a;
  start("class names");
  const std::vector<InterfaceDefinition>* given =
      options.interfaces_from ? options.interfaces_from() : options.interfaces;
  a.interfaces = given ? *given : std::move(inferred);
  if (options.on_interfaces) options.on_interfaces(a.interfaces);
  ClassNames names = NameClasses(s, arrays, a.interfaces, shapes, threads);
  AddClassNames(&s, &names);
  lap("names");
  AssignClasses(s, names, arrays, threads, &a);
  arrays.Give(std::move(names.class_name));
  lap("classes");
  a.statistics.total = a.total_size;
  a.statistics.v8heap = a.statistics.total - a.statistics.native;
  return a;
}

}  // namespace oomkit::heap
