// The fields of a /proc stat file (/proc/PID/stat, /proc/PID/task/TID/stat)
// after the process name. The name, field 2, is in parentheses and may hold
// spaces and ')': the fields are counted from the last ')'.
#pragma once

#include <optional>
#include <string>

namespace oomkit::supervise {

// Fields 3 on (state, parent pid, ...), separated by spaces; nullopt when
// the file cannot be read (the process is gone) or has no ')'.
std::optional<std::string> StatFieldsAfterName(const std::string& path);

}  // namespace oomkit::supervise
