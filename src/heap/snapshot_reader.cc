#include "heap/snapshot_reader.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/count_byte.h"
#include "common/parallel.h"
#include "common/prefault.h"
#include "common/worker_threads.h"
#include "heap/weakmap_edges.h"

namespace oomkit::heap {
namespace {

using nlohmann::json;

// A chunk of an array's contents that starts on a value boundary.
struct Chunk {
  size_t begin, end;
  uint64_t first_value;  // index of the first value in the whole array
  // During the walk: the file's bytes [text_begin, text_end) copied into one
  // of the walk's buffers (TopLevelWalker::ScanNumberArray says for how long
  // they stay there); null when the chunk is read from the mapping.
  const char* text = nullptr;
  size_t text_begin = 0, text_end = 0;
};

// Where a chunk's bytes are read: its copy when that holds them all and the
// byte at `end` (the parsers look at it), else the file's bytes p.
const char* ChunkBytes(const char* p, const Chunk& c) {
  if (c.text && c.begin >= c.text_begin && c.end < c.text_end) return c.text + (c.begin - c.text_begin);
  return p + c.begin;
}

// [begin, end) of an array's contents: begin is just after '[', end is at ']'.
// For number arrays the walk also cuts it into chunks and counts its values.
struct Span {
  size_t begin = 0;
  size_t end = 0;
  bool present = false;
  std::vector<Chunk> chunks;
  uint64_t values = 0;
};

bool IsWs(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

std::string Quote(std::string_view s) { return fmt::format("\"{}\"", s); }

std::string Describe(const char* p, size_t n, size_t pos) {
  if (pos >= n) return "the end of the file";
  unsigned char c = static_cast<unsigned char>(p[pos]);
  if (c >= 0x20 && c < 0x7f) return fmt::format("'{}'", static_cast<char>(c));
  return fmt::format("byte 0x{:02x}", c);
}

// ---------------------------------------------------------------- top level

// What the top-level walk found. Sections are parsed after the walk because
// the arrays can come before the header that describes them.
struct Sections {
  Span header;  // [begin, end) of the whole "snapshot" object, braces included
  Span nodes, edges, locations, samples, trace_function_infos;
  Span trace_tree;  // [begin, end) of the nested array
  bool strings_seen = false;
  bool strings_complete = false;
  size_t strings_begin = 0, strings_end = 0;
  // Where the file ended early, and inside what.
  std::optional<size_t> cut_at;
  std::string cut_in;
};

// Work a sink hands back to the walk: each task parses one chunk.
using ParseTasks = std::vector<std::function<void()>>;

// Takes a number array's chunks while the walk scans them (ArraysInWalk).
class ScanSink {
 public:
  virtual ~ScanSink() = default;
  // Whether it takes the array `key`, whose scan begins now at byte `begin`.
  virtual bool Begin(std::string_view key, const Sections& sections, size_t begin) = 0;
  // The next chunks of the array, in order; their bytes are still mapped,
  // and those with a text stay in it until the tasks of the next call have
  // run. Adds to `tasks` the parse of what it can parse now: the walk runs
  // those beside its scan of the next batch (or at once when the array is
  // complete), then calls Take again or, at the end, Done.
  // `complete`: the array ends with them and holds `values` numbers. False:
  // it gave up (adding no task), and the walk releases the pages of the
  // rest itself.
  virtual bool Take(const std::vector<Chunk>& chunks, bool complete, uint64_t values, ParseTasks* tasks) = 0;
  // The array's last tasks have run: the sink notes whether every task
  // parsed its chunk.
  virtual void Done() = 0;
};

class TopLevelWalker {
 public:
  TopLevelWalker(InputFile& input, StringTable* strings, const Progress& progress, int threads, size_t chunk_bytes,
                 ScanSink* sink)
      : chunk_bytes_(std::max<size_t>(chunk_bytes, 1)),
        input_(input),
        p_(input.bytes().data()),
        n_(input.bytes().size()),
        strings_(strings),
        progress_(progress),
        threads_(threads),
        sink_(sink) {}

  // The strings that may name a WeakMap edge, by index (after Walk).
  std::vector<uint32_t> TakeWeakMapCandidates() { return std::move(weakmap_candidates_); }

  Status Walk(Sections* out) {
    size_t pos = SkipWs(0);
    if (n_ == 0) return Status::Error("byte 0: the file is empty (expected a heap snapshot, '{')");
    if (pos >= n_) return Status::Error(fmt::format("byte {}: the file holds only white space", pos));
    if (p_[pos] != '{')
      return Status::Error(fmt::format("byte {}: expected '{{' (a heap snapshot is one JSON object), found {}",
                                       pos, Describe(p_, n_, pos)));
    ++pos;
    bool first = true;
    while (true) {
      pos = SkipWs(pos);
      if (pos >= n_) return Cut(out, pos, "the top-level object");
      if (p_[pos] == '}') return Status();
      if (!first) {
        if (p_[pos] != ',')
          return Status::Error(fmt::format("byte {}: expected ',' or '}}' between top-level sections, found {}",
                                           pos, Describe(p_, n_, pos)));
        pos = SkipWs(pos + 1);
        if (pos >= n_) return Cut(out, pos, "the top-level object");
      }
      first = false;
      if (p_[pos] != '"')
        return Status::Error(fmt::format("byte {}: expected a section name in quotes, found {}", pos,
                                         Describe(p_, n_, pos)));
      size_t key_begin = pos + 1;
      size_t key_end = FindStringEnd(key_begin);
      if (key_end >= n_) return Cut(out, n_, "a section name");
      std::string_view key(p_ + key_begin, key_end - key_begin);
      pos = SkipWs(key_end + 1);
      if (pos >= n_) return Cut(out, pos, key);
      if (p_[pos] != ':')
        return Status::Error(fmt::format("byte {}: expected ':' after {}, found {}", pos, Quote(key),
                                         Describe(p_, n_, pos)));
      pos = SkipWs(pos + 1);
      if (pos >= n_) return Cut(out, pos, key);

      // A section given twice has no single meaning: refuse rather than guess.
      bool seen = key == "snapshot"     ? out->header.present
                  : key == "strings"    ? out->strings_seen
                  : key == "trace_tree" ? out->trace_tree.present
                  : NumberArray(out, key) != nullptr && NumberArray(out, key)->present;
      if (seen)
        return Status::Error(fmt::format("byte {}: a second {} section (each may appear once)", key_begin - 1,
                                         Quote(key)));
      if (key == "snapshot") {
        size_t end = 0;
        Status s = SkipValue(pos, &end);
        if (!s.ok()) return s;
        if (end > n_) return Cut(out, n_, key);
        out->header.begin = pos;
        out->header.end = end;
        out->header.present = true;
        pos = end;
      } else if (Span* span = NumberArray(out, key)) {
        if (p_[pos] != '[')
          return Status::Error(fmt::format("byte {}: expected '[' to open {}, found {}", pos, Quote(key),
                                           Describe(p_, n_, pos)));
        Span scanned;
        ScanSink* sink = sink_ && sink_->Begin(key, *out, pos + 1) ? sink_ : nullptr;
        if (!ScanNumberArray(pos + 1, &scanned, sink)) return Cut(out, n_, key);
        *span = std::move(scanned);
        pos = span->end + 1;
        progress_("reading", pos, n_);
      } else if (key == "strings") {
        out->strings_seen = true;
        size_t end = 0;
        bool cut = false;
        Status s = ParseStrings(pos, &end, &cut);
        out->strings_begin = pos;
        out->strings_end = cut ? n_ : end;
        if (!s.ok()) return s;
        if (cut) return Cut(out, n_, key);
        out->strings_complete = true;
        pos = end;
      } else if (key == "trace_tree") {
        size_t end = 0;
        Status s = SkipValue(pos, &end);
        if (!s.ok()) return s;
        if (end > n_) return Cut(out, n_, key);
        out->trace_tree = {pos, end, true, {}, 0};
        pos = end;
      } else {
        // Unknown (future sections): skip it.
        size_t end = 0;
        Status s = SkipValue(pos, &end);
        if (!s.ok()) return s;
        if (end > n_) return Cut(out, n_, key);
        pos = end;
      }
    }
  }

 private:
  static Span* NumberArray(Sections* out, std::string_view key) {
    if (key == "nodes") return &out->nodes;
    if (key == "edges") return &out->edges;
    if (key == "locations") return &out->locations;
    if (key == "samples") return &out->samples;
    if (key == "trace_function_infos") return &out->trace_function_infos;
    return nullptr;
  }

  // Finds the end of a number array and cuts it into chunks of about
  // chunk_bytes that each start just after a comma, counting the values
  // before each. Chunks are scanned in parallel batches; with a sink, each
  // batch is handed to it while its pages are mapped, else the pages are
  // released at once: either way the array is never resident as a whole.
  // With a sink, each chunk is copied with ReadAt() into a buffer and read
  // there, not through the mapping: a page of a mapped file costs a fault
  // on its first read, 0.5 s per GB on our VMs against 0.1 s per GB copied
  // from the page cache into buffers used again and again. The sink's
  // parse of one batch runs in the same parallel loop as the scan of the
  // next, so that no core waits for the other at the end of either (as
  // two steps, each ended with one core idle). Chunks of 4 MB parse as fast
  // this way as chunks of 8 MB did in two steps (0.13-0.16 s of read on the
  // 205 MB bench file either way), in 48 MB of buffers instead of 64: the
  // read's peak stays under the Summary's analysis peak. Three sets of
  // buffers take turns by batch: while batch k is scanned into one, the
  // sink parses batch k-1 and the chunk it held back from batch k-2 (its
  // end waited for batch k-1) from the other two. False when the file ends
  // first.
  bool ScanNumberArray(size_t begin, Span* span, ScanSink* sink) {
    const size_t kChunk = chunk_bytes_;
    // boundary(k): where chunk k starts: just after the first ',' at or after
    // begin + k * kChunk, or at a ']' met before any comma.
    auto boundary = [&](size_t k) -> size_t {
      size_t at = begin + k * kChunk;
      if (k == 0 || at >= n_) return std::min(at, n_);
      while (at < n_ && p_[at] != ',' && p_[at] != ']') ++at;
      return at < n_ && p_[at] == ',' ? at + 1 : at;
    };
    struct Scanned {
      size_t begin, end, close;  // close: position of ']' in [begin, end), or SIZE_MAX
      uint64_t commas;
      const char* text = nullptr;  // the copy of [begin, text_end), or null
      size_t text_end = 0;
    };
    span->chunks.clear();
    auto values_in = [&](size_t close, uint64_t commas) -> uint64_t {
      // n values have n-1 commas, unless the array is empty.
      return commas > 0 || !std::all_of(p_ + begin, p_ + close, IsWs) ? commas + 1 : 0;
    };
    if (!sink) {
      // An array that closes within its first chunk (locations, samples on
      // most files) is that chunk alone: a batch would scan chunks of the
      // sections after it too (24 MB through the mapping for each empty
      // array at the end of a file, 7 ms each on the 205 MB bench file).
      // Its pages stay: it is parsed soon after the walk.
      const size_t probe_end = std::min(n_, begin + kChunk);
      if (const void* found = std::memchr(p_ + begin, ']', probe_end - begin)) {
        const size_t close = static_cast<size_t>(static_cast<const char*>(found) - p_);
        if (close > begin) span->chunks.push_back({begin, close, 0});
        span->begin = begin;
        span->end = close;
        span->present = true;
        span->values = values_in(close, CountByte(p_ + begin, p_ + close, ','));
        return true;
      }
    }
    uint64_t values_before = 0;
    const size_t batch = static_cast<size_t>(threads_) * 2;
    // Buffers for as many chunks as the rest of the file can hold, at most a
    // batch: a small file takes one or two, not 3 x 4 x its size.
    const size_t slot_bytes = std::min(kChunk, n_ - begin) + 2 * kSlack;
    const size_t per_set = std::min(batch, (n_ - begin) / kChunk + 1);
    if (sink && input_.can_read_at() && buffers_.size() < kBufferSets * per_set * slot_bytes)
      buffers_.Reset(kBufferSets * per_set * slot_bytes);
    ParseTasks tasks;  // the sink's parse of the batch before
    // The file's next batch is asked for while this one is read: on a file
    // out of the page cache, the reads of a batch wait for no disk.
    if (sink) input_.Prefetch(begin, begin + batch * kChunk);
    for (size_t first = 0;; first += batch) {
      if (sink) input_.Prefetch(begin + (first + batch) * kChunk, begin + (first + 2 * batch) * kChunk);
      std::vector<Scanned> scanned(batch);
      char* const slots = sink && !buffers_.empty()
                              ? buffers_.data() + (batches_++ % kBufferSets) * per_set * slot_bytes
                              : nullptr;
      // The parse first: its tasks are the longer ones.
      const size_t parses = tasks.size();
      ParallelFor(parses + batch, threads_, [&](size_t task) {
        if (task < parses) return tasks[task]();
        const size_t i = task - parses;
        Scanned& c = scanned[i];
        c.begin = boundary(first + i);
        c.end = boundary(first + i + 1);
        const char* bytes = p_ + c.begin;  // [c.begin, c.end) are read here
        if (slots && i < per_set && c.begin < c.end && c.end - c.begin + kSlack <= slot_bytes) {
          char* slot = slots + i * slot_bytes;
          const size_t want = std::min(c.end - c.begin + kSlack, n_ - c.begin);
          if (input_.ReadAt(c.begin, slot, want) == want) {
            c.text = bytes = slot;
            c.text_end = c.begin + want;
          }
        }
        const void* close = c.begin < c.end ? std::memchr(bytes, ']', c.end - c.begin) : nullptr;
        c.close = close ? c.begin + static_cast<size_t>(static_cast<const char*>(close) - bytes) : SIZE_MAX;
        size_t stop = close ? c.close : c.end;
        c.commas = CountByte(bytes, bytes + (stop - c.begin), ',');
        if (!sink) input_.ReleaseUntilNeeded(c.begin, stop);
      });
      tasks.clear();
      std::vector<Chunk> fresh;  // for the sink: the chunks with their copies
      bool cut = false, complete = false;
      for (const Scanned& c : scanned) {
        if (c.begin >= n_) {
          cut = true;
          break;
        }
        size_t stop = c.close != SIZE_MAX ? c.close : c.end;
        if (stop > c.begin) {
          span->chunks.push_back({c.begin, stop, values_before});
          fresh.push_back({c.begin, stop, values_before, c.text, c.begin, c.text_end});
        }
        values_before += c.commas;
        if (c.close != SIZE_MAX) {
          span->begin = begin;
          span->end = c.close;
          span->present = true;
          span->values = values_in(c.close, values_before);
          complete = true;
          break;
        }
      }
      if (sink && (cut || !sink->Take(fresh, complete, span->values, &tasks))) {
        input_.ReleaseUntilNeeded(scanned.front().begin, complete ? span->end : scanned.back().end);
        sink = nullptr;
      }
      if (cut) return false;
      if (complete) {
        if (sink) {
          ParallelFor(tasks.size(), threads_, [&](size_t task) { tasks[task](); });
          sink->Done();
        }
        return true;
      }
      progress_("reading", scanned.back().end, n_);
    }
  }

  Status Cut(Sections* out, size_t pos, std::string_view where) {
    out->cut_at = pos;
    out->cut_in = std::string(where);
    return Status();
  }

  size_t SkipWs(size_t pos) const {
    while (pos < n_ && IsWs(p_[pos])) ++pos;
    return pos;
  }

  // pos is just after an opening quote; returns the position of the closing
  // quote, or n_ when the file ends first.
  size_t FindStringEnd(size_t pos) const {
    while (pos < n_) {
      const void* q = std::memchr(p_ + pos, '"', n_ - pos);
      if (!q) return n_;
      size_t at = static_cast<const char*>(q) - p_;
      size_t slashes = 0;
      while (at - slashes > pos && p_[at - slashes - 1] == '\\') ++slashes;
      if (slashes % 2 == 0) return at;
      pos = at + 1;
    }
    return n_;
  }

  // Skips one JSON value of any kind; *end is just past it, or > n_ when the
  // file ends inside it.
  Status SkipValue(size_t pos, size_t* end) const {
    int depth = 0;
    while (true) {
      pos = SkipWs(pos);
      if (pos >= n_) {
        *end = n_ + 1;
        return Status();
      }
      char c = p_[pos];
      if (c == '{' || c == '[') {
        ++depth;
        ++pos;
        continue;
      }
      if (c == '}' || c == ']') {
        if (depth == 0)
          return Status::Error(fmt::format("byte {}: expected a value, found {}", pos, Describe(p_, n_, pos)));
        --depth;
        ++pos;
      } else if (c == '"') {
        size_t close = FindStringEnd(pos + 1);
        if (close >= n_) {
          *end = n_ + 1;
          return Status();
        }
        pos = close + 1;
      } else if (c == ',' || c == ':') {
        if (depth == 0)
          return Status::Error(fmt::format("byte {}: expected a value, found {}", pos, Describe(p_, n_, pos)));
        ++pos;
        continue;
      } else if ((c >= '0' && c <= '9') || c == '-' || c == 't' || c == 'f' || c == 'n') {
        while (pos < n_ && !IsWs(p_[pos]) && p_[pos] != ',' && p_[pos] != ']' && p_[pos] != '}') ++pos;
        if (pos >= n_) {
          *end = n_ + 1;
          return Status();
        }
      } else {
        return Status::Error(fmt::format("byte {}: expected a JSON value, found {}", pos, Describe(p_, n_, pos)));
      }
      if (depth == 0) {
        *end = pos;
        return Status();
      }
    }
  }

  // Parses the "strings" array into strings_. *cut is set when the file ends
  // inside it; the strings read whole so far are kept.
  Status ParseStrings(size_t pos, size_t* end, bool* cut) {
    if (p_[pos] != '[')
      return Status::Error(fmt::format("byte {}: expected '[' to open \"strings\", found {}", pos,
                                       Describe(p_, n_, pos)));
    ++pos;
    pos = SkipWs(pos);
    if (pos < n_ && p_[pos] == ']') {
      *end = pos + 1;
      return Status();
    }
    const size_t long_run = std::min(2 * chunk_bytes_, kStringsInTwoHalvesBytes);
    const size_t second = threads_ > 1 && n_ - pos > long_run ? SecondHalf(pos + (n_ - pos) / 2) : 0;
    if (second == 0) return ParseStringRun(pos, SIZE_MAX, strings_, &weakmap_candidates_, end, cut);
    // Two halves at once, the second into a table of its own. It only counts
    // if the first half ends exactly where it begins; the first half's error
    // comes first, as it would reading in order.
    StringTable rest;
    rest.SetFile(p_);  // its strings are views into the same file, readable before Append
    std::vector<uint32_t> rest_candidates;
    size_t rest_end = 0;
    bool rest_cut = false;
    Status rest_status;
    WorkerThread other([&] {
      rest_status = ParseStringRun(second, SIZE_MAX, &rest, &rest_candidates, &rest_end, &rest_cut);
    });
    bool stopped = false;
    Status s = ParseStringRun(pos, second, strings_, &weakmap_candidates_, end, cut, &stopped);
    other.join();
    if (!s.ok() || !stopped) return s;
    for (uint32_t i : rest_candidates) weakmap_candidates_.push_back(strings_->size() + i);
    strings_->Append(std::move(rest));
    *end = rest_end;
    *cut = rest_cut;
    return rest_status;
  }

  // Where a second reader can start near `from`: a string that begins a line
  // after a comma (V8 writes one string per line; a raw line break can only
  // be between values); 0 when there is none within 1 MB.
  size_t SecondHalf(size_t from) const {
    const size_t limit = std::min(n_, from + (size_t{1} << 20));
    for (size_t at = from; at < limit; ++at) {
      if (p_[at] != '\n') continue;
      size_t before = at;
      while (before > 0 && IsWs(p_[before - 1])) --before;
      const size_t next = SkipWs(at);
      if (before > 0 && p_[before - 1] == ',' && next < n_ && p_[next] == '"') return next;
    }
    return 0;
  }

  // Parses strings from pos (each followed by ',' or the closing ']') into
  // `table`, and the indexes of those that may name a WeakMap edge into
  // `candidates`; stops, setting *stopped, when the next string would begin
  // at `stop` (SIZE_MAX: never).
  Status ParseStringRun(size_t pos, size_t stop, StringTable* table, std::vector<uint32_t>* candidates, size_t* end,
                        bool* cut, bool* stopped = nullptr) {
    size_t next_report = pos + (64 << 20);
    while (true) {
      pos = SkipWs(pos);
      if (pos == stop) return *stopped = true, Status();
      if (pos >= n_) return *cut = true, Status();
      if (p_[pos] != '"')
        return Status::Error(fmt::format("byte {}: expected a string in \"strings\", found {}", pos,
                                         Describe(p_, n_, pos)));
      // Most strings have no escapes: their bytes in the file are the value.
      bool escaped = false;
      size_t close = 0;
      Status s = ScanString(pos + 1, &close, &escaped, cut);
      if (!s.ok()) return s;
      if (*cut) return Status();
      if (!escaped) {
        if (close - pos - 1 > UINT32_MAX) return Status::Error(fmt::format("byte {}: a string over 4 GB", pos));
        table->AddInFile(pos + 1, static_cast<uint32_t>(close - pos - 1));
        pos = close + 1;
      } else {
        size_t mark = table->arena().size();
        s = ParseString(pos + 1, table->arena(), &pos, cut);
        if (!s.ok()) return s;
        if (*cut) {
          table->arena().resize_down(mark);
          return Status();
        }
        table->AddFromArena(mark);
      }
      const uint32_t added = table->size() - 1;
      if (MayNameWeakMapEdge((*table)[added])) candidates->push_back(added);
      pos = SkipWs(pos);
      if (pos >= n_) return *cut = true, Status();
      if (p_[pos] == ']') {
        *end = pos + 1;
        return Status();
      }
      if (p_[pos] != ',')
        return Status::Error(fmt::format("byte {}: expected ',' or ']' in \"strings\", found {}", pos,
                                         Describe(p_, n_, pos)));
      ++pos;
      if (pos > next_report) {
        // Strings are views into the file: its pages come back when read.
        input_.ReleaseUntilNeeded(next_report - (64 << 20), pos);
        progress_("reading strings", pos, n_);
        next_report = pos + (64 << 20);
      }
    }
  }

  // Scans a string from just after its opening quote: *close is its closing
  // quote; stops early with *escaped at the first backslash (ParseString
  // then unescapes it). Checks what ParseString checks for the bytes it sees.
  Status ScanString(size_t pos, size_t* close, bool* escaped, bool* cut) const {
    while (pos < n_) {
      unsigned char c = static_cast<unsigned char>(p_[pos]);
      if (c == '"') {
        *close = pos;
        return Status();
      }
      if (c == '\\') {
        *escaped = true;
        return Status();
      }
      if (c < 0x20)
        return Status::Error(
            fmt::format("byte {}: control character 0x{:02x} inside a string (JSON needs it escaped)", pos, c));
      if (c < 0x80) {
        ++pos;
        continue;
      }
      size_t len = Utf8Length(pos);
      if (len == 0) {
        if (pos + 4 >= n_) return *cut = true, Status();  // a sequence cut by the end of the file
        return Status::Error(fmt::format("byte {}: invalid UTF-8 byte 0x{:02x} inside a string", pos, c));
      }
      pos += len;
    }
    *cut = true;
    return Status();
  }

  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Reads \uXXXX at pos (pointing at the backslash); -1 when malformed.
  long ReadU16(size_t pos) const {
    if (pos + 6 > n_ || p_[pos] != '\\' || p_[pos + 1] != 'u') return -1;
    long v = 0;
    for (size_t i = pos + 2; i < pos + 6; ++i) {
      int h = Hex(p_[i]);
      if (h < 0) return -1;
      v = v * 16 + h;
    }
    return v;
  }

  static void AppendUtf8(PodVector<char>& out, uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // Length of the valid UTF-8 sequence starting at pos, 0 if invalid.
  size_t Utf8Length(size_t pos) const {
    auto b = [&](size_t i) { return i < n_ ? static_cast<unsigned char>(p_[i]) : 0u; };
    unsigned c = b(pos);
    auto cont = [&](size_t i) { return (b(i) & 0xC0) == 0x80; };
    if (c >= 0xC2 && c <= 0xDF) return cont(pos + 1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
      unsigned c1 = b(pos + 1);
      if (c == 0xE0 && c1 < 0xA0) return 0;
      if (c == 0xED && c1 > 0x9F) return 0;  // UTF-16 surrogates are not UTF-8
      return cont(pos + 1) && cont(pos + 2) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
      unsigned c1 = b(pos + 1);
      if (c == 0xF0 && c1 < 0x90) return 0;
      if (c == 0xF4 && c1 > 0x8F) return 0;
      return cont(pos + 1) && cont(pos + 2) && cont(pos + 3) ? 4 : 0;
    }
    return 0;
  }

  // pos is just after the opening quote; appends the unescaped UTF-8 to
  // `out` (a string table's arena) and leaves *after just past the closing quote.
  Status ParseString(size_t pos, PodVector<char>& out, size_t* after, bool* cut) {
    while (true) {
      size_t run = pos;
      while (pos < n_) {
        unsigned char c = static_cast<unsigned char>(p_[pos]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++pos;
      }
      out.append(p_ + run, pos - run);
      if (pos >= n_) return *cut = true, Status();
      unsigned char c = static_cast<unsigned char>(p_[pos]);
      if (c == '"') {
        *after = pos + 1;
        return Status();
      }
      if (c < 0x20)
        return Status::Error(
            fmt::format("byte {}: control character 0x{:02x} inside a string (JSON needs it escaped)", pos, c));
      if (c >= 0x80) {
        size_t len = Utf8Length(pos);
        if (len == 0) {
          if (pos + 4 >= n_) return *cut = true, Status();  // a sequence cut by the end of the file
          return Status::Error(fmt::format("byte {}: invalid UTF-8 byte 0x{:02x} inside a string", pos, c));
        }
        out.append(p_ + pos, len);
        pos += len;
        continue;
      }
      // A backslash escape.
      if (pos + 1 >= n_) return *cut = true, Status();
      char e = p_[pos + 1];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          if (pos + 6 > n_) return *cut = true, Status();
          long u = ReadU16(pos);
          if (u < 0)
            return Status::Error(fmt::format("byte {}: expected four hex digits after \\u in a string", pos));
          uint32_t cp = static_cast<uint32_t>(u);
          if (cp >= 0xDC00 && cp <= 0xDFFF)
            return Status::Error(
                fmt::format("byte {}: unpaired UTF-16 low surrogate \\u{:04X} in a string", pos, cp));
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (pos + 12 > n_) return *cut = true, Status();
            long low = ReadU16(pos + 6);
            if (low < 0xDC00 || low > 0xDFFF)
              return Status::Error(fmt::format(
                  "byte {}: UTF-16 high surrogate \\u{:04X} not followed by a low surrogate", pos, cp));
            cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<uint32_t>(low) - 0xDC00);
            pos += 6;
          }
          AppendUtf8(out, cp);
          pos += 6;
          continue;
        }
        default:
          return Status::Error(fmt::format("byte {}: unknown escape \\{} in a string", pos, Describe(p_, n_, pos + 1)));
      }
      pos += 2;
    }
  }

  // Room past a chunk's end in its buffer: the end of a record that runs
  // into the next chunk (the sink moves the chunk's end there), and the byte
  // the parsers look at after the last value.
  static constexpr size_t kSlack = 4096;
  static constexpr size_t kBufferSets = 3;
  // Strings past this many bytes are read in two halves at once.
  static constexpr size_t kStringsInTwoHalvesBytes = size_t{1} << 20;
  size_t chunk_bytes_;
  PodArray<char> buffers_;  // kBufferSets sets of chunk buffers (ScanNumberArray), for the sink
  uint64_t batches_ = 0;
  std::vector<uint32_t> weakmap_candidates_;  // Snapshot::weakmap_name_candidates
  InputFile& input_;
  const char* p_;
  size_t n_;
  StringTable* strings_;
  const Progress& progress_;
  int threads_;
  ScanSink* sink_;
};

// ---------------------------------------------------------------- header

Result<std::vector<std::string>> StringList(const json& j, const char* what) {
  if (!j.is_array()) return Status::Error(fmt::format("{} is not a list", what));
  std::vector<std::string> out;
  for (const auto& v : j) {
    if (!v.is_string()) return Status::Error(fmt::format("{} holds a non-string entry", what));
    out.push_back(v.get<std::string>());
  }
  return out;
}

int IndexOf(const std::vector<std::string>& list, std::string_view name) {
  auto it = std::find(list.begin(), list.end(), name);
  return it == list.end() ? -1 : static_cast<int>(it - list.begin());
}

Status ParseHeader(const char* p, const Span& span, Snapshot* snap) {
  json header;
  try {
    header = json::parse(p + span.begin, p + span.end);
  } catch (const json::parse_error& e) {
    return Status::Error(fmt::format("byte {}: the \"snapshot\" header is not valid JSON ({})",
                                     span.begin + (e.byte > 0 ? e.byte - 1 : 0), e.what()));
  } catch (const json::exception& e) {
    // Valid JSON that nlohmann-json cannot hold, e.g. a number that overflows a double.
    return Status::Error(fmt::format("byte {}: the \"snapshot\" header cannot be read ({})", span.begin, e.what()));
  }
  auto bad = [&](const std::string& what) {
    return Status::Error(fmt::format("byte {}: bad \"snapshot\" header: {}", span.begin, what));
  };
  if (!header.is_object() || !header.contains("meta") || !header["meta"].is_object())
    return bad("no \"meta\" object describing the arrays");
  const json& meta = header["meta"];
  SnapshotLayout& L = snap->layout;
  auto list = [&](const char* key, std::vector<std::string>* out, bool required) -> Status {
    if (!meta.contains(key)) return required ? bad(fmt::format("meta has no \"{}\"", key)) : Status();
    auto r = StringList(meta[key], key);
    if (!r.ok()) return bad(r.error());
    *out = r.take();
    return Status();
  };
  for (auto [key, out, required] :
       {std::tuple{"node_fields", &L.node_fields, true}, std::tuple{"edge_fields", &L.edge_fields, true},
        std::tuple{"location_fields", &L.location_fields, false},
        std::tuple{"trace_function_info_fields", &L.trace_function_info_fields, false},
        std::tuple{"trace_node_fields", &L.trace_node_fields, false},
        std::tuple{"sample_fields", &L.sample_fields, false}}) {
    Status s = list(key, out, required);
    if (!s.ok()) return s;
  }
  for (const char* f : {"type", "name", "id", "self_size", "edge_count"})
    if (IndexOf(L.node_fields, f) < 0) return bad(fmt::format("meta.node_fields has no \"{}\"", f));
  for (const char* f : {"type", "name_or_index", "to_node"})
    if (IndexOf(L.edge_fields, f) < 0) return bad(fmt::format("meta.edge_fields has no \"{}\"", f));
  auto type_enum = [&](const char* key, const std::vector<std::string>& fields,
                       std::vector<std::string>* out) -> Status {
    if (!meta.contains(key) || !meta[key].is_array()) return bad(fmt::format("meta has no \"{}\" list", key));
    size_t at = static_cast<size_t>(IndexOf(fields, "type"));
    if (at >= meta[key].size()) return bad(fmt::format("meta.{} has no entry for \"type\"", key));
    auto r = StringList(meta[key][at], key);
    if (!r.ok()) return bad(fmt::format("meta.{}: the \"type\" entry is not a list of names", key));
    *out = r.take();
    if (out->empty() || out->size() > 255) return bad(fmt::format("meta.{} lists {} types", key, out->size()));
    return Status();
  };
  Status s = type_enum("node_types", L.node_fields, &L.node_types);
  if (!s.ok()) return s;
  s = type_enum("edge_types", L.edge_fields, &L.edge_types);
  if (!s.ok()) return s;

  const auto& nt = L.node_types;
  L.hidden = IndexOf(nt, "hidden");
  L.array = IndexOf(nt, "array");
  L.string = IndexOf(nt, "string");
  L.object = IndexOf(nt, "object");
  L.code = IndexOf(nt, "code");
  L.closure = IndexOf(nt, "closure");
  L.regexp = IndexOf(nt, "regexp");
  L.number = IndexOf(nt, "number");
  L.native = IndexOf(nt, "native");
  L.synthetic = IndexOf(nt, "synthetic");
  L.cons_string = IndexOf(nt, "concatenated string");
  L.sliced_string = IndexOf(nt, "sliced string");
  L.symbol = IndexOf(nt, "symbol");
  L.bigint = IndexOf(nt, "bigint");
  L.object_shape = IndexOf(nt, "object shape");
  const auto& et = L.edge_types;
  L.context = IndexOf(et, "context");
  L.element = IndexOf(et, "element");
  L.property = IndexOf(et, "property");
  L.internal = IndexOf(et, "internal");
  L.hidden_edge = IndexOf(et, "hidden");
  L.shortcut = IndexOf(et, "shortcut");
  L.weak = IndexOf(et, "weak");

  auto count = [&](const char* key, uint64_t* out, bool required) -> Status {
    if (!header.contains(key)) return required ? bad(fmt::format("no \"{}\"", key)) : Status();
    const json& v = header[key];
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
      return bad(fmt::format("\"{}\" is not a count", key));
    *out = v.get<uint64_t>();
    return Status();
  };
  s = count("node_count", &snap->header_node_count, true);
  if (!s.ok()) return s;
  s = count("edge_count", &snap->header_edge_count, true);
  if (!s.ok()) return s;
  s = count("trace_function_count", &snap->trace_function_count, false);
  if (!s.ok()) return s;
  snap->has_extra_native_bytes = header.contains("extra_native_bytes");
  s = count("extra_native_bytes", &snap->extra_native_bytes, false);
  if (!s.ok()) return s;
  uint64_t root_index = 0;
  s = count("root_index", &root_index, false);
  if (!s.ok()) return s;
  if (root_index % L.node_fields.size() != 0) return bad("\"root_index\" is not the start of a node");
  if (root_index / L.node_fields.size() > UINT32_MAX) return bad("\"root_index\" is out of range");
  snap->root = static_cast<uint32_t>(root_index / L.node_fields.size());
  return Status();
}

// ---------------------------------------------------------------- number arrays

// The walk cut the array into chunks; this only rejects a comma right before
// ']' (which would make the comma count one value too many).
Status CheckNoTrailingComma(const char* p, const Span& span, const char* section) {
  size_t last = span.end;
  while (last > span.begin && IsWs(p[last - 1])) --last;
  if (last > span.begin && p[last - 1] == ',')
    return Status::Error(fmt::format("byte {}: expected a number after ',' in \"{}\", found ']'", last - 1, section));
  return Status();
}

// Moves a chunk's start past the values of the record it begins inside;
// false when that record runs to the chunk's end.
bool MoveToRecordStart(const char* p, Chunk* c, uint32_t fields) {
  uint64_t skip = (fields - c->first_value % fields) % fields;
  while (skip > 0 && c->begin < c->end) {
    const char* bytes = ChunkBytes(p, *c);
    const void* comma = std::memchr(bytes, ',', c->end - c->begin);
    if (!comma) break;
    c->begin += static_cast<size_t>(static_cast<const char*>(comma) - bytes) + 1;
    ++c->first_value;
    --skip;
  }
  return skip == 0 && c->begin < c->end;
}

// Moves chunk boundaries forward so that every chunk starts on a record
// (a node or an edge): a cursor then writes whole records only, which the
// packed edge words need. Chunks come in order, all at once or batch by
// batch; the last one is held back, as the next may move its end.
class RecordAligner {
 public:
  RecordAligner(const char* p, uint32_t fields) : p_(p), fields_(fields) {}

  void Add(Chunk c, std::vector<Chunk>* ready) {
    if (!MoveToRecordStart(p_, &c, fields_)) {
      // The record runs to the end of this (tiny) chunk: the previous one
      // takes it, and is read from the mapping (it may be held back past
      // the time its copy is kept).
      if (pending_) pending_->end = c.end, pending_->text = nullptr;
      return;
    }
    if (pending_) {
      pending_->end = c.begin;
      ready->push_back(*pending_);
    }
    pending_ = c;
  }
  // The array ends: the held chunk is ready too.
  void Finish(std::vector<Chunk>* ready) {
    if (pending_) ready->push_back(*std::exchange(pending_, std::nullopt));
  }
  // Where the chunks handed out so far end, in values.
  uint64_t ready_values() const { return pending_ ? pending_->first_value : 0; }

 private:
  const char* p_;
  uint32_t fields_;
  std::optional<Chunk> pending_;
};

void AlignChunks(const char* p, Span* span, uint32_t fields) {
  std::vector<Chunk> aligned;
  RecordAligner aligner(p, fields);
  for (const Chunk& c : span->chunks) aligner.Add(c, &aligned);
  aligner.Finish(&aligned);
  span->chunks = std::move(aligned);
}

// Checks that an array of fixed-size records holds a whole number of them,
// as many as the header says.
Status CheckRecords(const char* p, const Span& span, const char* section, uint32_t fields, uint64_t header_count,
                    const Span& header) {
  Status s = CheckNoTrailingComma(p, span, section);
  if (!s.ok()) return s;
  uint64_t values = span.values;
  if (values % fields != 0)
    return Status::Error(fmt::format("byte {}: \"{}\" holds {} numbers, not a multiple of its {} fields", span.end,
                                     section, values, fields));
  if (values / fields != header_count) {
    std::string_view unit = section == std::string_view("nodes") ? "node" : "edge";
    return Status::Error(fmt::format("byte {}: the header says {}_count {} but \"{}\" holds {} {}s", header.begin,
                                     unit, header_count, section, values / fields, unit));
  }
  return Status();
}

// Parses one chunk's bytes p[0, end), byte `at` of the file onwards, feeding
// each value to cursor.Put(); returns the error of this chunk (with its byte
// offset in the file) or an empty string.
template <typename Cursor>
std::string ParseChunk(const char* p, size_t end, size_t at, bool last, const char* section, Cursor cursor) {
  size_t pos = 0;
  while (true) {
    while (pos < end && IsWs(p[pos])) ++pos;
    if (pos >= end || static_cast<unsigned>(p[pos] - '0') > 9) {
      return fmt::format("byte {}: expected a number in \"{}\", found {}", at + pos, section,
                         pos >= end && last ? std::string("']'") : Describe(p, end, pos));
    }
    uint64_t v = 0;
    size_t start = pos;
    while (pos < end && static_cast<unsigned>(p[pos] - '0') <= 9) v = v * 10 + static_cast<unsigned>(p[pos++] - '0');
    if (pos - start > 19) return fmt::format("byte {}: number too long in \"{}\"", at + start, section);
    if (!cursor.Put(v)) return fmt::format("byte {}: {} in \"{}\"", at + start, cursor.error, section);
    while (pos < end && IsWs(p[pos])) ++pos;
    if (pos >= end) {
      if (last) return {};
      return fmt::format("byte {}: expected ',' in \"{}\"", at + pos, section);
    }
    if (p[pos] != ',')
      return fmt::format("byte {}: expected ',' or ']' in \"{}\", found {}", at + pos, section,
                         Describe(p, end, pos));
    ++pos;
    if (pos == end && !last) return {};
  }
}

bool IsDigit(char c) { return static_cast<unsigned>(c - '0') <= 9; }

// The fast path for whole records of NF numbers (NF 0: `fields`, known at
// run time) in one chunk's bytes p[0, end) (and the byte at p[end]), each
// record handed to store(values, record ordinal) -> bool.
// It knows no error messages: on anything unexpected it returns false and
// the chunk is parsed again by ParseChunk, which says what is wrong where.
// No loop inside a record tests the chunk's end: a chunk that is not the
// last ends just after a ',' and the last one at the array's ']', so every
// run of digits or white space stops at or before the end by itself.
// Flattened: the store (and the digit tests) must be inlined into the loop;
// left to itself GCC called the edge store once per edge, reloading every
// captured value (4 % of the CPU time of `heap summary`).
template <uint32_t NF, typename Store>
[[gnu::flatten]] bool ParseRecords(const char* p, size_t end, bool last, uint32_t fields, uint64_t record, Store store) {
  const uint32_t nf = NF != 0 ? NF : fields;
  if (nf == 0 || nf > 8) return false;
  size_t pos = 0;
  uint32_t values[8];
  while (pos < end) {
    for (uint32_t f = 0; f < nf; ++f) {
      while (IsWs(p[pos])) ++pos;
      const size_t start = pos;
      uint64_t v = 0;
      while (IsDigit(p[pos])) v = v * 10 + static_cast<unsigned>(p[pos++] - '0');
      if (pos == start || pos - start > 10 || v > UINT32_MAX) return false;
      values[f] = static_cast<uint32_t>(v);
      while (IsWs(p[pos])) ++pos;
      if (p[pos] == ',') {
        ++pos;
        if (pos >= end && (last || f + 1 != nf)) return false;
      } else if (!(last && pos >= end && f + 1 == nf)) {
        return false;
      }
    }
    if (!store(values, record++)) return false;
  }
  return true;
}

// Parses one chunk (`last`: the array ends with it); its error, or "".
template <typename Cursor>
std::string ParseOneChunk(InputFile& input, const Chunk& chunk, const char* section, bool last, Cursor cursor) {
  const char* bytes = ChunkBytes(input.bytes().data(), chunk);
  const size_t size = chunk.end - chunk.begin;
  bool parsed = false;
  if constexpr (requires { cursor.ParseFast(bytes, size, last); }) parsed = cursor.ParseFast(bytes, size, last);
  std::string error;
  if (!parsed) error = ParseChunk(bytes, size, chunk.begin, last, section, cursor);
  input.Release(chunk.begin, chunk.end);
  return error;
}

template <typename MakeCursor>
Status ParseArray(InputFile& input, const std::vector<Chunk>& chunks, const char* section, int threads,
                  const Progress& progress, bool ends_array, MakeCursor make_cursor) {
  std::vector<std::string> errors(chunks.size());
  std::atomic<size_t> done{0};
  ParallelFor(chunks.size(), threads, [&](size_t i) {
    const bool last = ends_array && i + 1 == chunks.size();
    errors[i] = ParseOneChunk(input, chunks[i], section, last, make_cursor(chunks[i].first_value));
    progress(section, done.fetch_add(1) + 1, chunks.size());
  });
  for (auto& e : errors)
    if (!e.empty()) return Status::Error(e);
  return Status();
}

enum class Field : uint8_t { kIgnore, kType, kName, kId, kSelfSize, kEdgeCount, kDetachedness, kTraceNodeId, kTo };

// Where each field sits in a record (-1: absent), for the whole-record parsers.
struct FieldPositions {
  int at[9];
  FieldPositions(const Field* kinds, uint32_t fields) {
    std::fill(at, at + 9, -1);
    for (uint32_t f = 0; f < fields; ++f) at[static_cast<int>(kinds[f])] = static_cast<int>(f);
  }
  int operator[](Field f) const { return at[static_cast<int>(f)]; }
};

// The largest string index that a node name, or the name of an edge whose
// name is a string, holds: noted as the arrays are parsed, so that checking
// the references against "strings" reads no array again (that pass took
// 36 ms on the 1 GB bench file, 9 ms on the 205 MB one).
struct NameRefs {
  std::atomic<uint32_t> max{0};
  void Note(uint32_t index) {
    for (uint32_t seen = max.load(std::memory_order_relaxed);
         index > seen && !max.compare_exchange_weak(seen, index, std::memory_order_relaxed);) {
    }
  }
};

struct NodeCursor {
  Snapshot* s;
  NameRefs* refs;
  const Field* kinds;
  uint32_t fields;
  uint32_t types;
  uint64_t node;
  uint32_t field;
  const char* error = nullptr;

  bool Put(uint64_t v) {
    if (v > UINT32_MAX) return error = "value does not fit in 32 bits", false;
    uint32_t u = static_cast<uint32_t>(v);
    switch (kinds[field]) {
      case Field::kType:
        if (u >= types) return error = "node type index past the end of meta.node_types", false;
        s->node_type[node] = static_cast<uint8_t>(u);
        break;
      case Field::kName:
        s->node_name[node] = u;
        refs->Note(u);
        break;
      case Field::kId: s->node_id[node] = u; break;
      case Field::kSelfSize: s->node_self_size[node] = u; break;
      case Field::kEdgeCount: s->first_edge[node] = u; break;
      case Field::kDetachedness:
        if (u > 3) return error = "detachedness is not 0, 1 or 2", false;
        s->node_detachedness[node] = static_cast<uint8_t>(u);
        break;
      case Field::kTraceNodeId:
        if (!s->node_trace_id.empty()) s->node_trace_id[node] = u;
        break;
      default: break;
    }
    if (++field == fields) field = 0, ++node;
    return true;
  }

  // Whole nodes at once when the layout has the five fields every V8 writes.
  bool ParseFast(const char* p, size_t end, bool last) const {
    const FieldPositions at(kinds, fields);
    const int type = at[Field::kType], name = at[Field::kName], id = at[Field::kId], self_size = at[Field::kSelfSize],
              edge_count = at[Field::kEdgeCount], detachedness = at[Field::kDetachedness],
              trace = s->node_trace_id.empty() ? -1 : at[Field::kTraceNodeId];
    if (field != 0 || type < 0 || name < 0 || id < 0 || self_size < 0 || edge_count < 0) return false;
    Snapshot* snap = s;  // locals, not members: see EdgeCursor::ParseFastWith
    const uint32_t type_count = types;
    uint32_t max_name = 0;
    auto store = [=, &max_name](const uint32_t* v, uint64_t n) {
      if (v[type] >= type_count) return false;
      snap->node_type[n] = static_cast<uint8_t>(v[type]);
      snap->node_name[n] = v[name];
      max_name = std::max(max_name, v[name]);
      snap->node_id[n] = v[id];
      snap->node_self_size[n] = v[self_size];
      snap->first_edge[n] = v[edge_count];
      if (detachedness >= 0) {
        if (v[detachedness] > 3) return false;
        snap->node_detachedness[n] = static_cast<uint8_t>(v[detachedness]);
      }
      if (trace >= 0) snap->node_trace_id[n] = v[trace];
      return true;
    };
    bool parsed;
    switch (fields) {
      case 6: parsed = ParseRecords<6>(p, end, last, fields, node, store); break;
      case 7: parsed = ParseRecords<7>(p, end, last, fields, node, store); break;
      default: parsed = ParseRecords<0>(p, end, last, fields, node, store); break;
    }
    if (parsed) refs->Note(max_name);
    return parsed;
  }
};

struct EdgeCursor {
  Snapshot* s;
  NameRefs* refs;
  const Field* kinds;
  uint32_t fields;
  uint32_t types;
  uint32_t node_fields;
  uint64_t node_values;  // node_count * node_fields
  std::mutex* overflow_mutex;
  uint64_t edge;
  uint32_t field;
  const char* error = nullptr;
  // Type and name are packed into one word, written when the edge is whole.
  uint32_t type = 0, name = 0, full_name = 0;

  bool Put(uint64_t v) {
    switch (kinds[field]) {
      case Field::kType:
        if (v >= types) return error = "edge type index past the end of meta.edge_types", false;
        type = static_cast<uint32_t>(v);
        break;
      case Field::kName:
        if (v > UINT32_MAX) return error = "name_or_index does not fit in 32 bits", false;
        name = full_name = static_cast<uint32_t>(v);
        if (name >= Snapshot::kEdgeNameOverflow) {
          std::lock_guard<std::mutex> lock(*overflow_mutex);  // rare: huge sparse arrays
          s->edge_name_overflow[edge] = name;
          name = Snapshot::kEdgeNameOverflow;
        }
        break;
      case Field::kTo:
        if (v % node_fields != 0) return error = "to_node is not a multiple of the node field count", false;
        if (v >= node_values) return error = "to_node points past the last node", false;
        s->edge_to[edge] = static_cast<uint32_t>(v / node_fields);
        break;
      default: break;
    }
    if (++field == fields) {
      if (s->layout.named_by_string(static_cast<int>(type))) refs->Note(full_name);
      s->edge_word[edge] = type << Snapshot::kEdgeNameBits | name;
      field = 0, ++edge;
    }
    return true;
  }

  // Whole edges at once; with 6 or 7 node fields (every real layout) the
  // to_node check divides by a constant, a multiply instead of a divide.
  bool ParseFast(const char* p, size_t end, bool last) const {
    switch (node_fields) {
      case 6: return ParseFastWith<6>(p, end, last);
      case 7: return ParseFastWith<7>(p, end, last);
      default: return ParseFastWith<0>(p, end, last);
    }
  }

  template <uint32_t NodeFields>  // 0: node_fields, known at run time
  bool ParseFastWith(const char* p, size_t end, bool last) const {
    const FieldPositions at(kinds, fields);
    const int type_at = at[Field::kType], name_at = at[Field::kName], to_at = at[Field::kTo];
    if (field != 0 || type_at < 0 || name_at < 0 || to_at < 0) return false;
    // Locals, not members: the stores below could alias *this, which would
    // make the compiler reload every member once per edge.
    Snapshot* snap = s;
    const uint32_t type_count = types, nf = NodeFields != 0 ? NodeFields : node_fields;
    const uint64_t limit = node_values;
    std::mutex* overflow = overflow_mutex;
    // Bit t: edges of type t name themselves by a string (types fit in the
    // word's top 4 bits: at most 16, checked before the parse).
    uint32_t string_named = 0;
    for (uint32_t t = 0; t < type_count; ++t)
      if (snap->layout.named_by_string(static_cast<int>(t))) string_named |= 1u << t;
    uint32_t max_name = 0;
    auto store = [=, &max_name](const uint32_t* v, uint64_t e) {
      const uint32_t to = v[to_at];
      if (v[type_at] >= type_count || to % nf != 0 || to >= limit) return false;
      uint32_t name = v[name_at];
      max_name = std::max(max_name, (string_named >> v[type_at]) & 1 ? name : 0);
      if (name >= Snapshot::kEdgeNameOverflow) {
        std::lock_guard<std::mutex> lock(*overflow);
        snap->edge_name_overflow[e] = name;
        name = Snapshot::kEdgeNameOverflow;
      }
      snap->edge_to[e] = to / nf;
      snap->edge_word[e] = v[type_at] << Snapshot::kEdgeNameBits | name;
      return true;
    };
    const bool parsed = fields == 3 ? ParseRecords<3>(p, end, last, fields, edge, store)
                                    : ParseRecords<0>(p, end, last, fields, edge, store);
    if (parsed) refs->Note(max_name);
    return parsed;
  }
};

struct VectorCursor {
  uint32_t* out;
  const char* error = nullptr;
  bool Put(uint64_t v) {
    if (v > UINT32_MAX) return error = "value does not fit in 32 bits", false;
    *out++ = static_cast<uint32_t>(v);
    return true;
  }
  // Each value is a record of one field (locations: 1.6 M tuples on the 1 GB
  // file, 0.05 s through Put()).
  bool ParseFast(const char* p, size_t end, bool last) const {
    uint32_t* const to = out;
    return ParseRecords<1>(p, end, last, 1, 0, [to](const uint32_t* v, uint64_t i) { return to[i] = v[0], true; });
  }
};

// The allocation trace tree: nested [id, function_info_index, count, size,
// [children...], ...] tuples, flattened into nodes with parent links.
Status ParseTraceTree(const char* p, const Span& span, std::vector<Snapshot::TraceNode>* out) {
  struct Frame {
    uint32_t parent;
    int field;  // of the tuple being read: 0 id, 1 function info, 2 count, 3 size, 4 children
    uint32_t last;
  };
  std::vector<Frame> stack;
  size_t pos = span.begin;
  auto error = [&](const char* what) {
    return Status::Error(fmt::format("byte {}: expected {} in \"trace_tree\", found {}", pos, what,
                                     Describe(p, span.end, pos)));
  };
  if (p[pos] != '[') return error("'['");
  stack.push_back({UINT32_MAX, 0, UINT32_MAX});
  ++pos;
  while (!stack.empty()) {
    while (pos < span.end && (IsWs(p[pos]) || p[pos] == ',')) ++pos;
    if (pos >= span.end) return error("']'");
    Frame& f = stack.back();
    char c = p[pos];
    if (c == ']') {
      if (f.field != 0) return error("the rest of a trace node");
      stack.pop_back();
      if (!stack.empty()) stack.back().field = 0;
      ++pos;
    } else if (c == '[') {
      if (f.field != 4) return error("a number");
      stack.push_back({f.last, 0, UINT32_MAX});
      ++pos;
    } else if (c >= '0' && c <= '9') {
      if (f.field == 4) return error("'[' opening the children");
      uint64_t v = 0;
      while (pos < span.end && p[pos] >= '0' && p[pos] <= '9' && v <= UINT32_MAX) v = v * 10 + static_cast<uint64_t>(p[pos++] - '0');
      if (v > UINT32_MAX) return error("a number below 2^32");
      if (f.field == 0) {
        out->push_back({static_cast<uint32_t>(v), 0, f.parent});
        f.last = static_cast<uint32_t>(out->size() - 1);
      } else if (f.field == 1) {
        out->back().function_info = static_cast<uint32_t>(v);
      }
      ++f.field;
    } else {
      return error("a number, '[' or ']'");
    }
  }
  return Status();
}

// The chunks cut into at least `pieces` of about equal size, each starting
// just after a comma, with the values before each counted. The walk's chunks
// are 8 MB: an array of a few MB would be parsed by one core.
std::vector<Chunk> SplitChunks(const char* p, const std::vector<Chunk>& chunks, size_t pieces) {
  size_t total = 0;
  for (const Chunk& c : chunks) total += c.end - c.begin;
  const size_t target = std::max<size_t>(total / std::max<size_t>(pieces, 1), 64 << 10);
  std::vector<Chunk> out;
  for (const Chunk& c : chunks) {
    size_t at = c.begin;
    uint64_t first = c.first_value;
    while (c.end - at > target + target / 2) {
      size_t cut = at + target;
      while (cut < c.end && p[cut] != ',') ++cut;
      if (cut >= c.end) break;
      ++cut;
      out.push_back({at, cut, first});
      first += CountByte(p + at, p + cut, ',');
      at = cut;
    }
    out.push_back({at, c.end, first});
  }
  return out;
}

// Parses an array of numbers into out[0, span.values).
Status ParseU32Values(InputFile& input, const Span& span, const char* section, int threads,
                      const Progress& progress, uint32_t* out) {
  Status s = CheckNoTrailingComma(input.bytes().data(), span, section);
  if (!s.ok() || span.values == 0) return s;
  return ParseArray(input, SplitChunks(input.bytes().data(), span.chunks, 2 * static_cast<size_t>(threads)), section,
                    threads, progress, true, [&](uint64_t first) { return VectorCursor{out + first}; });
}

// Stable sort of locations by node, least significant 16 bits first (node
// ordinals are below 2^31): V8 writes them in the order it met the objects,
// which is not node order (57 K of the 313 K on the 205 MB bench file follow
// a higher node). std::stable_sort took 12 ms there, this 2.
void SortLocationsByNode(PodArray<Snapshot::Location>* locations) {
  const size_t n = locations->size();
  PodArray<Snapshot::Location> other(n);
  Snapshot::Location* from = locations->data();
  Snapshot::Location* to = other.data();
  for (int shift : {0, 16}) {
    std::vector<size_t> start(size_t{1} << 16, 0);
    for (size_t i = 0; i < n; ++i) ++start[(from[i].node >> shift) & 0xffff];
    size_t sum = 0;
    for (size_t& c : start) sum += std::exchange(c, sum);
    for (size_t i = 0; i < n; ++i) to[start[(from[i].node >> shift) & 0xffff]++] = from[i];
    std::swap(from, to);
  }
  // Two passes: the sorted records are back in *locations.
}

Status ParseU32Vector(InputFile& input, const Span& span, const char* section, int threads,
                      const Progress& progress, std::vector<uint32_t>* out) {
  out->resize(span.values);
  return ParseU32Values(input, span, section, threads, progress, out->data());
}

// The node and edge arrays' parse over aligned chunks, during the walk or
// after it; `ends_array`: the last chunk ends at the array's ']'.
NodeCursor MakeNodeCursor(Snapshot* snap, NameRefs* refs, const Field* kinds, uint64_t first) {
  const SnapshotLayout& L = snap->layout;
  const uint32_t nf = static_cast<uint32_t>(L.node_fields.size());
  const uint32_t types = static_cast<uint32_t>(L.node_types.size());
  return NodeCursor{snap, refs, kinds, nf, types, first / nf, static_cast<uint32_t>(first % nf)};
}

EdgeCursor MakeEdgeCursor(Snapshot* snap, NameRefs* refs, const Field* kinds, uint64_t node_values,
                          std::mutex* overflow_mutex, uint64_t first) {
  const SnapshotLayout& L = snap->layout;
  const uint32_t nf = static_cast<uint32_t>(L.node_fields.size());
  const uint32_t ef = static_cast<uint32_t>(L.edge_fields.size());
  const uint32_t types = static_cast<uint32_t>(L.edge_types.size());
  return EdgeCursor{snap, refs, kinds, ef, types, nf, node_values, overflow_mutex, first / ef,
                    static_cast<uint32_t>(first % ef)};
}

Status ParseNodes(InputFile& input, const std::vector<Chunk>& chunks, Snapshot* snap, NameRefs* refs,
                  const Field* kinds, int threads, const Progress& progress, bool ends_array) {
  return ParseArray(input, chunks, "nodes", threads, progress, ends_array,
                    [&](uint64_t first) { return MakeNodeCursor(snap, refs, kinds, first); });
}

Status ParseEdges(InputFile& input, const std::vector<Chunk>& chunks, Snapshot* snap, NameRefs* refs,
                  const Field* kinds, uint64_t node_values, std::mutex* overflow_mutex, int threads,
                  const Progress& progress, bool ends_array) {
  return ParseArray(input, chunks, "edges", threads, progress, ends_array, [&](uint64_t first) {
    return MakeEdgeCursor(snap, refs, kinds, node_values, overflow_mutex, first);
  });
}

// What each field of a node or edge record holds.
std::vector<Field> NodeKinds(const SnapshotLayout& L) {
  std::vector<Field> kinds(L.node_fields.size(), Field::kIgnore);
  for (size_t i = 0; i < kinds.size(); ++i) {
    const std::string& f = L.node_fields[i];
    kinds[i] = f == "type"            ? Field::kType
               : f == "name"          ? Field::kName
               : f == "id"            ? Field::kId
               : f == "self_size"     ? Field::kSelfSize
               : f == "edge_count"    ? Field::kEdgeCount
               : f == "detachedness"  ? Field::kDetachedness
               : f == "trace_node_id" ? Field::kTraceNodeId
                                      : Field::kIgnore;
  }
  return kinds;
}

std::vector<Field> EdgeKinds(const SnapshotLayout& L) {
  std::vector<Field> kinds(L.edge_fields.size(), Field::kIgnore);
  for (size_t i = 0; i < kinds.size(); ++i) {
    const std::string& f = L.edge_fields[i];
    kinds[i] = f == "type" ? Field::kType : f == "name_or_index" ? Field::kName : f == "to_node" ? Field::kTo
                                                                                                 : Field::kIgnore;
  }
  return kinds;
}

// Per node: type 1 + name 4 + id 4 + self_size 4 + first_edge 4 +
// detachedness 1 (+ trace_node_id 4) = 18 (22) bytes. The trace ids are
// kept only when the header announces allocation traces: without them every
// node's is 0 (V8 writes the field whenever its layout has it), and the
// array was 10 MB of fresh pages on the 205 MB bench file, 150 on the 3.2 GB one.
// Maps the pages of arrays that are written in full next, in one call, so
// that the threads share them whatever each array's size (common/prefault.h).
template <typename... Arrays>
void MapForWrite(Arrays&... arrays) {
  const WriteBlock blocks[] = {WriteBlock{arrays.data(), arrays.bytes()}...};
  PrefaultForWrite(blocks);
}

void AllocateNodes(Snapshot* snap, uint64_t count) {
  snap->node_type = PodArray<uint8_t>::MappedAsWritten(count);
  snap->node_name = PodArray<uint32_t>::MappedAsWritten(count);
  snap->node_id = PodArray<uint32_t>::MappedAsWritten(count);
  snap->node_self_size = PodArray<uint32_t>::MappedAsWritten(count);
  snap->first_edge = PodArray<uint32_t>::MappedAsWritten(count + 1);
  snap->node_detachedness = PodArray<uint8_t>::MappedAsWritten(count);
  if (snap->layout.has_trace_node_id() && snap->trace_function_count > 0)
    snap->node_trace_id = PodArray<uint32_t>::MappedAsWritten(count);
  else snap->node_trace_id.Release();
  MapForWrite(snap->node_type, snap->node_name, snap->node_id, snap->node_self_size, snap->first_edge,
              snap->node_detachedness, snap->node_trace_id);
  snap->node_detachedness.Fill(0);
}

// Per edge: edge_to 4 + edge_word 4 = 8 bytes (and the rare names past
// 2^28 in edge_name_overflow, emptied here of what a parse that gave up left).
void AllocateEdges(Snapshot* snap, uint64_t count) {
  snap->edge_word = PodArray<uint32_t>::MappedAsWritten(count);
  snap->edge_to = PodArray<uint32_t>::MappedAsWritten(count);
  MapForWrite(snap->edge_word, snap->edge_to);
  snap->edge_name_overflow.clear();
}

// Parses "nodes" and "edges" while the walk scans them, batch by batch, so
// that each page of the array is mapped in once, not once to count its
// commas and again to parse it (on the 1 GB file the second pass cost about
// 0.2 s). It needs the header before the arrays, as V8 writes it, and bytes
// that can be read again after Release() (a file mapping or bytes in
// memory; not inflated gzip). It reports nothing: on any problem it gives
// up, and ReadSnapshot parses the array after the walk as it would without
// it, which finds the error and words it. Arrays are allocated from the
// header's counts; ReadSnapshot checks them against the arrays before
// using what was parsed here.
class ArraysInWalk : public ScanSink {
 public:
  // `node_refs` and `edge_refs` note the names the arrays parsed here hold.
  ArraysInWalk(InputFile& input, Snapshot* snap, NameRefs* node_refs, NameRefs* edge_refs, const ReadOptions& options)
      : input_(input), snap_(snap), node_refs_(node_refs), edge_refs_(edge_refs), options_(options) {}

  bool header_parsed() const { return header_parsed_; }
  bool nodes_parsed() const { return nodes_parsed_; }
  bool edges_parsed() const { return edges_parsed_; }

  bool Begin(std::string_view key, const Sections& sections, size_t begin) override {
    Fail();
    if (input_.gzip()) return false;
    const SnapshotLayout& L = snap_->layout;
    if (key == "nodes") {
      if (!sections.header.present || !ParseHeader(input_.bytes().data(), sections.header, snap_).ok()) return false;
      header_parsed_ = true;
      const uint64_t count = snap_->header_node_count;
      if (count == 0 || count >= (uint64_t{1} << 31) || !Start(NodeKinds(L), count, begin, "nodes")) return false;
      AllocateNodes(snap_, count);
      return true;
    }
    if (key == "edges") {
      if (!nodes_parsed_ || options_.nodes_only) return false;
      const uint64_t count = snap_->header_edge_count;
      if (count >= UINT32_MAX || L.edge_types.size() > (size_t{1} << (32 - Snapshot::kEdgeNameBits))) return false;
      node_values_ = sections.nodes.values;
      if (!Start(EdgeKinds(L), count, begin, "edges")) return false;
      AllocateEdges(snap_, count);
      return true;
    }
    return false;
  }

  bool Take(const std::vector<Chunk>& chunks, bool complete, uint64_t values, ParseTasks* tasks) override {
    // A task of the last call found an error: the parse after the walk words it.
    if (failed_.load(std::memory_order_relaxed)) return Fail();
    std::vector<Chunk> ready;
    for (const Chunk& c : chunks) aligner_->Add(c, &ready);
    if (complete) aligner_->Finish(&ready);
    // The cursors must not write past the header's count.
    if ((complete ? values : aligner_->ready_values()) > capacity_) return Fail();
    const bool nodes = section_ == std::string_view("nodes");
    for (size_t i = 0; i < ready.size(); ++i) {
      const bool last = complete && i + 1 == ready.size();
      tasks->push_back([this, nodes, last, chunk = ready[i]] {
        const std::string error =
            nodes ? ParseOneChunk(input_, chunk, "nodes", last,
                                  MakeNodeCursor(snap_, node_refs_, kinds_.data(), chunk.first_value))
                  : ParseOneChunk(input_, chunk, "edges", last,
                                  MakeEdgeCursor(snap_, edge_refs_, kinds_.data(), node_values_, &overflow_mutex_,
                                                 chunk.first_value));
        if (!error.empty()) failed_.store(true, std::memory_order_relaxed);
      });
    }
    return true;
  }

  void Done() override {
    if (failed_.load(std::memory_order_relaxed) || !section_) return void(Fail());
    if (section_ == std::string_view("nodes")) nodes_parsed_ = true;
    else edges_parsed_ = true;
    Fail();
  }

 private:
  // Sets up the parse of `count` records of `section` starting at byte
  // `begin`. The arrays are allocated before their values are counted: a header count
  // is believed only if the rest of the file could hold that many values
  // (a digit and a comma each), so that a bad header cannot make the
  // reader ask for more memory than the file's size warrants.
  bool Start(std::vector<Field> kinds, uint64_t count, size_t begin, const char* section) {
    kinds_ = std::move(kinds);
    fields_ = static_cast<uint32_t>(kinds_.size());
    capacity_ = count * fields_;
    const size_t rest = input_.bytes().size() - std::min(begin, input_.bytes().size());
    if (fields_ == 0 || capacity_ > rest / 2 + 1) return false;
    aligner_.emplace(input_.bytes().data(), fields_);
    section_ = section;
    return true;
  }

  // Ends the array's parse here (after Done, or on giving up).
  bool Fail() {
    aligner_.reset();
    section_ = nullptr;
    failed_.store(false, std::memory_order_relaxed);
    return false;
  }

  InputFile& input_;
  Snapshot* snap_;
  NameRefs *node_refs_, *edge_refs_;
  const ReadOptions& options_;
  bool header_parsed_ = false, nodes_parsed_ = false, edges_parsed_ = false;
  const char* section_ = nullptr;
  std::vector<Field> kinds_;
  uint32_t fields_ = 0;
  uint64_t capacity_ = 0, node_values_ = 0;
  std::optional<RecordAligner> aligner_;
  std::mutex overflow_mutex_;
  std::atomic<bool> failed_{false};  // a task of this array found an error
};

// Byte offset of the value with this index in an array (for error messages
// about values whose problem is only seen after parsing).
size_t OffsetOfValue(const char* p, const Span& span, uint64_t index) {
  size_t pos = span.begin;
  for (uint64_t i = 0; i < index && pos < span.end; ++pos)
    if (p[pos] == ',') ++i;
  while (pos < span.end && IsWs(p[pos])) ++pos;
  return pos;
}

}  // namespace

Result<Snapshot> ReadSnapshot(InputFile input, const ReadOptions& options) {
  const int threads = options.threads > 0 ? options.threads : DefaultThreads();
  const char* p = input.bytes().data();
  const size_t n = input.bytes().size();
  Snapshot snap;
  snap.strings.SetFile(p);
  Sections sec;
  NameRefs node_refs, edge_refs;
  ArraysInWalk in_walk(input, &snap, &node_refs, &edge_refs, options);
  {
    TopLevelWalker walker(input, &snap.strings, options.progress, threads, options.chunk_bytes,
                          options.parse_arrays_in_walk ? &in_walk : nullptr);
    Status s = walker.Walk(&sec);
    if (!s.ok()) return s;
    snap.weakmap_name_candidates = walker.TakeWeakMapCandidates();
  }
  std::string gz = input.gzip_truncation().empty() ? "" : " (" + input.gzip_truncation() + ")";
  auto cut_error = [&](const std::string& extra) {
    return Status::Error(fmt::format("byte {}: the file ends inside {}{}: it was cut short, as happens when "
                                     "a process dies while writing its snapshot{}",
                                     *sec.cut_at, Quote(sec.cut_in), gz, extra));
  };
  if (!sec.header.present) {
    if (sec.cut_at) return cut_error(", before the \"snapshot\" header was read");
    return Status::Error(fmt::format("byte {}: no \"snapshot\" header: this is not a V8 heap snapshot", n));
  }
  if (!sec.nodes.present || !sec.edges.present) {
    if (sec.cut_at) return cut_error(", before the node and edge arrays were read whole");
    return Status::Error(fmt::format("byte {}: no \"{}\" array: this is not a V8 heap snapshot", n,
                                     sec.nodes.present ? "edges" : "nodes"));
  }
  if (sec.cut_at) {
    if (!options.partial)
      return cut_error("; --partial analyses the nodes and edges it holds and says what is missing");
    snap.missing = fmt::format("the file ends at byte {} inside {}{}", *sec.cut_at, Quote(sec.cut_in), gz);
  } else if (!sec.strings_seen) {
    if (!options.partial)
      return Status::Error(fmt::format("byte {}: no \"strings\" array (--partial analyses the file without it)", n));
    snap.missing = "the file has no \"strings\" array";
  }

  Status s = in_walk.header_parsed() ? Status() : ParseHeader(p, sec.header, &snap);
  if (!s.ok()) return s;
  SnapshotLayout& L = snap.layout;
  const uint32_t nf = static_cast<uint32_t>(L.node_fields.size());
  const uint32_t ef = static_cast<uint32_t>(L.edge_fields.size());

  // Nodes.
  const std::vector<Field> node_kinds = NodeKinds(L);
  s = CheckRecords(p, sec.nodes, "nodes", nf, snap.header_node_count, sec.header);
  if (!s.ok()) return s;
  const uint64_t node_values = sec.nodes.values;
  const uint64_t node_count = node_values / nf;
  if (node_count == 0) return Status::Error(fmt::format("byte {}: \"nodes\" is empty", sec.nodes.begin));
  // Ordinals are 32-bit, and the dominator-tree walk keeps a flag in bit 31.
  if (node_count >= (uint64_t{1} << 31)) return Status::Error("more than 2^31 nodes are not supported");
  if (snap.root >= node_count)
    return Status::Error(fmt::format("byte {}: root_index points past the last node", sec.header.begin));
  snap.node_count = static_cast<uint32_t>(node_count);
  if (!in_walk.nodes_parsed()) {
    AlignChunks(p, &sec.nodes, nf);
    AllocateNodes(&snap, node_count);
    node_refs.max = 0;  // what a parse during the walk noted before it gave up
    s = ParseNodes(input, sec.nodes.chunks, &snap, &node_refs, node_kinds.data(), threads, options.progress, true);
    if (!s.ok()) return s;
  }

  // Edges.
  const std::vector<Field> edge_kinds = EdgeKinds(L);
  s = CheckRecords(p, sec.edges, "edges", ef, snap.header_edge_count, sec.header);
  if (!s.ok()) return s;
  const uint64_t edge_count = sec.edges.values / ef;
  if (edge_count >= UINT32_MAX) return Status::Error("more than 2^32 edges are not supported");
  // Edge counts per node become offsets (first_edge holds the counts until now).
  uint64_t sum = 0;
  for (uint32_t i = 0; i < snap.node_count; ++i) {
    uint64_t c = snap.first_edge[i];
    snap.first_edge[i] = static_cast<uint32_t>(std::min<uint64_t>(sum, UINT32_MAX));
    sum += c;
  }
  if (sum != edge_count)
    return Status::Error(fmt::format("byte {}: the nodes' edge_count fields add up to {} edges but \"edges\" holds {}",
                                     sec.nodes.begin, sum, edge_count));
  snap.first_edge[snap.node_count] = static_cast<uint32_t>(edge_count);
  snap.edge_count = edge_count;
  if (options.nodes_only) {
    // Checked against the nodes' edge counts above, then left unread.
    snap.edge_count = 0;
    snap.first_edge.Fill(0);
  }
  if (L.edge_types.size() > (size_t{1} << (32 - Snapshot::kEdgeNameBits)))
    return Status::Error(fmt::format("byte {}: meta.edge_types lists {} types, more than the {} oomkit can hold",
                                     sec.header.begin, L.edge_types.size(), 1 << (32 - Snapshot::kEdgeNameBits)));
  if (!in_walk.edges_parsed()) {
    AlignChunks(p, &sec.edges, ef);
    AllocateEdges(&snap, snap.edge_count);
    std::mutex overflow_mutex;
    edge_refs.max = 0;
    if (!options.nodes_only)
      s = ParseEdges(input, sec.edges.chunks, &snap, &edge_refs, edge_kinds.data(), node_values, &overflow_mutex,
                     threads, options.progress, true);
    if (!s.ok()) return s;
  }

  snap.arrays_parsed_in_walk = in_walk.nodes_parsed() && in_walk.edges_parsed();

  // Small optional sections.
  if (sec.locations.present && !L.location_fields.empty()) {
    // Fresh pages mapped in one call, not zeroed first: 25 MB on the 1 GB
    // file. They become the location records.
    PodArray<uint32_t> raw(sec.locations.values);
    s = ParseU32Values(input, sec.locations, "locations", threads, options.progress, raw.data());
    if (!s.ok()) return s;
    size_t lf = L.location_fields.size();
    int oi = IndexOf(L.location_fields, "object_index"), si = IndexOf(L.location_fields, "script_id"),
        li = IndexOf(L.location_fields, "line"), ci = IndexOf(L.location_fields, "column");
    if (oi < 0 || si < 0 || li < 0 || ci < 0)
      return Status::Error(fmt::format("byte {}: meta.location_fields lacks object_index, script_id, line or column",
                                       sec.header.begin));
    if (raw.size() % lf != 0)
      return Status::Error(fmt::format("byte {}: \"locations\" is not a whole number of tuples", sec.locations.end));
    // The records are written over the values they come from: record k takes
    // bytes [16k, 16k + 16), behind tuple k's values (at least 4 of 4 B), so
    // no value is overwritten before it is read.
    Snapshot::Location* const records = reinterpret_cast<Snapshot::Location*>(raw.data());
    size_t kept = 0;
    bool sorted = true;
    for (size_t i = 0; i < raw.size(); i += lf) {
      const uint32_t object_index = raw[i + oi], script_id = raw[i + si], line = raw[i + li], column = raw[i + ci];
      // DevTools keys locations by node index without checking them; one
      // that names no node start can never match, so it is dropped.
      if (object_index % nf != 0 || object_index / nf >= snap.node_count) continue;
      const uint32_t node = object_index / nf;
      sorted = sorted && (kept == 0 || records[kept - 1].node <= node);
      records[kept++] = {node, script_id, line, column};
    }
    snap.locations = std::move(raw).Recast<Snapshot::Location>(kept);
    // In node order, so that the class assignment reads them beside the
    // nodes; stable, so that of two for one node the last in the file stays
    // last.
    if (!sorted) SortLocationsByNode(&snap.locations);
  }
  if (sec.samples.present) {
    s = ParseU32Vector(input, sec.samples, "samples", threads, options.progress, &snap.samples);
    if (!s.ok()) return s;
  }
  if (sec.trace_function_infos.present) {
    s = ParseU32Vector(input, sec.trace_function_infos, "trace_function_infos", threads, options.progress,
                       &snap.trace_function_infos);
    if (!s.ok()) return s;
  }
  if (sec.trace_tree.present) {
    s = ParseTraceTree(input.bytes().data(), sec.trace_tree, &snap.trace_nodes);
    if (!s.ok()) return s;
  }

  // String references. With --partial, names past the strings that were read
  // get placeholders; otherwise a reference out of range is an error.
  const uint32_t string_count = snap.strings.size();
  const uint32_t max_ref = std::max(node_refs.max.load(), edge_refs.max.load());
  if (max_ref >= string_count) {
    if (snap.missing.empty()) {
      // The error path only: find the first reference out of range.
      for (uint32_t i = 0; i < snap.node_count; ++i) {
        if (snap.node_name[i] < string_count) continue;
        uint64_t v = uint64_t{i} * nf + static_cast<uint64_t>(IndexOf(L.node_fields, "name"));
        return Status::Error(fmt::format("byte {}: node name {} is past the end of \"strings\" ({} strings)",
                                         OffsetOfValue(p, sec.nodes, v), snap.node_name[i], string_count));
      }
      for (uint64_t x = 0; x < snap.edge_count; ++x) {
        if (!snap.edge_has_string_name(x) || snap.edge_name(x) < string_count) continue;
        uint64_t v = x * ef + static_cast<uint64_t>(IndexOf(L.edge_fields, "name_or_index"));
        return Status::Error(fmt::format("byte {}: edge name {} is past the end of \"strings\" ({} strings)",
                                         OffsetOfValue(p, sec.edges, v), snap.edge_name(x), string_count));
      }
    }
    // One placeholder per distinct missing index actually referenced (never
    // more than the references: a corrupt index of 4e9 must not make 4e9
    // placeholders), and the references moved onto them.
    std::vector<uint32_t> missing;
    for (uint32_t i = 0; i < snap.node_count; ++i)
      if (snap.node_name[i] >= string_count) missing.push_back(snap.node_name[i]);
    for (uint64_t x = 0; x < snap.edge_count; ++x)
      if (snap.edge_has_string_name(x) && snap.edge_name(x) >= string_count) missing.push_back(snap.edge_name(x));
    std::sort(missing.begin(), missing.end());
    missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
    auto placeholder = [&](uint32_t index) {
      return string_count + static_cast<uint32_t>(std::lower_bound(missing.begin(), missing.end(), index) - missing.begin());
    };
    for (uint32_t index : missing) snap.strings.Add(fmt::format("<missing string {}>", index));
    for (uint32_t i = 0; i < snap.node_count; ++i)
      if (snap.node_name[i] >= string_count) snap.node_name[i] = placeholder(snap.node_name[i]);
    for (uint64_t x = 0; x < snap.edge_count; ++x)
      if (snap.edge_has_string_name(x) && snap.edge_name(x) >= string_count)
        snap.set_edge_name(x, placeholder(snap.edge_name(x)));
    snap.missing += fmt::format("; {} strings referenced were not read (shown as <missing string N>)", missing.size());
  }
  snap.strings_begin = sec.strings_begin;
  snap.strings_end = sec.strings_end;
  snap.input = std::move(input);
  snap.ReleaseStringPages();
  return snap;
}

bool SnapshotLayout::has_detachedness() const { return IndexOf(node_fields, "detachedness") >= 0; }
bool SnapshotLayout::has_trace_node_id() const { return IndexOf(node_fields, "trace_node_id") >= 0; }

}  // namespace oomkit::heap
