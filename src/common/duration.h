// Quantities as users type them on a command line. Durations: "10s",
// "500ms", "2m", "1h", "1.5s", "250us"; a bare number is seconds.
// Percentages: "1%", "85 %", "0.5" (the sign is optional).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace oomkit {

// Seconds, > 0 unless allow_zero. The error names the text and the units.
Result<double> ParseDuration(std::string_view text, bool allow_zero = false);
// A fraction 0..1 from "0%".."100%"; the error names the text.
Result<double> ParsePercent(std::string_view text);

// "1.5 s", "250 ms", "2 m 30 s": for messages.
std::string FormatDuration(double seconds);

}  // namespace oomkit
