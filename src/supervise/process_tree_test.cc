#include "supervise/process_tree.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace oomkit::supervise {
namespace {

// A shell that starts two sleeps, one of them under a shell of its own: the
// shape of `npm start` -> sh -c -> node.
TEST(ProcessTree, FindsGrandchildrenAndSeesThemStop) {
  const pid_t sh = fork();
  ASSERT_GE(sh, 0);
  if (sh == 0) {
    execl("/bin/sh", "sh", "-c", "sleep 30 & sh -c 'sleep 30; true' & wait", static_cast<char*>(nullptr));
    _exit(127);
  }
  std::vector<pid_t> below;
  for (int i = 0; i < 200 && below.size() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    below = Descendants(sh);
  }
  ASSERT_EQ(below.size(), 3u) << "two sleeps and the inner shell";
  for (pid_t p : below) EXPECT_TRUE(Running(p)) << p;

  // Signalled one by one, as the diagnosis stops an application; the outer
  // shell's `wait` then returns and it ends too.
  for (pid_t p : below) kill(p, SIGTERM);
  for (int i = 0; i < 200; ++i) {
    bool any = false;
    for (pid_t p : below) any = any || Running(p);
    if (!any) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (pid_t p : below) EXPECT_FALSE(Running(p)) << p;
  int status = 0;
  ASSERT_EQ(waitpid(sh, &status, 0), sh);
  EXPECT_FALSE(Running(sh));
  EXPECT_TRUE(Descendants(sh).empty());
}

}  // namespace
}  // namespace oomkit::supervise
