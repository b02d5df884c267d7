#include "common/count_byte.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

namespace oomkit {
namespace {

TEST(CountByte, AgreesWithStdCountOnEveryLengthAndAlignment) {
  // Lengths around the 64-byte blocks and the 255-block lane limit, at every
  // offset within a vector register, on commas dense enough to overflow a
  // byte lane that was not summed in time (a third of the bytes).
  std::mt19937 random(7);
  std::string text(64 * 255 * 3 + 200, '0');
  for (char& c : text) c = random() % 3 == 0 ? ',' : static_cast<char>('0' + random() % 10);
  for (size_t length : {0ul, 1ul, 15ul, 16ul, 63ul, 64ul, 65ul, 64ul * 255 - 1, 64ul * 255, 64ul * 255 + 1,
                        64ul * 255 * 2 + 77, text.size() - 16}) {
    for (size_t offset = 0; offset < 16; ++offset) {
      const char* b = text.data() + offset;
      ASSERT_EQ(CountByte(b, b + length, ','), static_cast<uint64_t>(std::count(b, b + length, ',')))
          << "length " << length << " offset " << offset;
    }
  }
}

TEST(CountByte, EveryByteTheNeedle) {
  // All 255 rounds of a block match in every lane: the largest a lane holds.
  const std::string text(64 * 255 * 2 + 5, ',');
  EXPECT_EQ(CountByte(text.data(), text.data() + text.size(), ','), text.size());
  EXPECT_EQ(CountByte(text.data(), text.data() + text.size(), ']'), 0u);
}

}  // namespace
}  // namespace oomkit
