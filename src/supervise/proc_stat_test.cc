#include "supervise/proc_stat.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace oomkit::supervise {
namespace {

// A name with spaces and ')' in it: the fields start after the last ')'.
TEST(ProcStat, FieldsStartAfterTheLastParenthesis) {
  const std::string path = "/tmp/oomkit-proc-stat-" + std::to_string(getpid());
  { std::ofstream(path) << "4242 (a) b (c)) S 17 4242 0\n"; }
  EXPECT_EQ(StatFieldsAfterName(path), std::optional<std::string>(" S 17 4242 0\n"));
  { std::ofstream(path) << "no name here"; }
  EXPECT_EQ(StatFieldsAfterName(path), std::nullopt);
  std::remove(path.c_str());
  EXPECT_EQ(StatFieldsAfterName(path), std::nullopt);

  // This process: running, and its parent is the one that started it.
  const std::optional<std::string> self = StatFieldsAfterName("/proc/self/stat");
  ASSERT_TRUE(self.has_value());
  char state = 0;
  int parent = 0;
  ASSERT_EQ(std::sscanf(self->c_str(), " %c %d", &state, &parent), 2);
  EXPECT_EQ(parent, getppid());
}

}  // namespace
}  // namespace oomkit::supervise
