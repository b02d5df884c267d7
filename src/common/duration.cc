#include "common/duration.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace oomkit {

Result<double> ParseDuration(std::string_view text, bool allow_zero) {
  auto bad = [&] {
    return Status::Error(fmt::format("'{}' is not a duration (a number with us, ms, s, m or h, e.g. 500ms or 10s)", text));
  };
  size_t unit_at = 0;
  while (unit_at < text.size() && (std::isdigit(static_cast<unsigned char>(text[unit_at])) || text[unit_at] == '.'))
    ++unit_at;
  if (unit_at == 0) return bad();
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + unit_at, value);
  if (ec != std::errc() || end != text.data() + unit_at || !std::isfinite(value)) return bad();
  std::string_view unit = text.substr(unit_at);
  double scale;
  if (unit.empty() || unit == "s") scale = 1;
  else if (unit == "ms") scale = 1e-3;
  else if (unit == "us") scale = 1e-6;
  else if (unit == "m" || unit == "min") scale = 60;
  else if (unit == "h") scale = 3600;
  else return bad();
  double seconds = value * scale;
  if (seconds <= 0 && !(allow_zero && seconds == 0))
    return Status::Error(fmt::format("'{}': the duration must be more than zero", text));
  return seconds;
}

Result<double> ParsePercent(std::string_view text) {
  std::string_view t = text;
  while (!t.empty() && (t.back() == '%' || t.back() == ' ')) t.remove_suffix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size() || !(v >= 0 && v <= 100))
    return Status::Error(fmt::format("'{}' is not a percentage from 0 to 100 (e.g. 1%)", text));
  return v / 100;
}

std::string FormatDuration(double s) {
  if (s < 1e-3) return fmt::format("{:.0f} us", s * 1e6);
  if (s < 1) return fmt::format("{:.0f} ms", s * 1e3);
  if (s < 60) return s == std::floor(s) ? fmt::format("{:.0f} s", s) : fmt::format("{:.1f} s", s);
  int total = static_cast<int>(std::lround(s));
  if (total < 3600) return total % 60 ? fmt::format("{} m {} s", total / 60, total % 60) : fmt::format("{} m", total / 60);
  return fmt::format("{} h {} m", total / 3600, total % 3600 / 60);
}

}  // namespace oomkit
