// The CPU time of one thread of another process, from /proc.
//
// diagnose divides GC pause time by the CPU time of node's main thread: the
// thread where JavaScript runs and where every pause stops it. That share is
// a property of the code, the same at 500 req/s as at 2,000, where a share of
// wall time falls with the load. /proc counts in clock ticks (10 ms here),
// enough over a phase of seconds.
#pragma once

#include <cstdint>
#include <optional>

namespace oomkit::supervise {

// utime + stime of thread `tid` of process `pid` (the main thread: tid ==
// pid), in ms; nullopt when the thread is gone or unreadable.
std::optional<double> ThreadCpuMs(uint32_t pid, uint32_t tid);

}  // namespace oomkit::supervise
