// Dominator tree and retained sizes.
//
// The tree must be DevTools' own, including where the retaining edges do not
// reach from the root. DevTools runs Lengauer-Tarjan after a DFS that
//   - first walks from the root over essential edges, successors in edge order;
//   - then, in ordinal order, walks from every node not reached yet whose
//     retainers are all non-essential ("only weak retainers"), as if the root
//     pointed at it; such a node's semidominator is the root;
//   - then numbers every node still not reached (cycles held only by each
//     other) on its own as a child of the root.
// The same DFS numbering and the same semidominator computation (eval/link
// with path compression) are done here, then each immediate dominator is
// found as in Semi-NCA (Georgiadis, Tarjan, Werneck 2006): walk up from the
// DFS parent while above the semidominator. For everything the root reaches
// (directly or through the "weak only" nodes) that is the unique dominator
// tree, so Lengauer-Tarjan's bucket step gives the same; the cycles numbered
// on their own hang from the root in both (dominators_test pins this, and
// checks random graphs against brute force). Semi-NCA needs no buckets, and
// working on DFS numbers lets the DFS cursor and the dominators reuse arrays.
//
// A node's retained size is its self size plus that of every node it
// dominates; the root dominates itself.
//
// Memory while it runs, at its peak (the semidominator pass): 20 B/node
// (DFS vertex and parent arrays, the predecessor offsets, which then keep the
// semidominators, and an 8 B eval record) plus the predecessor lists, 4 B per
// essential edge but the one the DFS entered each node by. Before that:
// 20 B/node during the DFS (its three arrays, the retainer counts, which the
// other cores make meanwhile, then the node -> number map and the
// predecessor offsets as the DFS goes), 1 bit/node of
// visited marks and 1 bit/edge marking the edges it followed
// (and, with the page rule, 1 bit/node more for the
// page-owned set while the essential-edge bits are made from it), 12 B per
// level of DFS depth, and 20 B/node while the
// predecessor lists are built. What stays:
// dominator 4 B/node, retained size 8 B/node, dominated-children lists
// 8 B/node (built in arrays the computation no longer needs).
#pragma once

#include <functional>

#include "common/pod_array.h"
#include "common/progress.h"
#include "heap/node_arrays.h"
#include "heap/snapshot.h"

namespace oomkit::heap {

struct DominatorTree {
  PodArray<uint32_t> dominator;      // ordinal of the immediate dominator; the root's is itself
  PodArray<uint64_t> retained_size;  // bytes
  // Children in the dominator tree: node n dominates children[first_child[n] .. first_child[n+1]).
  // (dominator, first_child and children come from NodeArrays: node_count + 2
  // entries, of which node_count, node_count + 1 and node_count - 1 are used.)
  PodArray<uint32_t> first_child;
  PodArray<uint32_t> children;
  uint32_t unreachable = 0;  // nodes the essential edges do not reach from the root
};

// The edges the dominators follow: the essential-edge bits; or, under
// DevTools semantics with `page_rule`, the bits of rules 1-4 (see
// essential_edges.h). Rule 5 needs the page-owned set, and nearly all of it is
// what the DFS reaches from the user roots over rules 1-4's edges: so the DFS
// goes there first, then adds what those rules hid (nodes held only by
// shortcut or WeakMap-table edges), applies rule 5 and walks on from the
// root's other edges. One walk of the whole graph fewer; same tree (the order
// in which the DFS meets the nodes the root reaches does not change their
// dominators).
struct RetainingEdges {
  BitVector essential;
  bool page_rule = false;
};

// Frees the essential-edge bits once it has no more use for them.
// `beside_dfs` is work for the other core during the DFS (with one thread,
// it runs first); `self_size` is read only after it is done.
// `alongside` is work for the other core while this one computes the
// semidominators and what follows, which are sequential: it runs on a thread
// of its own, and once the tree is done it is called again on this thread,
// so that whichever core is free takes what is left: it must hand out its
// pieces so that each is done once. All is done when this returns (with one
// thread, it is called once, last). It must not touch `arrays`, whose arrays
// this phase recycles.
// `before_lists` is called on this thread once nothing here reads the
// edges' types or names (the DFS and `beside_dfs` are done), right before
// the predecessor lists are allocated.
DominatorTree ComputeDominators(const Snapshot& s, RetainingEdges edges, const PodArray<uint32_t>& self_size,
                                NodeArrays& arrays, int threads, const Progress& progress,
                                const std::function<void()>& beside_dfs = {},
                                const std::function<void()>& alongside = {},
                                const std::function<void()>& before_lists = {});

}  // namespace oomkit::heap
