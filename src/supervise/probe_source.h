// The probe's JavaScript (probe.js beside this file), built into the binary:
// `oomkit run` writes it into the run's folder, so nothing is installed.
#pragma once

#include <string_view>

namespace oomkit::supervise {

std::string_view ProbeSource();

}  // namespace oomkit::supervise
