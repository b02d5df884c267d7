// NodeArrays: recycles uint32 arrays with one entry per node (plus two) from
// one analysis phase to the next.
//
// Fresh memory costs the kernel a page fault and a page clear per 4 KiB; on a
// 1 GB snapshot the phases would take ~1.7 GB of fresh arrays in turn, and
// clearing pages was a fifth of all CPU cycles. The pool only ever holds
// arrays that were in use together before, so it never raises the peak.
// Phases that run side by side take and give back under a lock (a handful of
// calls per analysis).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "common/pod_array.h"

namespace oomkit::heap {

class NodeArrays {
 public:
  explicit NodeArrays(uint32_t node_count) : size_(size_t{node_count} + 2) {}

  // An array of node_count + 2 entries, contents undefined.
  PodArray<uint32_t> Take() {
    std::lock_guard lock(mutex_);
    if (free_.empty()) return PodArray<uint32_t>(size_);
    PodArray<uint32_t> a = std::move(free_.back());
    free_.pop_back();
    return a;
  }
  PodArray<uint32_t> Take(uint32_t fill) {
    PodArray<uint32_t> a = Take();
    a.Fill(fill);
    return a;
  }
  // Arrays of another size are simply freed.
  void Give(PodArray<uint32_t>&& a) {
    std::lock_guard lock(mutex_);
    if (a.size() == size_) free_.push_back(std::move(a));
    a.Release();
  }
  // Frees idle arrays beyond `idle`: call it when the phases left need fewer
  // than the pool holds, so that idle arrays never add to a later peak.
  void Keep(size_t idle) {
    std::lock_guard lock(mutex_);
    while (free_.size() > idle) free_.pop_back();
  }
  size_t size() const { return size_; }

 private:
  size_t size_;
  std::vector<PodArray<uint32_t>> free_;
  std::mutex mutex_;
};

}  // namespace oomkit::heap
