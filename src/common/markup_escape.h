// Text inside HTML or XML, attributes included: the five characters that
// mean markup as entities, and the control characters XML 1.0 cannot hold
// as U+FFFD. One function for both, so that every heap string (class names,
// edge names, string values) reaches report.html and the JUnit file the same
// way: as text.
#pragma once

#include <string>
#include <string_view>

namespace oomkit {

std::string EscapeMarkup(std::string_view text);

}  // namespace oomkit
