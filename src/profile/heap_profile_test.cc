#include "profile/heap_profile.h"

#include <gtest/gtest.h>

#include "profile/pprof_writer.h"

namespace oomkit::profile {
namespace {

std::string Shared(const std::string& rel) { return std::string(OOMKIT_SHARED_DIR) + "/samples/" + rel; }

const Site* Find(const HeapProfile& p, const std::string& fn) {
  for (const Site& s : p.sites)
    if (p.frames[s.frame].function == fn) return &s;
  return nullptr;
}

// The figures go tool pprof printed for the same profile
// (samples/node20/heap-prof.go-tool-pprof-top.txt): flat and cum per function.
TEST(HeapProfile, SelfAndTotalAsPprofCountsThem) {
  auto r = ReadHeapProfileFile(Shared("node20/heap-prof.heapprofile"));
  ASSERT_TRUE(r.ok()) << r.error();
  const HeapProfile& p = r.value();
  const double mib = 1024.0 * 1024.0;
  EXPECT_NEAR(p.total_size / mib, 106.45, 0.005);
  EXPECT_EQ(p.total_samples, 207u);
  const Site* sessions = Find(p, "makeSessions");
  ASSERT_NE(sessions, nullptr);
  EXPECT_NEAR(sessions->self_size / mib, 71.48, 0.005);
  EXPECT_NEAR(sessions->total_size / mib, 71.98, 0.005);
  EXPECT_EQ(sessions->self_samples, 140u);
  EXPECT_EQ(sessions->total_samples, 141u);
  const Site* strings = Find(p, "makeStrings");
  ASSERT_NE(strings, nullptr);
  EXPECT_NEAR(strings->self_size / mib, 32.47, 0.005);
  EXPECT_EQ(strings->self_samples, 62u);
  EXPECT_EQ(p.sites.front().frame, sessions->frame);  // the biggest first
  EXPECT_FALSE(EncodePprof(p).empty());
}

TEST(HeapProfile, BadInput) {
  EXPECT_FALSE(ReadHeapProfile("").ok());
  auto cut = ReadHeapProfile(R"x({"head":{"callFrame":{"functionName":"(root)")x");
  ASSERT_FALSE(cut.ok());
  EXPECT_TRUE(cut.error().starts_with("byte ")) << cut.error();
  EXPECT_FALSE(ReadHeapProfile(R"({"nodes":[]})").ok());
  EXPECT_FALSE(ReadHeapProfile(R"({"head":{"selfSize":1e999}})").ok());
  EXPECT_FALSE(ReadHeapProfile(R"({"head":{"callFrame":{"functionName":5}}})").ok());
  EXPECT_FALSE(ReadHeapProfile(R"({"head":{"id":1},"samples":[{"nodeId":"x"}]})").ok());
}

// Numbers past what the fields hold are refused with a message (the report
// fuzzer found "lineNumber": 7.7e96, which was cast unchecked: undefined
// behaviour, which the sanitized build aborts on).
TEST(HeapProfile, NumbersPastTheirFieldsAreRefused) {
  auto profile = [](const std::string& frame, const std::string& self, const std::string& sample) {
    return R"J({"head":{"callFrame":{"functionName":"(root)","url":"",)J" + frame + R"J(},"selfSize":)J" + self +
           R"J(,"id":1,"children":[]},"samples":[{"size":8,"nodeId":)J" + sample + "}]}";
  };
  auto ok = ReadHeapProfile(profile(R"("lineNumber":-1,"columnNumber":4)", "8", "1"));
  ASSERT_TRUE(ok.ok()) << ok.error();
  EXPECT_EQ(ok.value().frames[0].column, 4);
  EXPECT_EQ(ok.value().total_samples, 1u);
  for (const auto& [text, why] : {
           std::pair{profile(R"("lineNumber":7.7e96,"columnNumber":-1)", "0", "1"), "lineNumber is not a whole number"},
           std::pair{profile(R"("lineNumber":1,"columnNumber":1.5)", "0", "1"), "columnNumber is not a whole number"},
           std::pair{profile(R"("lineNumber":1,"columnNumber":1)", "1e300", "1"), "selfSize is not a byte count"},
           std::pair{profile(R"("lineNumber":1,"columnNumber":1)", "-8", "1"), "selfSize is not a byte count"},
           std::pair{profile(R"("lineNumber":1,"columnNumber":1)", "8", "5e20"), "nodeId is not a node id"},
       }) {
    auto r = ReadHeapProfile(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.error().find(why), std::string::npos) << r.error();
  }
}

}  // namespace
}  // namespace oomkit::profile
