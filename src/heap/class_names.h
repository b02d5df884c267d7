// Class names as DevTools' Summary groups objects.
//
//   hidden -> "(system)", code -> "(compiled code)", closure -> "Function",
//   regexp -> "RegExp", object/native -> the node name ("<div id=a>" -> "<div>"),
//   other types -> "(<type>)", e.g. "(string)", "(array)", "(object shape)".
// Plain objects (type object, name "Object") are then named after an inferred
// "interface": the property lists (first properties, at most ~120 UTF-16
// units, "__proto__" skipped) shared by at least 2 objects and at least 1 in
// 1000 plain objects become definitions, most common first; each plain object
// takes the definition with the most properties that it has all of (ties: the
// more common one), e.g. "{id, name, email}". No match: "Object".
// Property names are compared in UTF-16 code-unit order, as JavaScript sorts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/pod_array.h"
#include "heap/node_arrays.h"
#include "heap/snapshot.h"

namespace oomkit::heap {

// A plain-object "interface": its name ("{id, name}") and properties in the
// order of the objects that defined it.
struct InterfaceDefinition {
  std::string name;
  std::vector<std::string> properties;
};

// The property lists of s's plain objects (the names of each one's property
// edges, in edge order), each distinct list once: what the interfaces and
// the plain objects' names depend on, read from the edge words before the
// Summary frees them. Objects of one shape share a list, so each list is
// looked at once. 4 B per plain object, and the distinct lists.
struct PlainObjectShapes {
  std::vector<uint32_t> shape_of;              // per plain object, in node order: its index in `lists`
  std::vector<std::vector<uint32_t>> lists;    // string indexes
  // The plain objects of nodes [begin, end) are shape_of[first ..): ranges
  // that cover the nodes, for work split by ranges.
  struct Range {
    uint32_t begin, end;
    size_t first;
  };
  std::vector<Range> ranges;
};
// The lists are found in four ranges of nodes on up to `threads` threads;
// the result does not depend on their number.
PlainObjectShapes FindPlainObjectShapes(const Snapshot& s, int threads);

// The interfaces inferred from s's plain objects, most common first.
std::vector<InterfaceDefinition> InferInterfaces(const Snapshot& s, const PlainObjectShapes& shapes);

// The class-name string index of every node (4 B/node), in two steps:
// NameClasses reads s (but its edge words) and the shapes, naming plain objects after `definitions` (s's
// own, or, as DevTools' Comparison view does for the base snapshot, those of
// the snapshot compared with it), the plain objects by ranges of nodes beside
// the rest when there are several threads; AddClassNames then adds the
// invented names to s->strings, after which StringIndex(n) is node n's class
// name. (Resolved node by node where it is read, not in a pass of its own:
// 12 ms on the 1 GB bench file.)
struct ClassNames {
  static constexpr uint32_t kNew = 0x80000000u;  // class_name[n] & kNew: new_names[class_name[n] & ~kNew]
  PodArray<uint32_t> class_name;
  std::vector<std::string> new_names;
  uint32_t first_new = 0;  // the string index of new_names[0], once added
  uint32_t StringIndex(uint32_t n) const {
    const uint32_t c = class_name[n];
    return c & kNew ? first_new + (c & ~kNew) : c;
  }
};
ClassNames NameClasses(const Snapshot& s, NodeArrays& arrays, const std::vector<InterfaceDefinition>& definitions,
                       const PlainObjectShapes& shapes, int threads);
void AddClassNames(Snapshot* s, ClassNames* names);

// JavaScript's `a < b` on strings (UTF-16 code units), for UTF-8 input.
bool Utf16Less(std::string_view a, std::string_view b);
// JavaScript's string .length (UTF-16 code units) of UTF-8 input.
size_t Utf16Length(std::string_view s);
// DevTools' formatPropertyName: names with , ' " { } are shown JSON-quoted.
std::string FormatPropertyName(std::string_view name);

}  // namespace oomkit::heap
