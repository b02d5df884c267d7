#include "supervise/probe_channel.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <thread>

namespace oomkit::supervise {
namespace {

// The supervisor's side, as its loop does it: wait for the eventfd, take the
// lines, answer each one.
void AnswerOnce(ProbeChannel& c, const std::function<nlohmann::json(const nlohmann::json&)>& answer) {
  pollfd p{c.wake_fd(), POLLIN, 0};
  while (true) {
    ASSERT_EQ(poll(&p, 1, 5000), 1);
    auto lines = c.TakeOutgoing();
    if (lines.empty()) continue;
    for (const std::string& line : lines) c.Deliver(answer(nlohmann::json::parse(line)));
    return;
  }
}

TEST(ProbeChannel, ACallIsSentOnceTheProbeIsThereAndGetsItsOwnAnswer) {
  ProbeChannel c;
  std::thread loop([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    c.Connected(42);  // the lines queued before the hello go out now
    AnswerOnce(c, [](const nlohmann::json& cmd) {
      return nlohmann::json{{"reply", cmd["id"]}, {"echo", cmd["cmd"]}, {"gc", cmd["gc"]}};
    });
  });
  auto r = c.Call("measure", {{"gc", true}}, 10);
  loop.join();
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value()["echo"], "measure");
  EXPECT_EQ(r.value()["gc"], true);
  EXPECT_EQ(c.pid(), 42u);
}

TEST(ProbeChannel, TheProbesErrorIsTheCallsError) {
  ProbeChannel c;
  c.Connected(1);
  std::thread loop([&] {
    AnswerOnce(c, [](const nlohmann::json& cmd) { return nlohmann::json{{"reply", cmd["id"]}, {"error", "ENOSPC: no space left"}}; });
  });
  auto r = c.Call("snapshot", {{"path", "/x"}}, 10);
  loop.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "ENOSPC: no space left");
}

TEST(ProbeChannel, TheProcessEndingReleasesEveryWaiterAndLaterCalls) {
  ProbeChannel c;
  c.Connected(1);
  std::thread ender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    c.Close();
  });
  // An hour's timeout: only the Close can end this call within the test's time.
  auto r = c.Call("measure", {}, 3600);
  ender.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "the process ended before it answered");
  EXPECT_FALSE(c.Call("measure", {}, 30).ok());
  EXPECT_FALSE(c.WaitConnected(30));
}

TEST(ProbeChannel, NoAnswerTimesOut) {
  ProbeChannel c;
  c.Connected(1);
  auto r = c.Call("measure", {}, 0.05);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("did not answer"), std::string::npos);
}

}  // namespace
}  // namespace oomkit::supervise
