#include "heap/class_names.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "common/parallel.h"

namespace oomkit::heap {
namespace {

constexpr size_t kMaxInterfaceNameLength = 120;
constexpr size_t kMinInterfacePropertyCount = 1;
constexpr double kMinObjectsPerInterface = 2;
constexpr double kMinObjectProportion = 1000;

// Decodes one code point from UTF-8 at s[i], advancing i.
uint32_t NextCodePoint(std::string_view s, size_t& i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return s[i++], c;
  int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
  uint32_t cp = c & (len == 4 ? 0x07 : len == 3 ? 0x0F : 0x1F);
  ++i;
  for (int k = 1; k < len && i < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
  return cp;
}

// First UTF-16 unit of a code point; the second (for astral ones) is only
// reached when the first units are equal, and then code-point order agrees.
uint32_t FirstUnit(uint32_t cp) { return cp < 0x10000 ? cp : 0xD800 + ((cp - 0x10000) >> 10); }

struct Definition {
  std::string name;
  std::vector<std::string_view> properties;  // in object order
  uint32_t count = 0;
};

struct TrieNode {
  std::unordered_map<std::string_view, uint32_t> next;
  std::string_view greatest_next;
  bool has_next = false;
  int match = -1;  // definition index
};

// A plain object: type object, named "Object" (compared by string index, so
// that no string is read for the objects that are not plain).
class IsPlainObject {
 public:
  explicit IsPlainObject(const Snapshot& s) : s_(s), object_(s.strings.IndexesOf("Object")) {}
  bool operator()(uint32_t n) const { return s_.node_type[n] == s_.layout.object && object_.contains(s_.node_name[n]); }

 private:
  const Snapshot& s_;
  StringTable::Indexes object_;
};

}  // namespace

bool Utf16Less(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j] && static_cast<unsigned char>(a[i]) < 0x80) {
      ++i, ++j;
      continue;
    }
    uint32_t ca = NextCodePoint(a, i), cb = NextCodePoint(b, j);
    if (ca == cb) continue;
    uint32_t ua = FirstUnit(ca), ub = FirstUnit(cb);
    if (ua != ub) return ua < ub;
    return ca < cb;
  }
  return i == a.size() && j < b.size();
}

size_t Utf16Length(std::string_view s) {
  size_t units = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++units;
    if (c >= 0xF0) ++units;
  }
  return units;
}

std::string FormatPropertyName(std::string_view name) {
  if (name.find_first_of(",'\"{}") == std::string_view::npos) return std::string(name);
  std::string out(1, '"');
  for (unsigned char c : name) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) out += fmt::format("\\u{:04x}", c);
        else out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
  return out;
}

PlainObjectShapes FindPlainObjectShapes(const Snapshot& s, int threads) {
  const IsPlainObject is_plain(s);
  const int property = s.layout.property;
  // Each range numbers the lists it meets in node order, keyed by the list's
  // string indexes as bytes; the ranges' lists, joined in node order, give
  // each list the number one range would have given it.
  struct Part {
    std::vector<uint32_t> shape_of;
    std::vector<std::vector<uint32_t>> lists;
  };
  // Four ranges whatever the thread count: NameClasses names the plain
  // objects by these ranges, four tasks beside the other nodes' one (on the
  // 1 GB bench file the plain objects took 67 ms on one core beside 36).
  constexpr size_t parts = 4;
  std::vector<Part> found(parts);
  PlainObjectShapes out;
  out.ranges.resize(parts);
  ParallelFor(parts, threads, [&](size_t t) {
    Part& part = found[t];
    const uint32_t begin = static_cast<uint32_t>(t * s.node_count / parts);
    const uint32_t end = static_cast<uint32_t>((t + 1) * s.node_count / parts);
    out.ranges[t] = {begin, end, 0};
    std::unordered_map<std::string, uint32_t> known;
    std::string key;
    for (uint32_t n = begin; n < end; ++n) {
      if (!is_plain(n)) continue;
      key.clear();
      for (uint32_t e = s.first_edge[n]; e < s.first_edge[n + 1]; ++e)
        if (s.edge_type(e) == property) {
          const uint32_t name = s.edge_name(e);
          key.append(reinterpret_cast<const char*>(&name), sizeof name);
        }
      auto [it, inserted] = known.emplace(key, static_cast<uint32_t>(part.lists.size()));
      if (inserted) {
        std::vector<uint32_t>& list = part.lists.emplace_back(key.size() / sizeof(uint32_t));
        if (!key.empty()) std::memcpy(list.data(), key.data(), key.size());
      }
      part.shape_of.push_back(it->second);
    }
  });
  std::unordered_map<std::string_view, uint32_t> joined;  // views of the lists' bytes in `out.lists`
  for (size_t t = 0; t < parts; ++t) {
    Part& part = found[t];
    std::vector<uint32_t> to_joined(part.lists.size());
    for (size_t i = 0; i < part.lists.size(); ++i) {
      const std::string_view bytes(reinterpret_cast<const char*>(part.lists[i].data()),
                                   part.lists[i].size() * sizeof(uint32_t));
      auto it = joined.find(bytes);
      if (it == joined.end()) {
        out.lists.push_back(std::move(part.lists[i]));
        const std::vector<uint32_t>& kept = out.lists.back();
        // A vector's elements stay where they are when the vector moves.
        it = joined.emplace(std::string_view(reinterpret_cast<const char*>(kept.data()), bytes.size()),
                            static_cast<uint32_t>(out.lists.size() - 1)).first;
      }
      to_joined[i] = it->second;
    }
    out.ranges[t].first = out.shape_of.size();
    for (uint32_t local : part.shape_of) out.shape_of.push_back(to_joined[local]);
  }
  return out;
}

std::vector<InterfaceDefinition> InferInterfaces(const Snapshot& s, const PlainObjectShapes& shapes) {
  std::vector<Definition> candidates;
  std::unordered_map<std::string, uint32_t> by_name;
  const uint64_t plain_objects = shapes.shape_of.size();
  std::string name;
  std::vector<std::string_view> props;
  // Per list: its candidate's index, -1 for no property, or not looked at yet.
  constexpr int64_t kNotSeen = -2;
  std::vector<int64_t> candidate_of(shapes.lists.size(), kNotSeen);
  for (const uint32_t shape : shapes.shape_of) {
    int64_t& known = candidate_of[shape];
    if (known != kNotSeen) {
      if (known >= 0) ++candidates[static_cast<size_t>(known)].count;
      continue;
    }
    name.assign(1, '{');
    size_t name_units = 1;
    props.clear();
    for (const uint32_t index : shapes.lists[shape]) {
      std::string_view prop = s.strings[index];
      if (prop == "__proto__") continue;
      std::string formatted = FormatPropertyName(prop);
      size_t units = Utf16Length(formatted);
      if (name_units > kMinInterfacePropertyCount && name_units + units > kMaxInterfaceNameLength) break;
      if (name_units != 1) name += ", ", name_units += 2;
      name += formatted;
      name_units += units;
      props.push_back(prop);
    }
    if (props.empty()) {
      known = -1;
      continue;
    }
    name.push_back('}');
    auto [it, inserted] = by_name.emplace(name, static_cast<uint32_t>(candidates.size()));
    if (inserted) candidates.push_back({name, props, 0});
    ++candidates[it->second].count;
    known = it->second;
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Definition& a, const Definition& b) { return a.count > b.count; });
  const double min_count = std::max(kMinObjectsPerInterface, static_cast<double>(plain_objects) / kMinObjectProportion);
  size_t kept = 0;
  while (kept < candidates.size() && candidates[kept].count >= min_count) ++kept;
  candidates.resize(kept);
  std::vector<InterfaceDefinition> out;
  out.reserve(kept);
  for (const Definition& d : candidates)
    out.push_back({d.name, std::vector<std::string>(d.properties.begin(), d.properties.end())});
  return out;
}


void AddClassNames(Snapshot* s, ClassNames* names) {
  names->first_new = s->strings.size();
  for (const std::string& name : names->new_names) s->strings.Add(name);
}

ClassNames NameClasses(const Snapshot& s, NodeArrays& arrays, const std::vector<InterfaceDefinition>& definitions,
                       const PlainObjectShapes& shapes, int threads) {
  const SnapshotLayout& L = s.layout;
  ClassNames out;
  std::unordered_map<std::string, uint32_t> added;
  auto add = [&](const std::string& name) {
    auto it = added.find(name);
    if (it == added.end()) {
      it = added.emplace(name, static_cast<uint32_t>(out.new_names.size()) | ClassNames::kNew).first;
      out.new_names.push_back(name);
    }
    return it->second;
  };
  const uint32_t system_name = add("(system)");
  const uint32_t code_name = add("(compiled code)");
  const uint32_t function_name = add("Function");
  const uint32_t regexp_name = add("RegExp");
  std::vector<uint32_t> type_names(L.node_types.size());
  for (size_t t = 0; t < L.node_types.size(); ++t) type_names[t] = add(fmt::format("({})", L.node_types[t]));
  // Every definition's name up front (the unused ones cost a string each):
  // the plain objects are then named beside the others without sharing add().
  std::vector<uint32_t> definition_class(definitions.size());
  for (size_t d = 0; d < definitions.size(); ++d) definition_class[d] = add(definitions[d].name);

  PodArray<uint32_t> cls = arrays.Take();
  const IsPlainObject is_plain(s);
  const bool by_interface = !definitions.empty();
  // Everything but the plain objects when there are interfaces to match.
  auto name_others = [&] {
    // The class of an object or native node depends on its name alone: each
    // distinct name is looked at once (a few hundred thousand strings instead
    // of a string read per node, at random places in the file).
    PodArray<uint32_t> class_of_name(s.strings.size(), UINT32_MAX);
    for (uint32_t n = 0; n < s.node_count; ++n) {
      int t = s.node_type[n];
      if (t == L.hidden) {
        cls[n] = system_name;
      } else if (t == L.object || t == L.native) {
        if (by_interface && is_plain(n)) continue;
        uint32_t& known = class_of_name[s.node_name[n]];
        if (known == UINT32_MAX) {
          std::string_view name = s.node_name_str(n);
          size_t space = std::string_view::npos;
          if (name.starts_with("<")) space = name.find(' ');
          else if (name.starts_with("Detached <")) space = name.find(' ', 10);
          if (name.starts_with("<") || name.starts_with("Detached <"))
            known = add(space == std::string_view::npos ? std::string(name) : fmt::format("{}>", name.substr(0, space)));
          else
            known = s.node_name[n];
        }
        cls[n] = known;
      } else if (t == L.code) {
        cls[n] = code_name;
      } else if (t == L.closure) {
        cls[n] = function_name;
      } else if (t == L.regexp) {
        cls[n] = regexp_name;
      } else {
        cls[n] = type_names[static_cast<size_t>(t)];
      }
    }
  };
  if (!by_interface) {
    name_others();
    out.class_name = std::move(cls);
    return out;
  }

  // Matching: a trie of each definition's sorted properties.
  auto js_less = [](std::string_view a, std::string_view b) { return Utf16Less(a, b); };
  std::vector<TrieNode> trie(1);
  for (size_t d = 0; d < definitions.size(); ++d) {
    std::vector<std::string_view> sorted(definitions[d].properties.begin(), definitions[d].properties.end());
    std::sort(sorted.begin(), sorted.end(), js_less);
    uint32_t at = 0;
    for (std::string_view p : sorted) {
      auto found = trie[at].next.find(p);
      uint32_t child;
      if (found == trie[at].next.end()) {
        child = static_cast<uint32_t>(trie.size());
        trie.emplace_back();
        trie[at].next.emplace(p, child);
        if (!trie[at].has_next || Utf16Less(trie[at].greatest_next, p)) {
          trie[at].greatest_next = p;
          trie[at].has_next = true;
        }
      } else {
        child = found->second;
      }
      at = child;
    }
    if (trie[at].match < 0) trie[at].match = static_cast<int>(d);
  }
  std::vector<size_t> definition_props(definitions.size());
  for (size_t d = 0; d < definitions.size(); ++d) definition_props[d] = definitions[d].properties.size();

  // better(a, b): more properties wins, then the earlier (more common) one.
  auto better = [&](int a, int b) {
    if (b < 0) return a;
    if (a < 0) return b;
    if (definition_props[a] != definition_props[b]) return definition_props[a] > definition_props[b] ? a : b;
    return std::min(a, b);
  };
  // The definition each list matches (-1: none), lists split between the threads.
  std::vector<int> match_of(shapes.lists.size(), -1);
  const size_t list_parts = std::min<size_t>(shapes.lists.size(), static_cast<size_t>(std::max(threads, 1)) * 4);
  ParallelFor(list_parts, threads, [&](size_t part) {
    std::vector<std::string_view> props;
    std::vector<uint32_t> states, snapshot_states;
    std::vector<uint8_t> in_states(trie.size(), 0);
    const size_t end = (part + 1) * shapes.lists.size() / list_parts;
    for (size_t list = part * shapes.lists.size() / list_parts; list < end; ++list) {
      props.clear();
      for (const uint32_t index : shapes.lists[list]) props.push_back(s.strings[index]);
      std::sort(props.begin(), props.end(), js_less);
      for (uint32_t st : states) in_states[st] = 0;
      states.assign(1, 0);
      in_states[0] = 1;
      int match = trie[0].match;
      for (std::string_view p : props) {
        snapshot_states = states;
        for (uint32_t st : snapshot_states) {
          const TrieNode& node = trie[st];
          if (!node.has_next || !Utf16Less(p, node.greatest_next)) {
            // No further transition is possible from this state.
            if (in_states[st]) {
              in_states[st] = 0;
              states.erase(std::find(states.begin(), states.end(), st));
            }
          }
          auto next = node.next.find(p);
          if (next != node.next.end()) {
            if (!in_states[next->second]) {
              in_states[next->second] = 1;
              states.push_back(next->second);
            }
            match = better(match, trie[next->second].match);
          }
        }
      }
      match_of[list] = match;
    }
  });
  // The other nodes are one task, the plain objects the others, by the
  // shapes' ranges of nodes. Unmatched plain objects keep their own name
  // ("Object").
  ParallelFor(1 + shapes.ranges.size(), threads, [&](size_t task) {
    if (task == 0) return name_others();
    const PlainObjectShapes::Range& r = shapes.ranges[task - 1];
    size_t k = r.first;
    for (uint32_t n = r.begin; n < r.end; ++n) {
      if (!is_plain(n)) continue;
      const int match = match_of[shapes.shape_of[k++]];
      cls[n] = match >= 0 ? definition_class[static_cast<size_t>(match)] : s.node_name[n];
    }
  });
  out.class_name = std::move(cls);
  return out;
}

}  // namespace oomkit::heap
