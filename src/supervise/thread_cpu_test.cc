#include "supervise/thread_cpu.h"

#include <gtest/gtest.h>
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

TEST(ThreadCpu, CountsTheThreadsOwnWorkAndNotAnotherThreads) {
  const uint32_t pid = static_cast<uint32_t>(getpid());
  std::atomic<uint32_t> busy_tid{0};
  std::atomic<bool> stop{false};
  std::thread busy([&] {
    busy_tid = Tid();
    while (!stop) Spin(std::chrono::milliseconds(10));
  });
  while (!busy_tid) std::this_thread::yield();

  auto self0 = ThreadCpuMs(pid, Tid()), other0 = ThreadCpuMs(pid, busy_tid);
  ASSERT_TRUE(self0 && other0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // this thread idles, the other spins
  auto self1 = ThreadCpuMs(pid, Tid()), other1 = ThreadCpuMs(pid, busy_tid);
  Spin(std::chrono::milliseconds(300));  // now this one spins too
  auto self2 = ThreadCpuMs(pid, Tid());
  stop = true;
  busy.join();

  EXPECT_LT(*self1 - *self0, 50);     // asleep: a tick at most, and the reads
  EXPECT_GT(*other1 - *other0, 100);  // 300 ms spinning, on a shared machine
  EXPECT_GT(*self2 - *self1, 100);
  EXPECT_LE(*self2 - *self1, 300 + 20);  // never more than the wall time, give or take a tick
}

TEST(ThreadCpu, AThreadThatIsGoneHasNone) {
  std::atomic<uint32_t> tid{0};
  std::thread([&] { tid = Tid(); }).join();
  EXPECT_FALSE(ThreadCpuMs(static_cast<uint32_t>(getpid()), tid));
  EXPECT_FALSE(ThreadCpuMs(0, 0));
}

}  // namespace
}  // namespace oomkit::supervise
