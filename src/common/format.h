// Human-readable output for terminals: sizes in SI units as DevTools shows
// them ("12.3 MB"), counts with thousands separators, aligned tables.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace oomkit {

std::string HumanSize(uint64_t bytes);
// "+1.2 MB", "-340 B", "0 B": a change of size.
std::string SignedSize(int64_t bytes);
std::string Thousands(uint64_t n);
std::string Percent(uint64_t part, uint64_t whole);
// Shortens s to at most max display characters (UTF-8 aware), with an ellipsis.
std::string Ellipsize(std::string_view s, size_t max);

// A text table: the first row is the header; columns after the first are
// right-aligned.
std::string RenderTable(const std::vector<std::vector<std::string>>& rows);

}  // namespace oomkit
