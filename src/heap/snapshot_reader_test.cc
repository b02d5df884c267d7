#include "heap/snapshot_reader.h"

#include <sys/resource.h>
#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "heap/test_support.h"

namespace oomkit::heap {
namespace {

using testing::ReadFile;
using testing::ReadText;
using testing::SharedPath;

// A minimal modern-layout snapshot: root -> (shortcut) global -> (property x) "hi".
std::string Tiny(const std::string& nodes = "9,0,1,0,1,0, 3,1,3,100,1,0, 2,2,5,20,0,0",
                 const std::string& edges = "5,3,6, 2,4,12",
                 const std::string& strings = R"("", "global", "hi", "unused", "x")",
                 const std::string& counts = R"("node_count":3,"edge_count":2)") {
  return R"({"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count","detachedness"],)"
         R"("node_types":[["hidden","array","string","object","code","closure","regexp","number","native",)"
         R"("synthetic","concatenated string","sliced string","symbol","bigint","object shape"],)"
         R"("string","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],)"
         R"("edge_types":[["context","element","property","internal","hidden","shortcut","weak"],)"
         R"("string_or_number","node"]},)" +
         counts + R"(},"nodes":[)" + nodes + R"(],"edges":[)" + edges + R"(],"strings":[)" + strings + "]}";
}

std::string FileBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(SnapshotReader, ReadsTinySnapshot) {
  auto r = ReadText(Tiny());
  ASSERT_TRUE(r.ok()) << r.error();
  const Snapshot& s = r.value();
  EXPECT_EQ(s.node_count, 3u);
  EXPECT_EQ(s.edge_count, 2u);
  EXPECT_EQ(s.edge_to[0], 1u);
  EXPECT_EQ(s.edge_to[1], 2u);
  EXPECT_EQ(s.node_name_str(1), "global");
  EXPECT_EQ(s.strings[s.edge_name(1)], "x");
}

// Edge type and name share one word; an element index past 2^28 (a sparse
// array: `a[4e9] = x`) goes to the side table and reads back whole.
TEST(SnapshotReader, HugeElementIndexReadsBack) {
  auto r = ReadText(Tiny("9,0,1,0,1,0, 3,1,3,100,2,0, 2,2,5,20,0,0", "5,3,6, 2,4,12, 1,4000000000,12",
                         R"("", "global", "hi", "unused", "x")", R"("node_count":3,"edge_count":3)"));
  ASSERT_TRUE(r.ok()) << r.error();
  const Snapshot& s = r.value();
  EXPECT_EQ(s.edge_type(2), s.layout.element);
  EXPECT_EQ(s.edge_name(2), 4000000000u);
  EXPECT_EQ(s.edge_name(1), 4u);
  EXPECT_EQ(s.edge_type(1), s.layout.property);
  EXPECT_EQ(s.edge_to[2], 2u);
}

TEST(SnapshotReader, AnyKeyOrderAndUnknownSections) {
  // Strings first, header last, a future section with nested values between.
  std::string t = Tiny();
  auto r = ReadText(R"({"strings":["", "global", "hi", "unused", "x"],"future":{"a":[1,[2,"]"]],"b":"}"},)"
                    R"("edges":[5,3,6,2,4,12],"nodes":[9,0,1,0,1,0,3,1,3,100,1,0,2,2,5,20,0,0],)" +
                    t.substr(1, t.find(R"(,"nodes")") - 1) + "}");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().node_count, 3u);
  EXPECT_EQ(r.value().node_name_str(2), "hi");
}

TEST(SnapshotReader, TraceTreeBecomesParentLinks) {
  // (root) 1 -> a 2 -> {b 3, c 4}; d 5 under the root.
  std::string t = Tiny();
  t.insert(t.size() - 1, R"(,"trace_tree":[1,0,0,0,[2,1,5,80,[3,2,1,16,[],4,3,0,0,[]],5,4,1,8,[]]])");
  auto r = ReadText(t);
  ASSERT_TRUE(r.ok()) << r.error();
  const auto& tn = r.value().trace_nodes;
  ASSERT_EQ(tn.size(), 5u);
  std::vector<uint32_t> ids, infos, parents;
  for (const auto& n : tn) ids.push_back(n.id), infos.push_back(n.function_info), parents.push_back(n.parent);
  EXPECT_EQ(ids, (std::vector<uint32_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(infos, (std::vector<uint32_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(parents, (std::vector<uint32_t>{UINT32_MAX, 0, 1, 1, 0}));

  // Valid JSON, wrong shape (not JSON at all is the generic walker's error).
  for (const char* bad : {R"([1,0,0,0,[2,1,5,80]])", R"([1,0,0,0,7])", R"([1,0,0,[]])", R"([1,0,0,0,["a"]])"}) {
    std::string b = Tiny();
    b.insert(b.size() - 1, std::string(R"(,"trace_tree":)") + bad);
    auto e = ReadText(b);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_NE(e.error().find("in \"trace_tree\""), std::string::npos) << e.error();
  }
}

TEST(SnapshotReader, EscapesAndUnicode) {
  auto r = ReadText(Tiny("9,0,1,0,1,0, 3,1,3,100,1,0, 2,2,5,20,0,0", "5,3,6, 2,4,12",
                         R"("", "a\"b\\c\/\n", "\u00e9\ud83d\ude00 é", "x", "y")"));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().strings[1], "a\"b\\c/\n");
  EXPECT_EQ(r.value().strings[2], "\xc3\xa9\xf0\x9f\x98\x80 \xc3\xa9");
}

// Element and hidden edges hold an index, not a string: one past the end of
// "strings" is no bad reference (the reader notes the largest string index
// names hold while it parses the arrays).
TEST(SnapshotReader, IndexEdgesAreNotStringReferences) {
  for (const char* edges : {"5,3,6, 1,99,12", "5,3,6, 4,1000,12"}) {
    auto r = ReadText(Tiny("9,0,1,0,1,0, 3,1,3,100,1,0, 2,2,5,20,0,0", edges));
    ASSERT_TRUE(r.ok()) << edges << ": " << r.error();
    EXPECT_GE(r.value().edge_name(1), 99u);
    EXPECT_EQ(r.value().missing, "") << edges;
  }
  auto r = ReadText(Tiny("9,0,1,0,1,0, 3,1,3,100,1,0, 2,2,5,20,0,0", "5,3,6, 3,99,12"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("edge name 99 is past the end"), std::string::npos) << r.error();
}

struct BadCase {
  const char* what;
  std::string text;
  const char* expect;  // a piece of the message
};

TEST(SnapshotReader, BadInputGivesOffsetAndReason) {
  const std::string ok = Tiny();
  std::vector<BadCase> cases = {
      {"empty", "", "byte 0: the file is empty"},
      {"not json", "hello", "byte 0: expected '{'"},
      {"node count lies", Tiny("9,0,1,0,1,0, 3,1,3,100,1,0, 2,2,5,20,0,0", "5,3,6, 2,4,12",
                               R"("", "global", "hi", "unused", "x")", R"("node_count":4,"edge_count":2)"),
       "header says node_count 4 but \"nodes\" holds 3 nodes"},
      {"edge count lies", Tiny("9,0,1,0,1,0, 3,1,3,100,1,0, 2,2,5,20,0,0", "5,3,6, 2,4,12",
                               R"("", "global", "hi", "unused", "x")", R"("node_count":3,"edge_count":1)"),
       "header says edge_count 1"},
      {"to_node not a node start", Tiny("9,0,1,0,1,0, 3,1,3,100,1,0, 2,2,5,20,0,0", "5,3,7, 2,4,12"),
       "to_node is not a multiple of the node field count"},
      {"to_node past the end", Tiny("9,0,1,0,1,0, 3,1,3,100,1,0, 2,2,5,20,0,0", "5,3,6, 2,4,18"),
       "to_node points past the last node"},
      {"unknown node type", Tiny("9,0,1,0,1,0, 33,1,3,100,1,0, 2,2,5,20,0,0"), "node type index past the end"},
      {"unknown edge type", Tiny("9,0,1,0,1,0, 3,1,3,100,1,0, 2,2,5,20,0,0", "9,3,6, 2,4,12"),
       "edge type index past the end"},
      {"string index out of range", Tiny("9,0,1,0,1,0, 3,77,3,100,1,0, 2,2,5,20,0,0"),
       "node name 77 is past the end of \"strings\""},
      {"edge name out of range", Tiny("9,0,1,0,1,0, 3,1,3,100,1,0, 2,2,5,20,0,0", "5,3,6, 2,44,12"),
       "edge name 44 is past the end"},
      {"edge counts disagree", Tiny("9,0,1,0,2,0, 3,1,3,100,1,0, 2,2,5,20,0,0"), "edge_count fields add up to 3"},
      {"bad escape", Tiny("9,0,1,0,1,0, 3,1,3,100,1,0, 2,2,5,20,0,0", "5,3,6, 2,4,12", R"("", "a\qb", "c", "d", "e")"),
       "unknown escape"},
      {"lone low surrogate", Tiny("9,0,1,0,1,0, 3,1,3,100,1,0, 2,2,5,20,0,0", "5,3,6, 2,4,12",
                                  R"("", "\udc00", "c", "d", "e")"),
       "unpaired UTF-16 low surrogate"},
      {"high surrogate alone", Tiny("9,0,1,0,1,0, 3,1,3,100,1,0, 2,2,5,20,0,0", "5,3,6, 2,4,12",
                                    R"("", "\ud800x", "c", "d", "e")"),
       "not followed by a low surrogate"},
      {"invalid UTF-8", Tiny("9,0,1,0,1,0, 3,1,3,100,1,0, 2,2,5,20,0,0", "5,3,6, 2,4,12",
                             "\"\", \"\xff\xfe\", \"c\", \"d\", \"e\""),
       "invalid UTF-8 byte 0xff"},
      {"letters in numbers", Tiny("9,0,1,0,1,0, 3,1,3,1x0,1,0, 2,2,5,20,0,0"), "expected ',' or ']' in \"nodes\""},
      {"trailing comma", Tiny("9,0,1,0,1,0, 3,1,3,100,1,0, 2,2,5,20,0,0,"), "expected a number after ',' in \"nodes\""},
      {"no meta", R"({"snapshot":{},"nodes":[],"edges":[],"strings":[]})", "no \"meta\""},
      // Found by the fuzzer: a second, cut "edges" replaced half of the first.
      {"section twice", Tiny().replace(Tiny().rfind(",\"strings\""), 0, ",\"edges\":[5,4"), "a second \"edges\" section"},
      // Found by the fuzzer: nlohmann-json throws out_of_range, not parse_error, for this.
      {"header number overflows", R"({"snapshot":{"meta":{"x":[1E9999]}},"nodes":[],"edges":[],"strings":[]})",
       "the \"snapshot\" header cannot be read"},
  };
  for (const auto& c : cases) {
    auto r = ReadText(c.text);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_NE(r.error().find(c.expect), std::string::npos) << c.what << ": " << r.error();
    EXPECT_EQ(r.error().rfind("byte ", 0), 0u) << c.what << ": " << r.error();
  }
}

// A process that dies while writing leaves a prefix: every prefix must give
// a clean error (or, with --partial, a result), never a crash.
TEST(SnapshotReader, EveryPrefixFailsCleanly) {
  std::string full = FileBytes(SharedPath("fixtures/devtools-mock-6node.heapsnapshot"));
  ASSERT_FALSE(full.empty());
  size_t strings_at = full.find("\"strings\"");
  for (size_t len = 0; len < full.size(); ++len) {
    std::string cut = full.substr(0, len);
    auto r = ReadText(cut);
    bool whole_json_object = cut.find_last_not_of(" \n\r\t") != std::string::npos &&
                             cut[cut.find_last_not_of(" \n\r\t")] == '}' && len + 2 >= full.size();
    if (!whole_json_object) {
      ASSERT_FALSE(r.ok()) << "prefix " << len;
      EXPECT_EQ(r.error().rfind("byte ", 0), 0u) << r.error();
    }
    auto partial = ReadText(cut, /*partial=*/true);
    if (len > strings_at + 12 && !partial.ok()) ADD_FAILURE() << "partial at " << len << ": " << partial.error();
  }
}

TEST(SnapshotReader, TruncatedFixtureFromTheWildFails) {
  auto r = ReadFile(SharedPath("fixtures/mhsp-small-truncated.heapsnapshot"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("header says node_count 26688716 but \"nodes\" holds 23 nodes"), std::string::npos)
      << r.error();
}

// Found by the fuzzer: a cut file naming string 4000000000 made one
// placeholder per index up to it. Only referenced indexes get one.
TEST(SnapshotReader, PartialWithAHugeMissingIndex) {
  std::string full = Tiny("9,0,1,0,1,0, 3,4000000000,3,100,1,0, 2,2,5,20,0,0");
  auto p = ReadText(full.substr(0, full.find("\"unused\"")), true);
  ASSERT_TRUE(p.ok()) << p.error();
  const Snapshot& s = p.value();
  EXPECT_EQ(s.node_name_str(1), "<missing string 4000000000>");
  EXPECT_EQ(s.strings[s.edge_name(0)], "<missing string 3>");
  EXPECT_LT(s.strings.size(), 10u);
}

TEST(SnapshotReader, PartialNamesMissingStrings) {
  std::string full = Tiny();
  std::string cut = full.substr(0, full.find("\"unused\""));
  auto r = ReadText(cut);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("the file ends inside \"strings\""), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("--partial"), std::string::npos);
  auto p = ReadText(cut, true);
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ(p.value().strings[p.value().edge_name(1)], "<missing string 4>");
  EXPECT_NE(p.value().missing.find("inside \"strings\""), std::string::npos);
}

std::string Gzip(const std::string& data) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(compressBound(data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST(SnapshotReader, GzipReadDirectlyAndCorruptionReported) {
  std::string dir = ::testing::TempDir();
  std::string gz = Gzip(Tiny());
  std::ofstream(dir + "/t.gz", std::ios::binary) << gz;
  auto r = ReadFile(dir + "/t.gz");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().node_count, 3u);

  std::string corrupt = gz;
  for (size_t i = 12; i < corrupt.size() - 8; ++i) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
  std::ofstream(dir + "/c.gz", std::ios::binary) << corrupt;
  auto in = InputFile::Open(dir + "/c.gz");
  ASSERT_FALSE(in.ok());
  EXPECT_NE(in.error().find("corrupt gzip stream at compressed byte"), std::string::npos) << in.error();

  std::ofstream(dir + "/cut.gz", std::ios::binary) << gz.substr(0, gz.size() / 2);
  auto cut = ReadFile(dir + "/cut.gz");
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.error().find("the gzip stream ends early"), std::string::npos) << cut.error();
}

// Two reads of the same graph, array by array. One check per array: a check
// per element costs a sanitized run minutes.
void ExpectSameGraph(const Snapshot& x, const Snapshot& y, const std::string& what) {
  ASSERT_EQ(x.node_count, y.node_count) << what;
  ASSERT_EQ(x.edge_count, y.edge_count) << what;
  auto first_difference = [](const auto& u, const auto& v) -> std::string {
    if (u.size() != v.size()) return fmt::format("sizes {} and {}", u.size(), v.size());
    auto [p, q] = std::mismatch(u.begin(), u.end(), v.begin());
    return p == u.end() ? "" : fmt::format("index {}: {} and {}", p - u.begin(), uint64_t{*p}, uint64_t{*q});
  };
  EXPECT_EQ(first_difference(x.node_type, y.node_type), "") << what << ", node_type";
  EXPECT_EQ(first_difference(x.node_name, y.node_name), "") << what << ", node_name";
  EXPECT_EQ(first_difference(x.node_id, y.node_id), "") << what << ", node_id";
  EXPECT_EQ(first_difference(x.node_self_size, y.node_self_size), "") << what << ", node_self_size";
  EXPECT_EQ(first_difference(x.node_detachedness, y.node_detachedness), "") << what << ", node_detachedness";
  EXPECT_EQ(first_difference(x.first_edge, y.first_edge), "") << what << ", first_edge";
  EXPECT_EQ(first_difference(x.edge_word, y.edge_word), "") << what << ", edge_word";
  EXPECT_EQ(first_difference(x.edge_to, y.edge_to), "") << what << ", edge_to";
  EXPECT_EQ(x.edge_name_overflow, y.edge_name_overflow) << what;
}

TEST(SnapshotReader, ResultDoesNotDependOnThreads) {
  std::string path = SharedPath("fixtures/heap-snapshot-toolkit-snapshot1.heapsnapshot.gz");
  auto one = ReadFile(path, false, 1), two = ReadFile(path, false, 2);
  ASSERT_TRUE(one.ok() && two.ok());
  ExpectSameGraph(one.value(), two.value(), "1 and 2 threads");
}

// Regression: with type and name packed per edge, an edge split across two
// chunks lost its type and name. Tiny chunks put records across boundaries
// at every field; the graph must come out the same as with one chunk.
TEST(SnapshotReader, ChunkBoundariesInsideRecords) {
  std::string path = SharedPath("fixtures/heap-snapshot-toolkit-snapshot1.heapsnapshot.gz");
  auto read = [&](size_t chunk_bytes) {
    auto in = InputFile::Open(path);
    EXPECT_TRUE(in.ok());
    ReadOptions o;
    o.threads = 2;
    o.chunk_bytes = chunk_bytes;
    return ReadSnapshot(in.take(), o);
  };
  auto whole = read(size_t{1} << 30);
  ASSERT_TRUE(whole.ok()) << whole.error();
  for (size_t chunk : {13, 97, 1000}) {
    auto cut = read(chunk);
    ASSERT_TRUE(cut.ok()) << cut.error();
    ExpectSameGraph(whole.value(), cut.value(), "chunk " + std::to_string(chunk));
  }
}

// Two reads of the same bytes: true when both read (the caller compares
// what they read), else a failure unless both failed in the same words.
bool BothRead(const Result<Snapshot>& a, const Result<Snapshot>& b, const std::string& what) {
  if (a.ok() != b.ok()) {
    ADD_FAILURE() << what << ": " << (a.ok() ? b.error() : a.error());
    return false;
  }
  if (!a.ok()) {
    EXPECT_EQ(a.error(), b.error()) << what;
  }
  return a.ok();
}

// With two threads a long "strings" array is read in two halves at once
// (chunk_bytes sets what is long). The strings, a file cut anywhere inside
// them (--partial) and a bad string in either half must come out as read
// in order by one thread.
TEST(SnapshotReader, StringsReadInTwoHalvesAsInOrder) {
  std::string path = SharedPath("fixtures/heap-snapshot-toolkit-snapshot1.heapsnapshot.gz");
  auto whole = ReadFile(path, false, 1);
  ASSERT_TRUE(whole.ok()) << whole.error();
  // The file's text: the gzip fixture, unpacked by the reader's own input.
  auto in = InputFile::Open(path);
  ASSERT_TRUE(in.ok());
  const std::string text(in.value().bytes().data(), in.value().bytes().size());
  const size_t strings_at = text.rfind("\"strings\"");
  ASSERT_NE(strings_at, std::string::npos);
  ASSERT_GT(text.size() - strings_at, 40000u) << "the fixture's strings must be long enough to split";
  auto read = [](const std::string& bytes, int threads, size_t chunk_bytes) {
    ReadOptions o;
    o.threads = threads;
    o.chunk_bytes = chunk_bytes;
    o.partial = true;
    return ReadSnapshot(InputFile::FromBytes(bytes), o);
  };
  auto same = [](const Result<Snapshot>& a, const Result<Snapshot>& b, const std::string& what) {
    if (!BothRead(a, b, what)) return;
    ASSERT_EQ(a.value().strings.size(), b.value().strings.size()) << what;
    for (uint32_t i = 0; i < a.value().strings.size(); ++i)
      ASSERT_EQ(a.value().strings[i], b.value().strings[i]) << what << " string " << i;
    EXPECT_EQ(a.value().missing, b.value().missing) << what;
  };
  same(read(text, 1, 8 << 20), read(text, 2, 4096), "whole file");
  // Escaped strings in both halves: each half unescapes into an arena of its
  // own, and the second half's arena is taken over, not copied.
  std::string escaped = text.substr(0, strings_at);
  size_t lines = 0;
  for (size_t i = strings_at; i < text.size(); ++i) {
    escaped += text[i];
    if (text[i] == '"' && i > 0 && text[i - 1] == '\n' && ++lines % 20 == 0) escaped += "\\n\\u00e9";
  }
  ASSERT_GT(lines, 100u);
  same(read(escaped, 1, 8 << 20), read(escaped, 2, 4096), "escaped strings");
  {
    auto two = read(escaped, 2, 4096);
    ASSERT_TRUE(two.ok()) << two.error();
    const StringTable& strings = two.value().strings;
    size_t unescaped = 0;
    for (uint32_t i = 0; i < strings.size(); ++i) unescaped += strings[i].starts_with("\n\xc3\xa9");
    EXPECT_EQ(unescaped, lines / 20);
  }
  // Cut at many places inside the strings, on both sides of the middle.
  for (size_t cut = strings_at + 20; cut < text.size(); cut += (text.size() - strings_at) / 37) {
    const std::string prefix = text.substr(0, cut);
    same(read(prefix, 1, 8 << 20), read(prefix, 2, 4096), "cut at " + std::to_string(cut));
  }
  // A long section after the strings, in the same one-string-per-line form:
  // the middle falls there, and the second half must not count.
  std::string after = text.substr(0, text.rfind('}'));
  after += ",\"future\":[";
  for (size_t i = 0; after.size() < text.size() + 2 * (text.size() - strings_at); ++i) after += "\"x\",\n";
  after += "\"y\"]}";
  same(read(after, 1, 8 << 20), read(after, 2, 4096), "a section after the strings");
  // A bad escape early and late: the first one is the error either way.
  for (double at : {0.2, 0.8}) {
    std::string bad = text;
    size_t quote = bad.find("\n\"", strings_at + static_cast<size_t>(at * static_cast<double>(text.size() - strings_at)));
    ASSERT_NE(quote, std::string::npos);
    bad.replace(quote + 2, 2, "\\q");
    same(read(bad, 1, 8 << 20), read(bad, 2, 4096), "bad escape at " + std::to_string(at));
  }
}

// JSON allows white space around every number; V8 writes "\n," between
// records only. Any spacing must read as the compact form does.
TEST(SnapshotReader, WhiteSpaceAroundNumbersReadsTheSame) {
  auto compact = ReadText(Tiny());
  auto spaced = ReadText(Tiny(" 9 ,0,\n1,0 ,1,0\r\n, 3,\t1,3,100,1,0 ,2,2,5,20,0,0 \n", "\n5 , 3,6,2,4,\n12\n"));
  ASSERT_TRUE(compact.ok()) << compact.error();
  ASSERT_TRUE(spaced.ok()) << spaced.error();
  const Snapshot& a = compact.value();
  const Snapshot& b = spaced.value();
  ASSERT_EQ(a.node_count, b.node_count);
  ASSERT_EQ(a.edge_count, b.edge_count);
  for (uint32_t n = 0; n < a.node_count; ++n) {
    EXPECT_EQ(a.node_type[n], b.node_type[n]);
    EXPECT_EQ(a.node_name[n], b.node_name[n]);
    EXPECT_EQ(a.node_id[n], b.node_id[n]);
    EXPECT_EQ(a.node_self_size[n], b.node_self_size[n]);
    EXPECT_EQ(a.first_edge[n], b.first_edge[n]);
  }
  for (uint64_t e = 0; e < a.edge_count; ++e) {
    EXPECT_EQ(a.edge_word[e], b.edge_word[e]);
    EXPECT_EQ(a.edge_to[e], b.edge_to[e]);
  }
  // A value the record parser refuses is read again by the checking parser,
  // which names it: here an 11-digit number in a node.
  auto big = ReadText(Tiny("9,0,1,0,1,0, 3,1,3,10000000000,1,0, 2,2,5,20,0,0"));
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().find("does not fit in 32 bits"), std::string::npos) << big.error();
}

// The node and edge arrays are parsed as the walk scans them, or after it
// (when the header comes last, the input is inflated gzip, or anything looks
// wrong). Both ways must read the same graph and give the same error, with
// records across chunk boundaries at every field and any thread count.
TEST(SnapshotReader, ArraysParsedInTheWalkAsAfterIt) {
  auto in = InputFile::Open(SharedPath("fixtures/heap-snapshot-toolkit-snapshot1.heapsnapshot.gz"));
  ASSERT_TRUE(in.ok());
  const std::string text(in.value().bytes().data(), in.value().bytes().size());
  auto read = [](const std::string& bytes, bool in_walk, int threads, size_t chunk_bytes) {
    ReadOptions o;
    o.threads = threads;
    o.chunk_bytes = chunk_bytes;
    o.parse_arrays_in_walk = in_walk;
    return ReadSnapshot(InputFile::FromBytes(bytes), o);
  };
  auto same = [](const Result<Snapshot>& a, const Result<Snapshot>& b, const std::string& what) {
    if (BothRead(a, b, what)) ExpectSameGraph(a.value(), b.value(), what);
  };
  auto after = read(text, false, 1, 8 << 20);
  ASSERT_TRUE(after.ok()) << after.error();
  EXPECT_FALSE(after.value().arrays_parsed_in_walk);
  // Tiny chunks put a record across every boundary but cost a sanitized run
  // seconds each: one thread count for them, all three for the rest.
  for (size_t chunk : {13, 97, 1000, 8 << 20}) {
    for (int threads : {1, 2, 3}) {
      if (chunk < 1000 && threads != 2) continue;
      auto walk = read(text, true, threads, chunk);
      ASSERT_TRUE(walk.ok()) << walk.error();
      EXPECT_TRUE(walk.value().arrays_parsed_in_walk) << "chunk " << chunk;
      same(after, walk, "chunk " + std::to_string(chunk) + ", " + std::to_string(threads) + " threads");
    }
  }

  const size_t nodes_at = text.find("\"nodes\""), edges_at = text.find("\"edges\""),
               edges_end = text.find(']', edges_at);
  ASSERT_TRUE(nodes_at < edges_at && edges_end != std::string::npos);
  // Single bytes changed inside the arrays: most changes give an error (a
  // type past the list, to_node off a node, counts that no longer add up),
  // the rest another valid graph.
  uint64_t state = 12345;
  auto next = [&](size_t bound) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    return static_cast<size_t>((state >> 33) % bound);
  };
  const std::string replacements = "0123456789,x] \n";
  for (int i = 0; i < 40; ++i) {
    std::string bad = text;
    const size_t at = nodes_at + 9 + next(edges_end - nodes_at - 9);
    bad[at] = replacements[next(replacements.size())];
    const std::string what = fmt::format("byte {} set to '{}'", at, bad[at]);
    same(read(bad, false, 1, 4096), read(bad, true, 2, 4096), what);
  }
  // The header's counts off by one, the file cut inside each array.
  for (auto [from, to] : {std::pair{"\"node_count\":", "\"node_count\":1"}, {"\"edge_count\":", "\"edge_count\":1"}}) {
    std::string bad = text;
    bad.replace(bad.find(from), std::string_view(from).size(), to);
    same(read(bad, false, 1, 1000), read(bad, true, 2, 1000), to);
  }
  for (size_t cut : {nodes_at + 5000, edges_at + 5000}) {
    const std::string prefix = text.substr(0, cut);
    same(read(prefix, false, 1, 1000), read(prefix, true, 2, 1000), "cut at " + std::to_string(cut));
  }
  // The header after the arrays: they are parsed after the walk.
  const size_t header_end = text.rfind(',', nodes_at);
  std::string moved;
  moved.reserve(text.size() + 2);
  moved += '{';
  moved.append(text, header_end + 1, text.rfind('}') - header_end - 1);
  moved += ',';
  moved.append(text, 1, header_end - 1);
  moved += '}';
  auto late = read(moved, true, 2, 1000);
  ASSERT_TRUE(late.ok()) << late.error();
  EXPECT_FALSE(late.value().arrays_parsed_in_walk);
  same(after, late, "header last");
}

// During the walk the arrays are read from copies of the file's bytes (pread
// into buffers), after it from the mapping. A real file, records across chunk
// boundaries at every field, and runs of white space longer than the room a
// copy keeps past its chunk (the chunk is then read from the mapping): the
// same graph, or the same error, both ways.
TEST(SnapshotReader, CopiedChunksReadAsTheMapping) {
  auto in = InputFile::Open(SharedPath("fixtures/heap-snapshot-toolkit-snapshot1.heapsnapshot.gz"));
  ASSERT_TRUE(in.ok());
  const std::string text(in.value().bytes().data(), in.value().bytes().size());
  const std::string path = ::testing::TempDir() + "/copied-chunks.heapsnapshot";
  auto read = [&](const std::string& bytes, bool in_walk, size_t chunk_bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    auto file = InputFile::Open(path);
    EXPECT_TRUE(file.ok());
    EXPECT_TRUE(file.value().can_read_at());
    ReadOptions o;
    o.threads = 2;
    o.chunk_bytes = chunk_bytes;
    o.parse_arrays_in_walk = in_walk;
    return ReadSnapshot(file.take(), o);
  };
  auto after = read(text, false, 8 << 20);
  ASSERT_TRUE(after.ok()) << after.error();
  for (size_t chunk : {97, 4096, 8 << 20}) {
    auto walk = read(text, true, chunk);
    ASSERT_TRUE(walk.ok()) << walk.error();
    EXPECT_TRUE(walk.value().arrays_parsed_in_walk);
    ExpectSameGraph(after.value(), walk.value(), "chunk " + std::to_string(chunk));
  }
  // 4,500-6,000 spaces after each of 900 commas of "edges" (300 edges), and a digit
  // turned into an x there: chunks longer than a buffer, and chunks whose
  // last record ends past their copy.
  const size_t edges_at = text.find("\"edges\""), edges_end = text.find(']', edges_at);
  std::string spaced;
  size_t commas = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    spaced += text[i];
    if (i > edges_at && i < edges_end && text[i] == ',' && ++commas > 3000 && commas <= 3900)
      spaced.append(4500 + commas * 37 % 1500, ' ');
  }
  ASSERT_GT(commas, 3900u);
  auto spaced_after = read(spaced, false, 8 << 20);
  ASSERT_TRUE(spaced_after.ok()) << spaced_after.error();
  ExpectSameGraph(after.value(), spaced_after.value(), "spaced, after the walk");
  for (size_t chunk : {1000, 20000, 100000}) {
    auto walk = read(spaced, true, chunk);
    ASSERT_TRUE(walk.ok()) << walk.error();
    // A parse in the walk that gives up leaves the arrays to the parse after
    // it, which would hide a wrong read of the copies.
    EXPECT_TRUE(walk.value().arrays_parsed_in_walk) << "spaced, chunk " << chunk;
    ExpectSameGraph(after.value(), walk.value(), "spaced, chunk " + std::to_string(chunk));
  }
  std::string bad = spaced;
  const size_t run = bad.find(std::string(4500, ' '), edges_at);
  ASSERT_NE(run, std::string::npos);
  bad[bad.find_first_of("0123456789", run)] = 'x';
  auto bad_after = read(bad, false, 1000), bad_walk = read(bad, true, 1000);
  ASSERT_FALSE(bad_after.ok());
  ASSERT_FALSE(bad_walk.ok());
  EXPECT_EQ(bad_after.error(), bad_walk.error());
  EXPECT_NE(bad_walk.error().find("in \"edges\""), std::string::npos) << bad_walk.error();
}

// The node and edge arrays are allocated from the header before their values
// are counted: counts far past what the file could hold, 2e9 nodes (36 GB)
// or 4e9 edges (32 GB), must not be asked for on the header's word.
TEST(SnapshotReader, HeaderCountsPastTheFileAreNotAllocated) {
  auto in = InputFile::Open(SharedPath("fixtures/heap-snapshot-toolkit-snapshot1.heapsnapshot.gz"));
  ASSERT_TRUE(in.ok());
  const std::string text(in.value().bytes().data(), in.value().bytes().size());
  auto read = [](const std::string& bytes, bool in_walk) {
    ReadOptions o;
    o.threads = 2;
    o.parse_arrays_in_walk = in_walk;
    return ReadSnapshot(InputFile::FromBytes(bytes), o);
  };
  for (auto [key, count] : {std::pair{"\"node_count\":", "1999999999"}, {"\"edge_count\":", "4000000000"}}) {
    std::string bad = text;
    const size_t at = bad.find(key) + std::string_view(key).size();
    bad.replace(at, bad.find_first_not_of("0123456789", at) - at, count);
    auto after_walk = read(bad, false);
    ASSERT_FALSE(after_walk.ok()) << key << count;
    EXPECT_NE(after_walk.error().find(count), std::string::npos) << after_walk.error();
    auto walk = read(bad, true);
    ASSERT_FALSE(walk.ok()) << key << count;
    EXPECT_EQ(walk.error(), after_walk.error());
#ifndef OOMKIT_SANITIZED  // the sanitizers' shadow memory does not fit under an address-space limit
    // Under a 6 GiB address-space limit such an allocation throws: the child
    // exits 0 only when the reader gave the same error as the parse after
    // the walk.
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    auto limited_read = [&] {
      const rlimit limit{6ull << 30, 6ull << 30};
      setrlimit(RLIMIT_AS, &limit);
      auto limited = read(bad, true);
      std::_Exit(!limited.ok() && limited.error() == after_walk.error() ? 0 : 1);
    };
    EXPECT_EXIT(limited_read(), ::testing::ExitedWithCode(0), "") << key << count;
#endif
  }
}

TEST(SnapshotReader, ObsoleteLayoutWithExtraColumns) {
  // The 2013 layout with retained_size and dominator columns: meta-driven
  // reading ignores them.
  auto r = ReadFile(SharedPath("fixtures/devtools-mock-6node.heapsnapshot"));
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.value().node_count, 6u);
  std::vector<uint32_t> first(r.value().first_edge.begin(), r.value().first_edge.end());
  EXPECT_EQ(first, (std::vector<uint32_t>{0, 2, 4, 6, 7, 7, 7}));  // DevTools: [0,6,12,18,21,21,21] / 3
}

// Locations come out in node order whatever their order in the file (V8's
// is not node order), two for one node in file order, and one that names no
// node dropped. 70 000 of them make an array the parse splits between
// threads: a bad value in it is reported at its own byte.
TEST(SnapshotReader, LocationsInNodeOrderWhateverTheFileOrder) {
  const uint32_t nodes = 70000;  // past 2^16: both radix digits count
  std::string node_text = "9,0,1,0," + std::to_string(nodes - 1) + ",0";
  std::string edge_text;
  for (uint32_t i = 1; i < nodes; ++i) {
    node_text += fmt::format(",3,1,{},16,0,0", 2 * i + 1);
    edge_text += fmt::format("{}2,0,{}", i == 1 ? "" : ",", 6 * i);
  }
  std::vector<Snapshot::Location> file_order;
  for (uint32_t k = 0; k < nodes; ++k) {
    const uint32_t node = (k * 7919u) % nodes;  // every node once, out of order
    file_order.push_back({node, k % 5, k, k % 80});
    if (k % 1000 == 0) file_order.push_back({node, 9, k + 1, 1});  // a second one for this node
  }
  std::string loc_text;
  for (const auto& l : file_order)
    loc_text += fmt::format("{}{},{},{},{}\n", loc_text.empty() ? "" : ",", 6 * l.node, l.script_id, l.line, l.column);
  loc_text += ",13,1,1,1";  // names no node: dropped
  auto text = [&](const std::string& locations) {
    std::string t = Tiny(node_text, edge_text, R"("", "global")",
                         fmt::format(R"("node_count":{},"edge_count":{})", nodes, nodes - 1));
    t.replace(t.find(R"("edge_types")"), 0, R"("location_fields":["object_index","script_id","line","column"],)");
    t.replace(t.find(R"(,"strings")"), 0, R"(,"locations":[)" + locations + "]");
    return t;
  };
  std::vector<Snapshot::Location> expected = file_order;
  std::stable_sort(expected.begin(), expected.end(), [](auto& a, auto& b) { return a.node < b.node; });
  for (int threads : {1, 2}) {
    ReadOptions o;
    o.threads = threads;
    auto r = ReadSnapshot(InputFile::FromBytes(text(loc_text)), o);
    ASSERT_TRUE(r.ok()) << r.error();
    const auto& got = r.value().locations;
    ASSERT_EQ(got.size(), expected.size()) << threads << " threads";
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i].node, expected[i].node) << "location " << i;
      ASSERT_EQ(got[i].line, expected[i].line) << "location " << i;
      ASSERT_EQ(got[i].script_id, expected[i].script_id) << "location " << i;
      ASSERT_EQ(got[i].column, expected[i].column) << "location " << i;
    }
  }
  // A bad value three quarters in, where the second thread parses.
  std::string bad = loc_text;
  size_t at = bad.find(",", bad.size() * 3 / 4) + 1;
  bad.replace(at, 1, "x");
  std::string t = text(bad);
  auto r = ReadText(t);
  ASSERT_FALSE(r.ok());
  const size_t byte = t.find(R"("locations":[)") + 13 + at;
  EXPECT_NE(r.error().find(fmt::format("byte {}: expected a number in \"locations\"", byte)), std::string::npos)
      << r.error();
}

}  // namespace
}  // namespace oomkit::heap
