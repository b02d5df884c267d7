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
  while (!data.empty()) {
    if (held_.empty()) {
      // The application's bytes, up to the next place a trace line may start.
      size_t bracket = data.find('[');
      if (bracket == std::string_view::npos) {
        pass_(data);
        return;
      }
      if (bracket) pass_(data.substr(0, bracket));
      data.remove_prefix(bracket);
    }
    // A candidate: from a '[' to its newline, while it may still be V8's.
    size_t nl = data.find('\n');
    size_t take = nl == std::string_view::npos ? data.size() : nl + 1;
    held_.append(data.substr(0, take));
    data.remove_prefix(take);
    bool whole = held_.back() == '\n';
    if (whole && MayStartTraceLine(held_) && IsTrace(held_)) {
      ++trace_lines_;
      trace_(held_);
      held_.clear();
      continue;
    }
    if (!whole && MayStartTraceLine(held_) && held_.size() <= kMaxHeld) continue;  // wait for more
    // Not V8's: its first byte is the application's; a trace line may still
    // start at a later '[' inside it (V8 wrote into the middle of a line).
    std::string rest = held_.substr(1);
    held_.clear();
    pass_("[");
    Feed(rest);
  }
}

void OutputSplitter::Finish() {
  if (!held_.empty()) pass_(held_);
  held_.clear();
}

}  // namespace oomkit::supervise
