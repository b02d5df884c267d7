#include "supervise/output_splitter.h"

#include <cctype>

#include "gc/trace_line.h"

namespace oomkit::supervise {
namespace {
constexpr size_t kMaxHeld = 64 * 1024;
}

bool MayStartTraceLine(std::string_view s) {
  // "[" digits ":0x" hex-digits, then anything.
  size_t i = 0;
  if (i == s.size()) return true;
  if (s[i++] != '[') return false;
  size_t digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  if (i == s.size()) return true;
  if (digits == 0 || s[i++] != ':') return false;
  if (i == s.size()) return true;
  if (s[i++] != '0') return false;
  if (i == s.size()) return true;
  if (s[i++] != 'x') return false;
  if (i == s.size()) return true;
  return std::isxdigit(static_cast<unsigned char>(s[i])) != 0;
}

bool OutputSplitter::IsTrace(std::string_view line) const {
  gc::TraceLine t = gc::ParseTraceLine(line.substr(0, line.size() - 1));
  // A line that starts like V8's but does not parse is V8's only when it
  // names one of the node processes watched.
  return t.kind != gc::LineKind::kNotTrace && (t.kind != gc::LineKind::kUnparsed || (is_ours_ && is_ours_(t.pid)));
}

void OutputSplitter::Feed(std::string_view data) {
  if (held_.empty()) return Scan(data);
  // A candidate was cut by the chunk: scan it again with what follows.
  std::string joined = std::move(held_);
  held_.clear();
  joined.append(data);
  Scan(joined);
}

// One pass over s, in place: the application's bytes go out in one piece per
// run between trace lines; a '[' costs the prefix check (a few bytes) and,
// only when that matches, one parse of its line.
void OutputSplitter::Scan(std::string_view s) {
  size_t passed = 0;  // s[passed, at) is the application's, not yet passed on
  size_t line_end = 0;  // the newline ending the line of the last candidate (npos: s has none after it)
  bool searched = false;
  for (size_t at = s.find('['); at != std::string_view::npos; at = s.find('[', at + 1)) {
    if (!MayStartTraceLine(s.substr(at, 32))) continue;
    if (!searched || (line_end != std::string_view::npos && line_end < at)) line_end = s.find('\n', at);
    searched = true;
    if (line_end == std::string_view::npos) {
      // The rest may be a trace line still arriving: held, if not too long.
      if (s.size() - at > kMaxHeld) break;
      if (at > passed) pass_(s.substr(passed, at - passed));
      held_.assign(s.substr(at));
      return;
    }
    std::string_view line = s.substr(at, line_end + 1 - at);
    if (!IsTrace(line)) continue;
    if (at > passed) pass_(s.substr(passed, at - passed));
    ++trace_lines_;
    trace_(line);
    passed = line_end + 1;
    at = line_end;
  }
  if (passed < s.size()) pass_(s.substr(passed));
}

void OutputSplitter::Finish() {
  if (!held_.empty()) pass_(held_);
  held_.clear();
}

}  // namespace oomkit::supervise
