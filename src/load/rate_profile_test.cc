#include "load/rate_profile.h"

#include <gtest/gtest.h>

#include <cmath>

namespace oomkit::load {
namespace {

TEST(RateProfile, ConstantRateSendsExactlyRateTimesDurationEvenlySpaced) {
  auto p = RateProfile::Constant(1000, 10).take();
  EXPECT_EQ(p.total(), 10000u);
  EXPECT_DOUBLE_EQ(p.DueTime(0), 0.0005);
  for (uint64_t i = 1; i < 10000; i += 997) EXPECT_NEAR(p.DueTime(i) - p.DueTime(i - 1), 0.001, 1e-12);
  EXPECT_LT(p.DueTime(9999), 10.0);
  EXPECT_TRUE(std::isinf(p.DueTime(10000)));
}

TEST(RateProfile, StepsFromZeroStartSendingWhenTheStepBegins) {
  auto p = RateProfile::ParseSteps("0:5s,2000:30s,500:30s").take();
  EXPECT_DOUBLE_EQ(p.duration_s(), 65);
  EXPECT_EQ(p.total(), 2000u * 30 + 500 * 30);
  EXPECT_NEAR(p.DueTime(0), 5.00025, 1e-9);
  EXPECT_EQ(p.RateAt(4.9), 0);
  EXPECT_EQ(p.RateAt(5.0), 2000);
  EXPECT_EQ(p.RateAt(40), 500);
  // Requests 59,999 and 60,000 straddle the second step.
  EXPECT_LT(p.DueTime(59999), 35);
  EXPECT_GT(p.DueTime(60000), 35);
  EXPECT_NEAR(p.DueTime(60000) - p.DueTime(59999), 0.5 / 2000 + 0.5 / 500, 1e-9);
}

TEST(RateProfile, RampInvertsItsIntegral) {
  auto p = RateProfile::ParseRamp("0:2000:10s").take();
  EXPECT_EQ(p.total(), 10000u);  // mean rate 1000 for 10 s
  for (uint64_t i = 0; i < 10000; i += 331) EXPECT_NEAR(p.DueBy(p.DueTime(i)), static_cast<double>(i) + 0.5, 1e-6);
  // Denser at the end: the gap near the top is about 1/2000 s.
  EXPECT_NEAR(p.DueTime(9999) - p.DueTime(9998), 1.0 / 2000, 2e-5);
  auto down = RateProfile::ParseRamp("2000:1000:10s").take();
  EXPECT_EQ(down.total(), 15000u);
  for (uint64_t i = 0; i < 15000; i += 499) EXPECT_NEAR(down.DueBy(down.DueTime(i)), static_cast<double>(i) + 0.5, 1e-6);
}

TEST(RateProfile, AProfileEndingOnAHalfCountsOnlyRequestsInsideIt) {
  // Found by the fuzzer: 3 -> 64 req/s over 7 s integrates to 234.5, and
  // request 234 would be due at the very end (DueTime: never).
  auto p = RateProfile::ParseRamp("3:64:7").take();
  EXPECT_NEAR(p.DueBy(7), 234.5, 1e-9);
  EXPECT_EQ(p.total(), 234u);
  EXPECT_LT(p.DueTime(p.total() - 1), 7.0);
  EXPECT_TRUE(std::isinf(p.DueTime(p.total())));
}

TEST(RateProfile, FitToHoldsOrCuts) {
  auto ramp = RateProfile::ParseRamp("0:1000:10s").take();
  ramp.FitTo(20);
  EXPECT_EQ(ramp.total(), 5000u + 10000u);
  EXPECT_EQ(ramp.RateAt(15), 1000);
  auto steps = RateProfile::ParseSteps("100:10s,200:10s").take();
  steps.FitTo(15);
  EXPECT_EQ(steps.total(), 1000u + 1000u);
  EXPECT_DOUBLE_EQ(steps.duration_s(), 15);
}

TEST(RateProfile, WarmupUsesTheFirstNonZeroRate) {
  auto p = RateProfile::ParseSteps("0:5s,2000:30s").take();
  p.PrependWarmup(2);
  EXPECT_EQ(p.RateAt(1), 2000);
  EXPECT_EQ(p.RateAt(3), 0);
  EXPECT_EQ(p.total(), 4000u + 60000u);
}

TEST(RateProfile, BadSpecsSayWhatIsExpected) {
  EXPECT_NE(RateProfile::ParseSteps("2000").error().find("RATE:DURATION"), std::string::npos);
  EXPECT_NE(RateProfile::ParseSteps("abc:5s").error().find("not a rate"), std::string::npos);
  EXPECT_NE(RateProfile::ParseSteps("100:5x").error().find("not a duration"), std::string::npos);
  EXPECT_NE(RateProfile::ParseSteps("0:5s,0:1s").error().find("rate 0"), std::string::npos);
  EXPECT_NE(RateProfile::ParseRamp("0:100").error().find("FROM:TO:DURATION"), std::string::npos);
  EXPECT_FALSE(RateProfile::Constant(0, 10).ok());
}

TEST(RateProfile, ThreadsInterleaveIntoOneEvenStream) {
  // Thread k of 3 sends i = k, k+3, ...: together, the due times are the
  // single-thread ones, so nothing about evenness depends on threads.
  auto p = RateProfile::Constant(5000, 1).take();
  double last = 0;
  for (uint64_t i = 0; i < 5000; ++i) {
    double t = p.DueTime(i);
    EXPECT_GT(t, last);
    last = t;
  }
}

}  // namespace
}  // namespace oomkit::load
