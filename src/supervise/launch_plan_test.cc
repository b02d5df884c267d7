#include "supervise/launch_plan.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace oomkit::supervise {
namespace {

LaunchOptions Options() {
  LaunchOptions o;
  o.out_dir = "/tmp/run 1";
  o.probe_path = "/tmp/run 1/probe.js";
  o.probe_socket = "/tmp/run 1/probe.sock";
  return o;
}

bool Has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

TEST(LaunchPlan, NodeGetsTheFlagsBeforeTheUsersOwn) {
  LaunchOptions o = Options();
  o.heap_limit_mb = 64;
  auto p = PlanLaunch({"node", "--inspect", "app.js", "--port", "3000"}, o, {"PATH=/usr/bin", "NODE_OPTIONS=--no-warnings"}).take();
  EXPECT_FALSE(p.through_node_options);
  ASSERT_GE(p.argv.size(), 6u);
  EXPECT_EQ(p.argv[0], "node");
  EXPECT_EQ(p.argv[1], "--max-old-space-size=64");
  EXPECT_TRUE(Has(p.argv, "--trace-gc"));
  EXPECT_TRUE(Has(p.argv, "--report-directory=/tmp/run 1"));
  EXPECT_TRUE(Has(p.argv, "--require=/tmp/run 1/probe.js"));
  std::vector<std::string> tail(p.argv.end() - 4, p.argv.end());
  EXPECT_EQ(tail, (std::vector<std::string>{"--inspect", "app.js", "--port", "3000"}));
  EXPECT_TRUE(Has(p.env, "NODE_OPTIONS=--no-warnings"));
  EXPECT_TRUE(Has(p.env, "OOMKIT_PROBE_SOCKET=/tmp/run 1/probe.sock"));
}

TEST(LaunchPlan, OtherCommandsGetNodeOptionsQuotedAndTheProbeTracesGc) {
  auto p = PlanLaunch({"npm", "run", "build"}, Options(), {"NODE_OPTIONS=--max-old-space-size=4096", "HOME=/root"}).take();
  EXPECT_TRUE(p.through_node_options);
  EXPECT_EQ(p.argv, (std::vector<std::string>{"npm", "run", "build"}));
  auto opts = std::find_if(p.env.begin(), p.env.end(), [](const std::string& e) { return e.starts_with("NODE_OPTIONS="); });
  ASSERT_NE(opts, p.env.end());
  EXPECT_NE(opts->find("\"--require=/tmp/run 1/probe.js\""), std::string::npos) << *opts;
  EXPECT_EQ(opts->find("--trace-gc"), std::string::npos) << "not allowed in NODE_OPTIONS";
  EXPECT_TRUE(opts->ends_with(" --max-old-space-size=4096")) << "the user's own come last and win";
  EXPECT_TRUE(Has(p.env, "OOMKIT_TRACE_GC=1"));
  EXPECT_EQ(std::count_if(p.env.begin(), p.env.end(), [](const std::string& e) { return e.starts_with("NODE_OPTIONS="); }), 1);
}

TEST(LaunchPlan, ContradictionsAreRefused) {
  LaunchOptions o = Options();
  o.heap_limit_mb = 64;
  EXPECT_NE(PlanLaunch({"node", "--max-old-space-size=128", "a.js"}, o, {}).error().find("contradict"), std::string::npos);
  EXPECT_FALSE(PlanLaunch({}, o, {}).ok());
}

TEST(IsNodeBinary, KnowsNodeByName) {
  for (const char* yes : {"node", "/usr/local/bin/node", "nodejs", "node20", "node-22", "nodev24.1"}) EXPECT_TRUE(IsNodeBinary(yes)) << yes;
  for (const char* no : {"npm", "npx", "nodemon", "node-gyp", "sh", "/bin/bash"}) EXPECT_FALSE(IsNodeBinary(no)) << no;
}

}  // namespace
}  // namespace oomkit::supervise
