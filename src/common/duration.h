// Durations as users type them on a command line: "10s", "500ms", "2m",
// "1h", "1.5s", "250us"; a bare number is seconds.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace oomkit {

// Seconds, > 0 unless allow_zero. The error names the text and the units.
Result<double> ParseDuration(std::string_view text, bool allow_zero = false);
// "1.5 s", "250 ms", "2 m 30 s": for messages.
std::string FormatDuration(double seconds);

}  // namespace oomkit
