#include "supervise/thread_cpu.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace oomkit::supervise {
namespace {

uint32_t Tid() { return static_cast<uint32_t>(syscall(SYS_gettid)); }

void Spin(std::chrono::milliseconds how_long) {
  auto end = std::chrono::steady_clock::now() + how_long;
  volatile uint64_t x = 0;
  while (std::chrono::steady_clock::now() < end) x = x + 1;
}

bool PinToFirstCpu() {
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return false;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &allowed)) {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(c, &one);
      return pthread_setaffinity_np(pthread_self(), sizeof one, &one) == 0;
    }
  return false;
}

TEST(ThreadCpu, CountsTheThreadsOwnWorkAndNotAnotherThreads) {
  const uint32_t pid = static_cast<uint32_t>(getpid());
  std::atomic<uint32_t> busy_tid{0};
  std::atomic<bool> stop{false};
  std::thread busy([&] {
    busy_tid = Tid();
    while (!stop) Spin(std::chrono::milliseconds(10));
  });
  while (!busy_tid) std::this_thread::yield();

  auto self0 = ThreadTimesMs(pid, Tid()), other0 = ThreadTimesMs(pid, busy_tid);
  ASSERT_TRUE(self0 && other0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // this thread idles, the other spins
  auto self1 = ThreadTimesMs(pid, Tid()), other1 = ThreadTimesMs(pid, busy_tid);
  Spin(std::chrono::milliseconds(300));  // now this one spins too
  auto self2 = ThreadTimesMs(pid, Tid());
  stop = true;
  busy.join();

  EXPECT_LT(self1->cpu_ms - self0->cpu_ms, 50);     // asleep: a tick at most, and the reads
  EXPECT_GT(other1->cpu_ms - other0->cpu_ms, 100);  // 300 ms spinning, on a shared machine
  EXPECT_GT(self2->cpu_ms - self1->cpu_ms, 100);
  EXPECT_LE(self2->cpu_ms - self1->cpu_ms, 300 + 20);  // never more than the wall time, give or take a tick
  // Asleep is not waiting: a sleeping thread is not on a run queue.
  if (self0->waiting_ms) {
    EXPECT_LT(*self1->waiting_ms - *self0->waiting_ms, 50);
  }
}

// Two threads spinning on one CPU take turns: each is on it about half the
// time and waits for it the other half, and the two add up to the wall time.
TEST(ThreadCpu, CountsTheWaitForACpuThatAnotherThreadHolds) {
  const uint32_t pid = static_cast<uint32_t>(getpid());
  if (!ThreadTimesMs(pid, Tid())->waiting_ms) GTEST_SKIP() << "this kernel keeps no schedstat";
  std::atomic<int> pinned{0};
  std::atomic<bool> go{false}, stop{false};
  std::thread rival([&] {
    pinned += PinToFirstCpu() ? 1 : 100;
    while (!go) std::this_thread::yield();
    while (!stop) Spin(std::chrono::milliseconds(5));
  });
  pinned += PinToFirstCpu() ? 1 : 100;
  while (pinned < 2) std::this_thread::yield();
  ASSERT_EQ(pinned, 2) << "could not pin both threads to one CPU";
  go = true;
  auto t0 = ThreadTimesMs(pid, Tid());
  auto wall0 = std::chrono::steady_clock::now();
  Spin(std::chrono::milliseconds(600));
  auto t1 = ThreadTimesMs(pid, Tid());
  double wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall0).count();
  stop = true;
  rival.join();

  double cpu = t1->cpu_ms - t0->cpu_ms, waiting = *t1->waiting_ms - *t0->waiting_ms;
  EXPECT_GT(waiting, 0.2 * wall_ms) << "on a CPU " << cpu << " ms";
  EXPECT_LT(cpu, 0.8 * wall_ms) << "waiting " << waiting << " ms";
  EXPECT_NEAR(cpu + waiting, wall_ms, 0.1 * wall_ms);
}

TEST(ThreadCpu, AThreadThatIsGoneHasNone) {
  std::atomic<uint32_t> tid{0};
  std::thread([&] { tid = Tid(); }).join();
  EXPECT_FALSE(ThreadTimesMs(static_cast<uint32_t>(getpid()), tid));
  EXPECT_FALSE(ThreadTimesMs(0, 0));
}

}  // namespace
}  // namespace oomkit::supervise
