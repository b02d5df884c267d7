// OutputSplitter: separates V8's GC trace lines from an application's own
// stdout (V8 writes --trace-gc there, one write per line), whatever the
// chunks the pipe delivers.
//
// The application's bytes pass through unchanged and in order. V8's line is
// one write of at most a few KiB, so it is never cut, but it can land inside
// the application's line: a write into a pipe is atomic only up to 4 KiB, and
// the kernel splits a bigger one when the pipe is full. So a trace line may
// start at any '['. Bytes are held back only from a '[' while what follows
// may still be a trace line ("[1234:0x5e..."): anything else passes on at
// once, so a progress bar without a newline is not delayed. A held candidate
// longer than 64 KiB is the application's.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace oomkit::supervise {

class OutputSplitter {
 public:
  using Sink = std::function<void(std::string_view)>;
  // pass: the application's bytes; trace: one trace line with its newline;
  // is_ours: whether a pid is one of the node processes watched.
  OutputSplitter(Sink pass, Sink trace, std::function<bool(uint32_t)> is_ours = {})
      : pass_(std::move(pass)), trace_(std::move(trace)), is_ours_(std::move(is_ours)) {}

  void Feed(std::string_view data);
  // The stream ended: a held partial line is the application's (or a cut trace line).
  void Finish();

  uint64_t trace_lines() const { return trace_lines_; }

 private:
  bool IsTrace(std::string_view line_with_newline) const;
  void Scan(std::string_view data);
  Sink pass_, trace_;
  std::function<bool(uint32_t)> is_ours_;
  std::string held_;  // from a '[': bytes that may be the start of a trace line
  uint64_t trace_lines_ = 0;
};

// Whether s (the start of a line) can still begin "[pid:0xhex".
bool MayStartTraceLine(std::string_view s);

}  // namespace oomkit::supervise
