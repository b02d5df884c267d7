#include "heap/weakmap_edges.h"

#include <gtest/gtest.h>

#include <string>

namespace oomkit::heap {
namespace {

// The reader keeps only the strings MayNameWeakMapEdge lets through: it must
// hold for every name the parser accepts, the shortest included.
TEST(WeakMapEdgeNames, EveryAcceptedNameIsACandidate) {
  const std::string accepted[] = {
      "1 / part of key (Object @9) -> value (Object @11) pair in WeakMap (table @5)",
      "0 / part of key ( @1) -> value ( @1) pair in WeakMap (table @0)",
      "12345 / part of key (Map (x) -> value (y) @123) -> value (system / Context @4) pair in WeakMap (table @987654)",
      "3 / part of key (K\"q\" @2) -> value (V @3) pair in WeakMap (table @4294967296123)",
  };
  for (const std::string& name : accepted) {
    ASSERT_TRUE(ParseWeakMapEdgeName(name).has_value()) << name;
    EXPECT_TRUE(MayNameWeakMapEdge(name)) << name;
  }
  const std::string rejected[] = {
      "",
      "part of key (a @1) -> value (b @2) pair in WeakMap (table @3)",
      "1 / part of key (a @1) -> value (b @2) pair in WeakMap (table @3",
      "1 / x)",
      "system / Context",
  };
  for (const std::string& name : rejected) EXPECT_FALSE(MayNameWeakMapEdge(name)) << name;
}

}  // namespace
}  // namespace oomkit::heap
