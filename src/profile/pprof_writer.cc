#include "profile/pprof_writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include <fmt/format.h>
#include <zlib.h>

namespace oomkit::profile {
namespace {

// Protobuf wire format: varints and length-delimited fields.
class Message {
 public:
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void Key(uint32_t field, uint32_t wire) { Varint((uint64_t{field} << 3) | wire); }
  void Int(uint32_t field, uint64_t v) {
    if (v == 0) return;  // proto3 default
    Key(field, 0);
    Varint(v);
  }
  void Bytes(uint32_t field, std::string_view b) {
    Key(field, 2);
    Varint(b.size());
    out_.append(b);
  }
  void Packed(uint32_t field, const std::vector<uint64_t>& values) {
    Message m;
    for (uint64_t v : values) m.Varint(v);
    Bytes(field, m.str());
  }
  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

}  // namespace

std::string EncodePprof(const HeapProfile& p) {
  std::vector<std::string> strings{""};
  std::unordered_map<std::string, uint64_t> string_ids{{"", 0}};
  auto str = [&](const std::string& s) {
    auto [it, inserted] = string_ids.emplace(s, strings.size());
    if (inserted) strings.push_back(s);
    return it->second;
  };
  Message profile;
  auto value_type = [&](uint32_t field, const char* type, const char* unit) {
    Message vt;
    vt.Int(1, str(type));
    vt.Int(2, str(unit));
    profile.Bytes(field, vt.str());
  };
  value_type(1, "samples", "count");  // sample_type
  value_type(1, "space", "bytes");
  // Samples: one per node that allocated, its locations leaf first.
  for (size_t i = 0; i < p.nodes.size(); ++i) {
    const ProfileNode& n = p.nodes[i];
    if (n.self_size == 0 && n.samples == 0) continue;
    std::vector<uint64_t> stack;
    for (uint32_t a = static_cast<uint32_t>(i); a != UINT32_MAX; a = p.nodes[a].parent)
      if (p.nodes[a].parent != UINT32_MAX) stack.push_back(p.nodes[a].frame + 1);  // the "(root)" node is no frame
    Message sample;
    sample.Packed(1, stack);
    sample.Packed(2, {n.samples, n.self_size});
    profile.Bytes(2, sample.str());
  }
  // One location and one function per call frame (ids from 1).
  for (size_t f = 0; f < p.frames.size(); ++f) {
    const CallFrame& c = p.frames[f];
    Message line;
    line.Int(1, f + 1);
    line.Int(2, static_cast<uint64_t>(c.line + 1 > 0 ? c.line + 1 : 0));
    Message location;
    location.Int(1, f + 1);
    location.Bytes(4, line.str());
    profile.Bytes(4, location.str());
  }
  for (size_t f = 0; f < p.frames.size(); ++f) {
    const CallFrame& c = p.frames[f];
    std::string name = c.function.empty() ? "(anonymous)" : c.function;
    Message function;
    function.Int(1, f + 1);
    function.Int(2, str(name));
    function.Int(3, str(name));
    function.Int(4, str(c.url));
    function.Int(5, static_cast<uint64_t>(c.line + 1 > 0 ? c.line + 1 : 0));
    profile.Bytes(5, function.str());
  }
  // period_type and period: one sample per ~512 KiB allocated is Node's default.
  {
    Message vt;
    vt.Int(1, str("space"));
    vt.Int(2, str("bytes"));
    profile.Bytes(11, vt.str());
    profile.Int(12, 512 * 1024);
  }
  // The string table last: the ids above are final.
  Message table;
  for (const std::string& s : strings) table.Bytes(6, s);
  return profile.str() + table.str();
}

Status WritePprof(const HeapProfile& p, const std::string& path) {
  std::string raw = EncodePprof(p);
  FILE* f = std::fopen(path.c_str(), "wx");
  if (!f) return Status::Error(errno == EEXIST ? "exists already: give a new file name" : std::strerror(errno));
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    std::fclose(f);
    return Status::Error("zlib failed to start");
  }
  z.next_in = reinterpret_cast<Bytef*>(raw.data());
  z.avail_in = static_cast<uInt>(raw.size());
  std::vector<unsigned char> out(1 << 16);
  int rc;
  do {
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    rc = deflate(&z, Z_FINISH);
    std::fwrite(out.data(), 1, out.size() - z.avail_out, f);
  } while (rc == Z_OK);
  deflateEnd(&z);
  bool ok = rc == Z_STREAM_END && std::fclose(f) == 0;
  if (!ok) return Status::Error("writing failed");
  return Status();
}

}  // namespace oomkit::profile
