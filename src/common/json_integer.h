// A JSON number read as an integer type without undefined behaviour.
//
// nlohmann's get<Int>() converts a float with a plain cast, which is undefined
// past Int's range: a heap profile with "lineNumber": 7.7e96 (found by the
// report fuzzer) or a diagnose load file with "requests": 1e300 would hit it.
// Readers of files users give us ask here instead and turn "no value" into
// their own one-line error.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

namespace oomkit {

// `v` as Int when it is a whole number inside Int's range, written as an
// integer or as a float (3e3); nothing for fractions, NaN, infinities, numbers
// out of range and anything that is not a number.
template <typename Int>
std::optional<Int> JsonInteger(const nlohmann::json& v) {
  static_assert(std::numeric_limits<Int>::is_integer);
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (!std::in_range<Int>(u)) return std::nullopt;
    return static_cast<Int>(u);
  }
  if (v.is_number_integer()) {
    const int64_t i = v.get<int64_t>();
    if (!std::in_range<Int>(i)) return std::nullopt;
    return static_cast<Int>(i);
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    // Int's bounds as doubles are exact: 0 or -2^digits, and 2^digits just past the top.
    const double low = static_cast<double>(std::numeric_limits<Int>::min());
    const double past_top = std::ldexp(1.0, std::numeric_limits<Int>::digits);
    if (!(d == std::trunc(d)) || d < low || d >= past_top) return std::nullopt;  // NaN fails the first test
    return static_cast<Int>(d);
  }
  return std::nullopt;
}

}  // namespace oomkit
