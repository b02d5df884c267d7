#include "common/json_integer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace oomkit {
namespace {

using nlohmann::json;

TEST(JsonInteger, WholeNumbersInRangeWhicheverWayWritten) {
  EXPECT_EQ(JsonInteger<int64_t>(json::parse("-1")), -1);
  EXPECT_EQ(JsonInteger<uint64_t>(json::parse("18446744073709551615")), UINT64_MAX);
  EXPECT_EQ(JsonInteger<uint32_t>(json::parse("3e3")), 3000u);
  EXPECT_EQ(JsonInteger<int>(json::parse("-2147483648.0")), INT32_MIN);
  EXPECT_EQ(JsonInteger<uint32_t>(json::parse("4294967295")), UINT32_MAX);
  // The largest double below 2^63 is still an int64.
  EXPECT_EQ(JsonInteger<int64_t>(json(9223372036854774784.0)), int64_t{9223372036854774784});
}

TEST(JsonInteger, NothingOutsideTheRangeOrNotWhole) {
  EXPECT_EQ(JsonInteger<int64_t>(json::parse("7.7e96")), std::nullopt);  // the fuzzer's heap profile
  EXPECT_EQ(JsonInteger<uint64_t>(json::parse("1e300")), std::nullopt);
  EXPECT_EQ(JsonInteger<int64_t>(json(9223372036854775808.0)), std::nullopt);  // 2^63
  EXPECT_EQ(JsonInteger<uint64_t>(json(18446744073709551616.0)), std::nullopt);  // 2^64
  EXPECT_EQ(JsonInteger<int64_t>(json::parse("-1e19")), std::nullopt);
  EXPECT_EQ(JsonInteger<uint64_t>(json::parse("-1")), std::nullopt);
  EXPECT_EQ(JsonInteger<uint64_t>(json::parse("-0.5")), std::nullopt);
  EXPECT_EQ(JsonInteger<uint32_t>(json::parse("4294967296")), std::nullopt);
  EXPECT_EQ(JsonInteger<int>(json::parse("2147483648")), std::nullopt);
  EXPECT_EQ(JsonInteger<int64_t>(json::parse("1.5")), std::nullopt);
  EXPECT_EQ(JsonInteger<int64_t>(json(std::numeric_limits<double>::quiet_NaN())), std::nullopt);
  EXPECT_EQ(JsonInteger<int64_t>(json(std::numeric_limits<double>::infinity())), std::nullopt);
  EXPECT_EQ(JsonInteger<int64_t>(json("12")), std::nullopt);
  EXPECT_EQ(JsonInteger<int64_t>(json(true)), std::nullopt);
  EXPECT_EQ(JsonInteger<int64_t>(json()), std::nullopt);
}

}  // namespace
}  // namespace oomkit
