#include "common/format.h"

#include <algorithm>

#include <fmt/format.h>

namespace oomkit {
namespace {

size_t DisplayWidth(std::string_view s) {
  size_t w = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++w;
  return w;
}

}  // namespace

std::string HumanSize(uint64_t bytes) {
  if (bytes < 1000) return fmt::format("{} B", bytes);
  const char* units[] = {"kB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(bytes);
  int u = -1;
  while (v >= 999.95 && u < 4) v /= 1000, ++u;
  return fmt::format("{:.1f} {}", v, units[u]);
}

std::string SignedSize(int64_t bytes) {
  if (bytes == 0) return "0 B";
  return fmt::format("{}{}", bytes > 0 ? "+" : "-", HumanSize(static_cast<uint64_t>(bytes > 0 ? bytes : -bytes)));
}

std::string Thousands(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Percent(uint64_t part, uint64_t whole) {
  if (whole == 0) return "-";
  double p = 100.0 * static_cast<double>(part) / static_cast<double>(whole);
  return fmt::format("{:.0f} %", p);
}

std::string Ellipsize(std::string_view s, size_t max) {
  std::string out;
  size_t w = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80) {
      if (w == max) {
        // Back off so the ellipsis fits.
        while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
        if (!out.empty()) out.pop_back();
        return out + "…";
      }
      ++w;
    }
    out += (c < 0x20) ? ' ' : static_cast<char>(c);
  }
  return out;
}

std::string RenderTable(const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) return {};
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size() && c < width.size(); ++c) width[c] = std::max(width[c], DisplayWidth(r[c]));
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t c = 0; c < r.size() && c < width.size(); ++c) {
      size_t pad = width[c] - DisplayWidth(r[c]);
      if (c == 0) {
        line += r[c];
        if (c + 1 < r.size()) line += std::string(pad, ' ');
      } else {
        line += "  " + std::string(pad, ' ') + r[c];
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace oomkit
