#include "common/input_file.h"

#include <zlib.h>

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace oomkit {
namespace {

std::string Write(const std::string& name, const std::string& bytes) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  return path;
}

std::string Text() {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += std::to_string(i) + ",";
  return text;
}

// ReadAt copies what the mapping shows, for a file as for bytes in memory,
// and stops at the end.
TEST(InputFile, ReadAtCopiesWhatTheMappingShows) {
  const std::string text = Text();
  auto file = InputFile::Open(Write("read-at.txt", text));
  ASSERT_TRUE(file.ok()) << file.error();
  InputFile bytes = InputFile::FromBytes(text);
  for (const InputFile* in : {&file.value(), &bytes}) {
    ASSERT_TRUE(in->can_read_at());
    ASSERT_EQ(in->bytes(), text);
    std::string out(9000, '?');
    ASSERT_EQ(in->ReadAt(12345, out.data(), 9000), 9000u);
    EXPECT_EQ(out, text.substr(12345, 9000));
    EXPECT_EQ(in->ReadAt(text.size() - 10, out.data(), 9000), 10u);
    EXPECT_EQ(out.substr(0, 10), text.substr(text.size() - 10));
    EXPECT_EQ(in->ReadAt(text.size(), out.data(), 9000), 0u);
  }
  // The descriptor moves with the object: the moved-to one reads, the
  // moved-from one holds nothing.
  InputFile moved = file.take();
  std::string out(5, '?');
  EXPECT_EQ(moved.ReadAt(0, out.data(), 5), 5u);
  EXPECT_EQ(out, text.substr(0, 5));
  InputFile empty;
  EXPECT_FALSE(empty.can_read_at());
  EXPECT_EQ(empty.ReadAt(0, out.data(), 5), 0u);
}

// Inflated gzip is in memory already: the reader walks it in place.
TEST(InputFile, InflatedGzipIsNotReadAgain) {
  const std::string text = Text();
  uLongf size = compressBound(static_cast<uLong>(text.size())) + 64;
  std::string gz(size, '\0');
  z_stream zs{};
  ASSERT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(gz.data());
  zs.avail_out = static_cast<uInt>(gz.size());
  ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  gz.resize(zs.total_out);
  deflateEnd(&zs);
  auto in = InputFile::Open(Write("read-at.txt.gz", gz));
  ASSERT_TRUE(in.ok()) << in.error();
  EXPECT_TRUE(in.value().gzip());
  EXPECT_EQ(in.value().bytes(), text);
  EXPECT_FALSE(in.value().can_read_at());
}

}  // namespace
}  // namespace oomkit
