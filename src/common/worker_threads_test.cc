#include "common/worker_threads.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "common/parallel.h"

namespace oomkit {
namespace {

TEST(WorkerThread, RunsItsWorkOnAnotherThreadAndJoinWaitsForIt) {
  std::atomic<bool> done{false};
  std::thread::id ran_on;
  WorkerThread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ran_on = std::this_thread::get_id();
    done = true;
  });
  EXPECT_TRUE(t.joinable());
  t.join();
  EXPECT_FALSE(t.joinable());
  EXPECT_TRUE(done);
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(WorkerThread, WorkGivenOneAfterAnotherRunsOnAKeptThread) {
  if (DefaultThreads() < 2) GTEST_SKIP() << "one core: no thread is kept";
  std::set<std::thread::id> ran_on;
  for (int i = 0; i < 20; ++i) {
    std::thread::id id;
    WorkerThread t([&] { id = std::this_thread::get_id(); });
    t.join();
    ran_on.insert(id);
  }
  // The first run may make the kept thread; every later one finds it idle.
  EXPECT_EQ(ran_on.size(), 1u);
  EXPECT_GE(WorkerThread::kept_threads(), 1);
  EXPECT_LE(WorkerThread::kept_threads(), DefaultThreads() - 1);
}

TEST(WorkerThread, MoreWorkAtOnceThanKeptThreadsAllRunsAtOnce) {
  // Each piece waits for all the others to have started: this only ends if
  // the ones no kept thread was free for got threads of their own.
  const int pieces = DefaultThreads() + 3;
  std::atomic<int> started{0};
  std::vector<WorkerThread> threads;
  for (int i = 0; i < pieces; ++i)
    threads.emplace_back([&] {
      started.fetch_add(1);
      while (started.load() < pieces) std::this_thread::yield();
    });
  for (WorkerThread& t : threads) t.join();
  EXPECT_EQ(started.load(), pieces);
}

TEST(WorkerThread, NestedParallelStepsFinish) {
  std::atomic<int> sum{0};
  ParallelFor(4, 4, [&](size_t i) {
    ParallelFor(8, 4, [&](size_t j) { sum.fetch_add(static_cast<int>(i * 8 + j)); });
  });
  EXPECT_EQ(sum.load(), 31 * 32 / 2);
}

TEST(WorkerThread, AKeptThreadTakesNoSignalSentToTheProcess) {
  if (DefaultThreads() < 2) GTEST_SKIP() << "one core: no thread is kept";
  WorkerThread([] {}).join();  // a kept thread exists now
  sigset_t blocked;
  WorkerThread t([&] { pthread_sigmask(SIG_BLOCK, nullptr, &blocked); });
  t.join();
  EXPECT_EQ(sigismember(&blocked, SIGINT), 1);
  EXPECT_EQ(sigismember(&blocked, SIGTERM), 1);
  EXPECT_EQ(sigismember(&blocked, SIGCHLD), 1);
  EXPECT_EQ(sigismember(&blocked, SIGSEGV), 0);
}

TEST(WorkerThread, MovedHandlesJoinTheirWork) {
  std::atomic<int> runs{0};
  WorkerThread a([&] { runs.fetch_add(1); });
  WorkerThread b = std::move(a);
  EXPECT_FALSE(a.joinable());
  a = WorkerThread([&] { runs.fetch_add(1); });
  a.join();
  b.join();
  EXPECT_EQ(runs.load(), 2);
}

}  // namespace
}  // namespace oomkit
