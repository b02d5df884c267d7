// `oomkit gc --svg`: the heap over time for the main isolate: heap after
// every GC, the floor after major GCs with its trend line, the limit when
// known, and GC pauses as bars underneath.
#pragma once

#include <string>

#include "common/status.h"
#include "gc/gc_log.h"

namespace oomkit::cli {

Status WriteGcSvg(const gc::GcLogReport& report, const std::string& path, const gc::GcLogOptions& options);

}  // namespace oomkit::cli
