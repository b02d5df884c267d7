#include "common/duration.h"

#include <gtest/gtest.h>

namespace oomkit {
namespace {

TEST(Duration, ParsesTheUnitsUsersType) {
  EXPECT_DOUBLE_EQ(ParseDuration("10s").value(), 10);
  EXPECT_DOUBLE_EQ(ParseDuration("10").value(), 10);
  EXPECT_DOUBLE_EQ(ParseDuration("500ms").value(), 0.5);
  EXPECT_DOUBLE_EQ(ParseDuration("250us").value(), 250e-6);
  EXPECT_DOUBLE_EQ(ParseDuration("2m").value(), 120);
  EXPECT_DOUBLE_EQ(ParseDuration("1.5h").value(), 5400);
  EXPECT_DOUBLE_EQ(ParseDuration("0s", true).value(), 0);
}

TEST(Duration, RejectsWithTheTextInTheMessage) {
  for (const char* bad : {"", "s", "10 s", "10x", "-1s", "1e3s", "..s"}) {
    auto r = ParseDuration(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().find(std::string("'") + bad + "'"), std::string::npos) << r.error();
  }
  EXPECT_FALSE(ParseDuration("0s").ok());
}

TEST(Percent, ParsesWithOrWithoutTheSign) {
  EXPECT_DOUBLE_EQ(ParsePercent("1%").value(), 0.01);
  EXPECT_DOUBLE_EQ(ParsePercent("85 %").value(), 0.85);
  EXPECT_DOUBLE_EQ(ParsePercent("0").value(), 0);
  for (const char* bad : {"", "%", "101%", "-1%", "x%"})
    EXPECT_NE(ParsePercent(bad).error().find(std::string("'") + bad + "'"), std::string::npos) << bad;
}

TEST(Duration, Formats) {
  EXPECT_EQ(FormatDuration(0.25), "250 ms");
  EXPECT_EQ(FormatDuration(10), "10 s");
  EXPECT_EQ(FormatDuration(150), "2 m 30 s");
  EXPECT_EQ(FormatDuration(7260), "2 h 1 m");
}

}  // namespace
}  // namespace oomkit
