// Parallel loops without locks: tasks are numbered, each writes only its own
// slot of a pre-sized output, so results never depend on the thread count.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

#include "common/worker_threads.h"

namespace oomkit {

// Threads to use when the caller does not say: all cores, at most 8.
inline int DefaultThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(n, 1u, 8u));
}

// Runs fn(task) for task in [0, tasks) on up to `threads` threads (the
// caller's and kept ones: common/worker_threads.h); tasks are taken in
// increasing order.
template <typename Fn>
void ParallelFor(size_t tasks, int threads, Fn&& fn) {
  size_t workers = std::min<size_t>(tasks, static_cast<size_t>(std::max(threads, 1)));
  if (workers <= 1) {
    for (size_t t = 0; t < tasks; ++t) fn(t);
    return;
  }
  std::atomic<size_t> next{0};
  auto loop = [&] {
    for (size_t t; (t = next.fetch_add(1, std::memory_order_relaxed)) < tasks;) fn(t);
  };
  std::vector<WorkerThread> others;
  others.reserve(workers - 1);
  for (size_t i = 1; i < workers; ++i) others.emplace_back(loop);
  loop();
  for (WorkerThread& other : others) other.join();
}

}  // namespace oomkit
