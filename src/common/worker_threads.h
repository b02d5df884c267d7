// WorkerThread: work for another core, on a thread kept from earlier work.
//
// Starting a thread costs little on bare metal; on the VMs we measure on, a
// thread started while the caller keeps its core busy began running 0.04-4.8
// ms later (1.3 ms on average, 20 tries): the scheduler first queues it
// behind its creator, or wakes the idle vCPU through the host. The heap
// engine's parallel steps start 30 threads on the 205 MB bench file and 82
// on the 1 GB one, each a step in which one core waits. A thread kept
// asleep on a futex wakes in 15-50 us, and one still spinning (for a short
// while after its last work) in 2-4 us.
//
// The kept threads are one per core but the caller's (DefaultThreads() - 1),
// made when first needed and never stopped. Work given when all of them are
// busy (a parallel step inside another, or two at once) gets a new thread,
// as before there were any. A kept thread spins for kSpinNanoseconds after
// its work, yielding its core to any other thread that wants it, then sleeps.
#pragma once

#include <cstdint>
#include <functional>
#include <thread>

namespace oomkit {

class WorkerThread {
 public:
  // How long a kept thread waits for more work before it sleeps: the gaps
  // between the heap engine's parallel steps are mostly shorter.
  static constexpr int64_t kSpinNanoseconds = 2'000'000;

  WorkerThread() = default;
  // Runs fn on a kept thread that is idle, or on a new thread. fn must not
  // throw (as on a std::thread, that ends the process).
  explicit WorkerThread(std::function<void()> fn);
  WorkerThread(WorkerThread&& other) noexcept { *this = std::move(other); }
  WorkerThread& operator=(WorkerThread&& other) noexcept;
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;
  ~WorkerThread();  // joins

  bool joinable() const { return worker_ != nullptr || thread_.joinable(); }
  // Waits until fn has returned.
  void join();

  // For tests: the kept threads that exist now.
  static int kept_threads();

  struct Worker;  // a kept thread (worker_threads.cc)

 private:
  Worker* worker_ = nullptr;  // the kept thread running fn, or null
  uint32_t ticket_ = 0;       // which of its runs is ours
  std::thread thread_;        // or a thread of its own
};

}  // namespace oomkit
