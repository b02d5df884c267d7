#include "heap/weakmap_edges.h"

namespace oomkit::heap {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// JavaScript's '.' does not match line terminators (\n, \r, U+2028, U+2029).
bool HasLineTerminator(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' || s[i] == '\r') return true;
    if (static_cast<unsigned char>(s[i]) == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9))
      return true;
  }
  return false;
}

// True when s ends with " @<digits>".
bool EndsWithId(std::string_view s) {
  size_t i = s.size();
  while (i > 0 && IsDigit(s[i - 1])) --i;
  if (i == s.size() || i < 2) return false;
  return s[i - 1] == '@' && s[i - 2] == ' ';
}

}  // namespace

bool MayNameWeakMapEdge(std::string_view name) {
  constexpr size_t kShortest =
      std::string_view("0 / part of key (").size() + std::string_view(" pair in WeakMap (table @0)").size();
  return name.size() >= kShortest && IsDigit(name.front()) && name.back() == ')';
}

std::optional<WeakMapEdgeName> ParseWeakMapEdgeName(std::string_view name) {
  // Cheap rejections first: almost every internal edge name fails here.
  size_t i = 0;
  while (i < name.size() && IsDigit(name[i])) ++i;
  if (i == 0) return std::nullopt;
  constexpr std::string_view kHead = " / part of key (";
  constexpr std::string_view kTail = " pair in WeakMap (table @";
  if (name.substr(i, kHead.size()) != kHead) return std::nullopt;
  if (name.empty() || name.back() != ')') return std::nullopt;
  size_t digits_end = name.size() - 1;
  size_t digits_begin = digits_end;
  while (digits_begin > 0 && IsDigit(name[digits_begin - 1])) --digits_begin;
  if (digits_begin == digits_end || digits_begin < kTail.size()) return std::nullopt;
  if (name.substr(digits_begin - kTail.size(), kTail.size()) != kTail) return std::nullopt;
  if (HasLineTerminator(name)) return std::nullopt;
  // Between the head and the tail: "<K> @<id>) -> value (<V> @<id>)".
  size_t middle_begin = i + kHead.size();
  size_t middle_end = digits_begin - kTail.size();
  if (middle_end < middle_begin) return std::nullopt;
  std::string_view middle = name.substr(middle_begin, middle_end - middle_begin);
  if (middle.empty() || middle.back() != ')' || !EndsWithId(middle.substr(0, middle.size() - 1)))
    return std::nullopt;
  constexpr std::string_view kArrow = ") -> value (";
  bool found = false;
  for (size_t at = middle.find(kArrow); at != std::string_view::npos; at = middle.find(kArrow, at + 1)) {
    // The value part after the arrow must itself end with " @<id>)": it does
    // (checked above) as long as the arrow leaves room for it.
    if (EndsWithId(middle.substr(0, at)) && at + kArrow.size() < middle.size()) {
      found = true;
      break;
    }
  }
  if (!found) return std::nullopt;
  uint64_t table = 0;
  for (size_t k = digits_begin; k < digits_end; ++k) {
    if (table > (UINT64_MAX - 9) / 10) return std::nullopt;
    table = table * 10 + static_cast<uint64_t>(name[k] - '0');
  }
  return WeakMapEdgeName{name.substr(i), table};
}

}  // namespace oomkit::heap
