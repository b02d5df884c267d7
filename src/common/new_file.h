// Files oomkit writes for the user: always new, never over one that exists
// (the error says so in the words the other writers use: "exists already").
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/status.h"

namespace oomkit {

// Creates path for writing (O_EXCL); the fd is the caller's to close. Mode
// 0600 for what holds heap contents (snapshots, reports, samples).
Result<int> CreateNewFile(const std::string& path, mode_t mode);
// Creates path and writes data into it whole.
Status WriteNewFile(const std::string& path, std::string_view data, mode_t mode);

// The folder of a run's evidence: `asked`, or PREFIX-YYYYmmdd-HHMMSS[-N]
// when empty; new, private (0700); its absolute path. Never one that exists:
// nothing of the user's is written over.
Result<std::string> MakeNewDir(const std::string& asked, const std::string& prefix);

}  // namespace oomkit
