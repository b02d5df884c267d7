#include "heap/suspects.h"

#include <algorithm>
#include <functional>
#include <map>

#include <fmt/format.h>

#include "common/format.h"

namespace oomkit::heap {
namespace {

constexpr uint64_t kMinEntries = 1000;
constexpr uint32_t kTimersKey = 0;  // CollectionSizes: the number of Timeouts (ids are odd, never 0)

class Reader {
 public:
  explicit Reader(const Snapshot& s) : s_(s), L_(s.layout) {}
  bool IsObject(uint32_t n, std::string_view name) const {
    return s_.node_type[n] == L_.object && s_.node_name_str(n) == name;
  }
  // The target of n's edge called `name`, or UINT32_MAX.
  uint32_t Edge(uint32_t n, std::string_view name) const {
    for (uint32_t e = s_.first_edge[n]; e < s_.first_edge[n + 1]; ++e)
      if (s_.edge_has_string_name(e) && s_.strings[s_.edge_name(e)] == name) return s_.edge_to[e];
    return UINT32_MAX;
  }
  uint32_t EdgesOf(uint32_t n) const { return s_.first_edge[n + 1] - s_.first_edge[n]; }
  uint32_t ElementEdges(uint32_t n) const {
    uint32_t c = 0;
    for (uint32_t e = s_.first_edge[n]; e < s_.first_edge[n + 1]; ++e) c += s_.edge_type(e) == L_.element;
    return c;
  }
  uint32_t PropertyEdges(uint32_t n) const {
    uint32_t c = 0;
    for (uint32_t e = s_.first_edge[n]; e < s_.first_edge[n + 1]; ++e)
      c += s_.edge_type(e) == L_.property && s_.strings[s_.edge_name(e)] != "__proto__";
    return c;
  }

  // A collection's entries and what they point at.
  struct Collection {
    const char* kind = nullptr;  // "Map", "Set", "Array", "Object"
    uint64_t entries = 0;
    uint32_t entries_holder = UINT32_MAX;  // the node whose edges are the entries
  };
  Collection AsCollection(uint32_t n) const {
    Collection c;
    if (s_.node_type[n] != L_.object) return c;
    std::string_view name = s_.node_name_str(n);
    if (name == "Map" || name == "Set") {
      uint32_t table = Edge(n, "table");
      if (table == UINT32_MAX) return c;
      c.kind = name == "Map" ? "Map" : "Set";
      // The hash table holds key and value per Map entry, the key per Set
      // entry (numbers stored inline have no edge: a lower bound then).
      c.entries = name == "Map" ? EdgesOf(table) / 2 : EdgesOf(table);
      c.entries_holder = table;
    } else if (name == "Array") {
      c.kind = "Array";
      c.entries = ElementEdges(n);
      c.entries_holder = n;
    } else if (name == "Object") {
      uint32_t props = PropertyEdges(n);
      if (props < kMinEntries) return c;
      c.kind = "Object";
      c.entries = props;
      c.entries_holder = n;
    }
    return c;
  }
  // Share of the entries' targets that satisfy `test`.
  double Share(uint32_t holder, const std::function<bool(uint32_t)>& test) const {
    uint64_t yes = 0, all = 0;
    for (uint32_t e = s_.first_edge[holder]; e < s_.first_edge[holder + 1]; ++e) {
      int t = s_.edge_type(e);
      if (t != L_.element && t != L_.internal && t != L_.property && t != L_.hidden_edge) continue;
      if (t == L_.internal && s_.edge_has_string_name(e)) {
        std::string_view name = s_.strings[s_.edge_name(e)];
        if (name.empty() || name.front() < '0' || name.front() > '9') continue;  // map, elements, ...
      }
      if (t == L_.property && s_.strings[s_.edge_name(e)] == "__proto__") continue;
      ++all;
      yes += test(s_.edge_to[e]);
    }
    return all ? static_cast<double>(yes) / static_cast<double>(all) : 0;
  }
  bool IsString(uint32_t n) const {
    int t = s_.node_type[n];
    return t == L_.string || t == L_.cons_string || t == L_.sliced_string;
  }

 private:
  const Snapshot& s_;
  const SnapshotLayout& L_;
};

}  // namespace

std::unordered_map<uint32_t, uint64_t> CollectionSizes(const Snapshot& s) {
  Reader r(s);
  std::unordered_map<uint32_t, uint64_t> sizes;
  uint64_t timers = 0;
  for (uint32_t n = 0; n < s.node_count; ++n) {
    if (r.IsObject(n, "Timeout")) ++timers;
    auto c = r.AsCollection(n);
    if (c.kind && c.entries >= 10) sizes[s.node_id[n]] = c.entries;
  }
  sizes[kTimersKey] = timers;
  return sizes;
}

std::vector<Suspect> FindSuspects(const Snapshot& s, const Analysis& a,
                                  const std::unordered_map<uint32_t, uint64_t>* baseline) {
  const SnapshotLayout& L = s.layout;
  Reader r(s);
  const uint64_t total = std::max<uint64_t>(a.total_size, 1);
  auto share = [&](uint64_t bytes) { return 100.0 * static_cast<double>(bytes) / static_cast<double>(total); };
  auto class_of = [&](uint32_t n) { return std::string(s.strings[a.classes[a.class_of[n]].name]); };
  // With a baseline: how much the object's entries grew (false: it did not
  // grow, so it is not a suspect).
  auto growth = [&](Suspect* x, uint32_t id, uint64_t now) {
    if (!baseline) return true;
    auto it = baseline->find(id);
    uint64_t before = it == baseline->end() ? 0 : it->second;
    x->has_growth = true;
    x->growth = static_cast<int64_t>(now) - static_cast<int64_t>(before);
    return x->growth > 0;
  };
  std::vector<Suspect> out;

  // Listener lists first: their arrays are not reported again as
  // collections. Emitters of one class with the same event are one suspect
  // (64 rooms with 369 'tick' listeners each).
  std::vector<bool> listener_array(s.node_count, false);
  struct Listeners {
    uint64_t emitters = 0, listeners = 0, retained = 0, largest_count = 0;
    uint32_t largest = UINT32_MAX, largest_emitter = UINT32_MAX;
    int64_t growth = 0;
    bool grew = false;
  };
  std::map<std::pair<std::string, std::string>, Listeners> by_event;
  for (uint32_t n = 0; n < s.node_count; ++n) {
    if (s.node_type[n] != L.object) continue;
    uint32_t events = r.Edge(n, "_events");
    if (events == UINT32_MAX) continue;
    for (uint32_t e = s.first_edge[events]; e < s.first_edge[events + 1]; ++e) {
      if (s.edge_type(e) != L.property) continue;
      uint32_t list = s.edge_to[e];
      if (!r.IsObject(list, "Array")) continue;
      listener_array[list] = true;
      uint64_t count = r.ElementEdges(list);
      if (count <= 10) continue;
      Listeners& l = by_event[{class_of(n), std::string(s.strings[s.edge_name(e)])}];
      ++l.emitters;
      l.listeners += count;
      l.retained += a.tree.retained_size[list];
      if (count > l.largest_count) l.largest_count = count, l.largest = list, l.largest_emitter = n;
      Suspect probe;
      if (growth(&probe, s.node_id[list], count)) l.grew = true;
      l.growth += probe.growth;
    }
  }
  for (const auto& [key, l] : by_event) {
    if (l.listeners < 100 && share(l.retained) < 1) continue;
    if (baseline && !l.grew) continue;
    Suspect x;
    x.kind = "listeners";
    const auto& [cls, event] = key;
    x.what = l.emitters == 1
                 ? fmt::format("{} listeners for '{}' on {} @{}", Thousands(l.listeners), event, cls, s.node_id[l.largest_emitter])
                 : fmt::format("{} {} emitters with {} listeners for '{}' (up to {} on one)", Thousands(l.emitters), cls,
                               Thousands(l.listeners), event, Thousands(l.largest_count));
    x.why = fmt::format("Node warns past 10 listeners per event (MaxListenersExceededWarning); these retain {}",
                        HumanSize(l.retained));
    x.fix = "add the listener once, outside the per-request path (emitter.once), or remove it when done "
            "(emitter.off(event, fn))";
    x.node = l.largest;
    x.class_name = cls;
    x.retained_size = l.retained;
    x.count = l.listeners;
    x.has_growth = baseline != nullptr;
    x.growth = l.growth;
    out.push_back(std::move(x));
  }

  // Collections, and what they hold.
  for (uint32_t n = 0; n < s.node_count; ++n) {
    if (listener_array[n]) continue;
    auto c = r.AsCollection(n);
    if (!c.kind || c.entries < kMinEntries) continue;
    uint64_t retained = a.tree.retained_size[n];
    double promises = r.Share(c.entries_holder, [&](uint32_t t) { return r.IsObject(t, "Promise"); });
    const bool of_promises = promises >= (std::string_view(c.kind) == "Map" ? 0.4 : 0.5);
    // A thousand promises kept is suspicious at any size: settled promises
    // are small, pending ones hold their reactions.
    if (share(retained) < 1 && !of_promises) continue;
    Suspect x;
    x.node = n;
    x.class_name = class_of(n);
    x.retained_size = retained;
    x.count = c.entries;
    double strings = r.Share(c.entries_holder, [&](uint32_t t) { return r.IsString(t); });
    if (of_promises) {
      x.kind = "promises";
      x.what = fmt::format("{} @{} holding {} promises", c.kind, s.node_id[n], Thousands(c.entries));
      x.why = fmt::format("promises are added and never removed; they and their reactions retain {} ({:.1f} % of the heap)",
                          HumanSize(retained), share(retained));
      x.fix = "delete each promise once settled: p.finally(() => set.delete(p)); give pending ones a timeout";
    } else if (std::string_view(c.kind) == "Array" && strings >= 0.8) {
      x.kind = "log-array";
      x.what = fmt::format("Array @{} of {} strings", s.node_id[n], Thousands(c.entries));
      x.why = fmt::format("an ever-growing list of strings (a log or history kept in memory) retains {} ({:.1f} % of the heap)",
                          HumanSize(retained), share(retained));
      x.fix = "don't keep logs in memory: write them to a stream, or keep a fixed-size ring buffer";
    } else {
      x.kind = "collection";
      x.what = fmt::format("{} @{} with {} entries", c.kind == std::string_view("Object") ? "Object used as a dictionary" : c.kind,
                           s.node_id[n], Thousands(c.entries));
      x.why = fmt::format("a collection this large retains {} ({:.1f} % of the heap); nothing bounds its size",
                          HumanSize(retained), share(retained));
      x.fix = "bound it: an LRU with a maximum size (e.g. lru-cache's max), or delete entries when their request ends";
    }
    if (growth(&x, s.node_id[n], c.entries)) out.push_back(std::move(x));
  }

  // Timers never cleared.
  {
    uint64_t timers = 0, intervals = 0, retained = 0;
    std::map<std::string, uint64_t> callbacks;
    uint32_t biggest = UINT32_MAX;
    for (uint32_t n = 0; n < s.node_count; ++n) {
      if (!r.IsObject(n, "Timeout")) continue;
      ++timers;
      retained += a.tree.retained_size[n];
      uint32_t repeat = r.Edge(n, "_repeat");
      // setTimeout leaves _repeat null (an oddball); setInterval stores its
      // period, a number.
      if (repeat == UINT32_MAX || s.node_type[repeat] == L.number) ++intervals;
      uint32_t cb = r.Edge(n, "_onTimeout");
      if (cb != UINT32_MAX && s.node_type[cb] == L.closure) {
        std::string_view fn = s.node_name_str(cb);
        ++callbacks[fn.empty() ? "(anonymous)" : std::string(fn)];
      }
      if (biggest == UINT32_MAX || a.tree.retained_size[n] > a.tree.retained_size[biggest]) biggest = n;
    }
    if (timers >= 500) {
      Suspect x;
      x.kind = "timers";
      std::string top;
      for (const auto& [fn, count] : callbacks)
        if (top.empty() || count > callbacks[top]) top = fn;
      x.what = fmt::format("{} live timers ({} intervals), mostly calling {}", Thousands(timers), Thousands(intervals), top);
      x.why = "timers that are never cleared keep their callbacks and everything those close over";
      x.fix = "clearInterval/clearTimeout when the owner goes away (unref() does not free them)";
      x.node = biggest;
      x.class_name = "Timeout";
      x.retained_size = retained;
      x.count = timers;
      if (growth(&x, kTimersKey, timers)) out.push_back(std::move(x));
    }
  }

  // Closures whose contexts own big values.
  {
    struct Group {
      uint64_t closures = 0, retained = 0;
      uint32_t example = UINT32_MAX;
      uint64_t example_size = 0;
    };
    std::map<std::pair<std::string, std::string>, Group> groups;
    std::vector<bool> seen_context(s.node_count, false);
    const uint64_t min_value = 1024;
    for (uint32_t n = 0; n < s.node_count; ++n) {
      if (s.node_type[n] != L.closure) continue;
      uint32_t ctx = r.Edge(n, "context");
      if (ctx == UINT32_MAX || seen_context[ctx]) continue;
      seen_context[ctx] = true;
      for (uint32_t e = s.first_edge[ctx]; e < s.first_edge[ctx + 1]; ++e) {
        int t = s.edge_type(e);
        if (t != L.context && t != L.hidden_edge) continue;
        uint32_t v = s.edge_to[e];
        if (a.tree.dominator[v] != ctx || a.tree.retained_size[v] < min_value) continue;
        std::string variable = s.edge_has_string_name(e) ? std::string(s.strings[s.edge_name(e)])
                                                         : fmt::format("context slot {}", s.edge_name(e));
        std::string fn(s.node_name_str(n));
        Group& g = groups[{fn.empty() ? "(anonymous)" : fn, variable}];
        ++g.closures;
        g.retained += a.tree.retained_size[v];
        if (g.example == UINT32_MAX || a.tree.retained_size[v] > g.example_size) g.example = v, g.example_size = a.tree.retained_size[v];
      }
    }
    for (const auto& [key, g] : groups) {
      if (g.closures < 10 || g.retained < 1000000 || share(g.retained) < 1) continue;
      Suspect x;
      x.kind = "closure-context";
      x.what = fmt::format("{} closures {}() each keeping {} ({} alive through their contexts)", Thousands(g.closures),
                           key.first, key.second, HumanSize(g.retained));
      x.why = fmt::format("each closure's context owns a {} value ({:.1f} % of the heap together)",
                          class_of(g.example), share(g.retained));
      x.fix = "don't capture the big value: copy what the function needs into a local, or set the variable to null "
              "when done";
      x.node = g.example;
      x.class_name = class_of(g.example);
      x.retained_size = g.retained;
      x.count = g.closures;
      out.push_back(std::move(x));
    }
  }

  // Duplicated strings.
  {
    struct Copies {
      uint64_t count = 0, bytes = 0;
      uint32_t example = 0;
    };
    std::unordered_map<std::string_view, Copies> by_value;
    for (uint32_t n = 0; n < s.node_count; ++n) {
      if (s.node_type[n] != L.string || a.self_size[n] < 64) continue;
      Copies& c = by_value[s.node_name_str(n)];
      ++c.count;
      c.bytes += a.self_size[n];
      c.example = n;
    }
    for (const auto& [value, c] : by_value) {
      if (c.count < 2) continue;
      uint64_t wasted = c.bytes - c.bytes / c.count;
      if (wasted < 1000000 || share(wasted) < 2) continue;
      Suspect x;
      x.kind = "duplicate-strings";
      x.what = fmt::format("{} copies of one {}-byte string", Thousands(c.count), c.bytes / c.count);
      x.why = fmt::format("the same value stored {} times wastes {} ({:.1f} % of the heap)", Thousands(c.count),
                          HumanSize(wasted), share(wasted));
      x.fix = "keep one copy: look values up in a Map of canonical strings, or keep them out of the heap";
      x.node = c.example;
      x.class_name = "(string)";
      x.retained_size = wasted;
      x.count = c.count;
      out.push_back(std::move(x));
    }
  }

  // Ever-growing strings: `log += line` builds one concatenated string that
  // keeps every part (a cons-string tree); a flat string can grow the same way
  // when it is rebuilt each time.
  for (uint32_t n = 0; n < s.node_count; ++n) {
    if (!r.IsString(n)) continue;
    uint64_t retained = a.tree.retained_size[n];
    if (retained < 1000000 || share(retained) < 1) continue;
    // Only the top of a tree: a part of a bigger string is not reported again.
    uint32_t dom = a.tree.dominator[n];
    if (dom != n && r.IsString(dom)) continue;
    Suspect x;
    x.kind = "big-string";
    const bool concatenated = s.node_type[n] == L.cons_string;
    x.what = fmt::format("one {}string of {}", concatenated ? "concatenated " : "", HumanSize(retained));
    x.why = concatenated ? fmt::format("a string grown by += keeps every piece it was built from ({:.1f} % of the heap)", share(retained))
                         : fmt::format("a single string this large ({:.1f} % of the heap) is usually a buffer or log kept whole", share(retained));
    x.fix = "don't grow one string: push the parts to a bounded array and join when needed, or write them to a stream";
    x.node = n;
    x.class_name = class_of(n);
    x.retained_size = retained;
    x.count = 1;
    out.push_back(std::move(x));
  }

  // External memory: ArrayBuffer backing stores.
  {
    uint64_t bytes = 0, stores = 0;
    uint32_t biggest = UINT32_MAX;
    for (uint32_t n = 0; n < s.node_count; ++n) {
      if (s.node_type[n] != L.native || s.node_name_str(n) != "system / JSArrayBufferData") continue;
      bytes += a.self_size[n];
      ++stores;
      if (biggest == UINT32_MAX || a.self_size[n] > a.self_size[biggest]) biggest = n;
    }
    if (bytes >= 8000000 && share(bytes) >= 25) {
      Suspect x;
      x.kind = "external-memory";
      x.what = fmt::format("{} in {} ArrayBuffer/Buffer backing stores", HumanSize(bytes), Thousands(stores));
      x.why = fmt::format("buffers hold {:.1f} % of the heap outside V8's JS objects; the largest is {}",
                          share(bytes), HumanSize(a.self_size[biggest]));
      x.fix = "stream instead of buffering whole payloads; copy small slices (Buffer.from(slice)) so large backing "
              "stores can be freed";
      x.node = biggest;
      x.class_name = "system / JSArrayBufferData";
      x.retained_size = bytes;
      x.count = stores;
      out.push_back(std::move(x));
    }
  }

  // Large backing stores each kept by a single view. V8 does not record a
  // view's length, so a 16-byte slice of a 1 MB Buffer looks like the whole
  // Buffer: many big stores held by one view each is the pattern worth a
  // look (Buffer.subarray/slice keep the whole parent alive).
  {
    std::unordered_map<uint32_t, uint32_t> views;  // ArrayBuffer -> views
    for (uint32_t n = 0; n < s.node_count; ++n) {
      if (s.node_type[n] != L.object) continue;
      uint32_t ab = r.Edge(n, "buffer");
      if (ab != UINT32_MAX && r.IsObject(ab, "ArrayBuffer")) ++views[ab];
    }
    uint64_t pinned = 0, count = 0;
    uint32_t example = UINT32_MAX;
    for (const auto& [ab, v] : views) {
      if (v != 1) continue;
      uint32_t store = r.Edge(ab, "backing_store");
      if (store == UINT32_MAX || a.self_size[store] < 65536) continue;
      pinned += a.self_size[store];
      ++count;
      if (example == UINT32_MAX || a.self_size[store] > a.self_size[example]) example = store;
    }
    if (count >= 10 && pinned >= std::max<uint64_t>(4000000, total / 20)) {
      Suspect x;
      x.kind = "buffer-slices";
      x.what = fmt::format("{} backing stores of >= 64 kB ({} in all), each kept by a single Buffer or typed-array view",
                           Thousands(count), HumanSize(pinned));
      x.why = "a small slice (subarray/slice) keeps its whole parent buffer alive, and a snapshot cannot tell a "
              "slice from the whole buffer: check whether these views are slices";
      x.fix = "copy the part you keep (Buffer.from(buf.subarray(a, b))) so the large buffer can be freed";
      x.node = example;
      x.class_name = "system / JSArrayBufferData";
      x.retained_size = pinned;
      x.count = count;
      out.push_back(std::move(x));
    }
  }

  // Big retainers and their accumulation points.
  {
    auto container = [&](uint32_t n) {
      int t = s.node_type[n];
      if (n == s.root || t == L.synthetic || t == L.hidden) return true;
      std::string_view name = s.node_name_str(n);
      std::string cls = class_of(n);
      return cls == "global" || cls == "Window" || name.starts_with("system / NativeContext") ||
             name == "system / Context";
    };
    std::vector<uint32_t> stack{s.root};
    while (!stack.empty()) {
      uint32_t n = stack.back();
      stack.pop_back();
      if (share(a.tree.retained_size[n]) < 10) continue;
      if (container(n)) {
        for (uint32_t k = a.tree.first_child[n]; k < a.tree.first_child[n + 1]; ++k) stack.push_back(a.tree.children[k]);
        continue;
      }
      uint32_t acc = n;
      while (true) {
        uint32_t best = UINT32_MAX;
        for (uint32_t k = a.tree.first_child[acc]; k < a.tree.first_child[acc + 1]; ++k) {
          uint32_t c = a.tree.children[k];
          if (best == UINT32_MAX || a.tree.retained_size[c] > a.tree.retained_size[best]) best = c;
        }
        if (best == UINT32_MAX || a.tree.retained_size[best] * 5 < a.tree.retained_size[acc] * 4) break;
        acc = best;
      }
      Suspect x;
      x.kind = "big-retainer";
      uint64_t children = a.tree.first_child[acc + 1] - a.tree.first_child[acc];
      x.what = fmt::format("{} @{} retains {:.1f} % of the heap", class_of(n), s.node_id[n], share(a.tree.retained_size[n]));
      x.why = acc == n ? fmt::format("its size spreads over {} objects it holds directly", Thousands(children))
                       : fmt::format("it accumulates in {} @{}, over {} objects it holds", class_of(acc), s.node_id[acc],
                                     Thousands(children));
      x.node = n;
      x.accumulation = acc;
      x.class_name = class_of(n);
      x.retained_size = a.tree.retained_size[n];
      x.count = children;
      out.push_back(std::move(x));
    }
  }

  // Classes retaining >= 10 %: the Summary's rows, V8's own classes aside.
  {
    std::vector<uint64_t> retained(a.classes.size(), 0), count(a.classes.size(), 0);
    std::vector<uint32_t> largest(a.classes.size(), UINT32_MAX);
    std::vector<uint32_t> on_path(a.classes.size(), 0);
    // Per class, without double counting: only objects with no object of the
    // same class above them in the dominator tree.
    std::vector<std::pair<uint32_t, bool>> walk{{s.root, false}};
    while (!walk.empty()) {
      auto [n, leave] = walk.back();
      walk.pop_back();
      uint32_t c = a.class_of[n];
      if (leave) {
        --on_path[c];
        continue;
      }
      if (a.self_size[n] != 0) {
        ++count[c];
        if (on_path[c] == 0) {
          retained[c] += a.tree.retained_size[n];
          if (largest[c] == UINT32_MAX || a.tree.retained_size[n] > a.tree.retained_size[largest[c]]) largest[c] = n;
        }
        ++on_path[c];
        walk.push_back({n, true});
      }
      for (uint32_t k = a.tree.first_child[n]; k < a.tree.first_child[n + 1]; ++k) walk.push_back({a.tree.children[k], false});
    }
    for (size_t c = 0; c < a.classes.size(); ++c) {
      std::string name(s.strings[a.classes[c].name]);
      if (share(retained[c]) < 10 || name.starts_with("(") || name.starts_with("system /") || name == "global" ||
          name == "Window" || largest[c] == UINT32_MAX)
        continue;
      Suspect x;
      x.kind = "class-share";
      x.what = fmt::format("{} objects of class {} retain {:.1f} % of the heap", Thousands(count[c]), name, share(retained[c]));
      x.why = "one class holding this much is where to look first";
      x.node = largest[c];
      x.class_name = name;
      x.retained_size = retained[c];
      x.count = count[c];
      out.push_back(std::move(x));
    }
  }

  std::stable_sort(out.begin(), out.end(), [](const Suspect& x, const Suspect& y) {
    if (x.fix.empty() != y.fix.empty()) return !x.fix.empty();
    return x.retained_size > y.retained_size;
  });
  return out;
}

}  // namespace oomkit::heap
