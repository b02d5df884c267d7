#include "common/worker_threads.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

#include "common/parallel.h"

namespace oomkit {

struct WorkerThread::Worker {
  std::atomic<bool> busy{true};  // claimed by a caller, from its claim to the end of its run
  std::function<void()> job;     // written by the claimer before `posted` moves
  std::atomic<uint32_t> posted{0};    // runs given
  std::atomic<uint32_t> finished{0};  // runs done
};

namespace {

// Slots for the most threads ever kept, one per core but the caller's.
struct Kept {
  std::mutex creating;
  const int capacity = DefaultThreads() - 1;
  std::unique_ptr<std::atomic<WorkerThread::Worker*>[]> slots{new std::atomic<WorkerThread::Worker*>[capacity]};
  std::atomic<int> count{0};
};

Kept& kept() {
  static Kept* k = new Kept;  // never freed: its threads outlive static destruction
  return *k;
}

// Spins on `value` while it equals `old`, up to kSpinNanoseconds, giving its
// core to other threads every few microseconds; then sleeps on it. Returns
// the new value.
uint32_t AwaitChange(const std::atomic<uint32_t>& value, uint32_t old) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(WorkerThread::kSpinNanoseconds);
  uint32_t now;
  for (unsigned i = 1; (now = value.load(std::memory_order_acquire)) == old; ++i) {
    __builtin_ia32_pause();
    if (i % 64 != 0) continue;
    if (std::chrono::steady_clock::now() >= until) break;
    sched_yield();
  }
  while (now == old) {
    value.wait(old, std::memory_order_acquire);
    now = value.load(std::memory_order_acquire);
  }
  return now;
}

void Run(WorkerThread::Worker* w) {
  // Signals sent to the process go to the threads that asked for them (the
  // supervisor reads its own from a signalfd), never to a kept thread that
  // some earlier step started. Faults still reach their handlers.
  sigset_t set;
  sigfillset(&set);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS}) sigdelset(&set, sig);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  for (uint32_t seen = 0;;) {
    seen = AwaitChange(w->posted, seen);
    w->job();
    w->job = nullptr;
    w->finished.store(seen, std::memory_order_release);
    w->finished.notify_all();
    w->busy.store(false, std::memory_order_release);
  }
}

// An idle kept thread, now claimed; or a new one while there are fewer than
// DefaultThreads() - 1; or null.
WorkerThread::Worker* Claim() {
  Kept& k = kept();
  const int count = k.count.load(std::memory_order_acquire);
  for (int i = 0; i < count; ++i) {
    WorkerThread::Worker* w = k.slots[static_cast<size_t>(i)].load(std::memory_order_acquire);
    bool idle = false;
    if (w->busy.compare_exchange_strong(idle, true, std::memory_order_acquire)) return w;
  }
  std::lock_guard lock(k.creating);
  const int now = k.count.load(std::memory_order_relaxed);
  if (now >= k.capacity) return nullptr;
  auto* w = new WorkerThread::Worker;  // busy from the start: it is the caller's
  std::thread(Run, w).detach();
  k.slots[static_cast<size_t>(now)].store(w, std::memory_order_release);
  k.count.store(now + 1, std::memory_order_release);
  return w;
}

}  // namespace

WorkerThread::WorkerThread(std::function<void()> fn) {
  Worker* w = Claim();
  if (!w) {
    thread_ = std::thread(std::move(fn));
    return;
  }
  w->job = std::move(fn);
  ticket_ = w->posted.load(std::memory_order_relaxed) + 1;
  w->posted.store(ticket_, std::memory_order_release);
  w->posted.notify_one();
  worker_ = w;
}

WorkerThread& WorkerThread::operator=(WorkerThread&& other) noexcept {
  if (this != &other) {
    join();
    worker_ = other.worker_;
    ticket_ = other.ticket_;
    thread_ = std::move(other.thread_);
    other.worker_ = nullptr;
  }
  return *this;
}

WorkerThread::~WorkerThread() { join(); }

void WorkerThread::join() {
  if (thread_.joinable()) thread_.join();
  if (!worker_) return;
  // The caller's core would idle meanwhile: it spins first, as the kept
  // thread does, since the last tasks of a parallel step end close together.
  for (uint32_t f = worker_->finished.load(std::memory_order_acquire); static_cast<int32_t>(f - ticket_) < 0;)
    f = AwaitChange(worker_->finished, f);
  worker_ = nullptr;
}

int WorkerThread::kept_threads() { return kept().count.load(std::memory_order_acquire); }

}  // namespace oomkit
