// The Comparison view: what changed between two snapshots of one process, by
// class, as DevTools computes it, plus the retained-size delta it lacks.
//
//   - Objects are matched by V8 object id within a class (the class key: the
//     name, or name and constructor location); an object whose class changed
//     counts as deleted from one class and new in the other, as in DevTools.
//   - Only objects with a non-zero self size take part (as in the Summary).
//   - The base snapshot's plain objects are named after the current
//     snapshot's interfaces, so that `{id, name}` means the same in both
//     (DevTools passes the current snapshot's definitions to the base).
//
// Memory: ClassMembers keeps 12 B per object (id, class, self size) once the
// snapshot it came from is gone, so the two snapshots never need to be held
// at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/pod_array.h"
#include "common/status.h"
#include "heap/analysis.h"

namespace oomkit::heap {

// A sample of a snapshot's objects (those whose id / 2 is a multiple of
// stride): (id, hash of type and name), by id. In one process an id names one
// object for its life, so the ids two snapshots share carry the same type and
// name; in two runs of one program the same ids go to different objects once
// the runs diverge.
struct IdSample {
  std::vector<std::pair<uint32_t, uint32_t>> signatures;
  uint32_t stride = 1;  // a power of two
};
IdSample SampleIds(const Snapshot& s);

// Fails when two snapshots cannot come from one process: no sampled id in
// common, or more than 2 % of the shared ids name objects of another type or
// name (measured: 0.004 % within one process, 8.6 % between two runs of one
// small app).
Status CheckSameProcess(const IdSample& a, const IdSample& b);

// What the comparison needs of one analysed snapshot.
struct ClassMembers {
  std::vector<std::string> key;   // per class: name, or "name@script:line:column"
  std::vector<std::string> name;  // per class, as shown
  std::vector<uint64_t> retained;  // per class, the Summary's retained size
  // Members of class c: id[first[c] .. first[c+1]) in increasing id order,
  // with their self sizes.
  std::vector<uint32_t> first;
  PodArray<uint32_t> id;
  PodArray<uint32_t> self_size;
  IdSample ids;
  uint32_t max_id = 0;
  uint64_t object_count = 0;
};

ClassMembers CollectClassMembers(const Snapshot& s, const Analysis& a, int threads);

struct ClassDiff {
  std::string name;
  uint64_t added = 0, deleted = 0;
  int64_t delta = 0;
  uint64_t alloc_size = 0, freed_size = 0;
  int64_t size_delta = 0;
  int64_t retained_delta = 0;  // this class's Summary retained size, current minus base
  uint64_t base_retained = 0, current_retained = 0;
};

struct SnapshotDiff {
  std::vector<ClassDiff> classes;  // by retained delta, then size delta, then name
  uint64_t matched = 0;            // objects present in both (same id, same class)
};

// Fails when the two cannot come from one process (CheckSameProcess, and no
// object surviving from base to current).
Result<SnapshotDiff> DiffSnapshots(const ClassMembers& base, const ClassMembers& current);

}  // namespace oomkit::heap
