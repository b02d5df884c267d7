// The time one thread of another process spent running, and waiting to run,
// from /proc.
//
// diagnose divides GC pause time by the time node's main thread was busy:
// the thread where JavaScript runs and where every pause stops it. That share
// is a property of the code, the same at 500 req/s as at 2,000, where a share
// of wall time falls with the load.
//
// A pause is wall time: on a machine with more runnable threads than cores
// it also holds the time the thread sat ready but off a CPU. With two cores
// and three busy processes, a healthy app's 1.3 % read as 5-7 % against CPU
// time alone. So the base counts that wait too (the scheduler's run delay):
// on-CPU + waiting is the wall time the thread wanted.
#pragma once

#include <cstdint>
#include <optional>

namespace oomkit::supervise {

struct ThreadTimes {
  double cpu_ms = 0;
  // Ready to run but not on a CPU; nullopt when the kernel does not keep it
  // (no /proc/<pid>/task/<tid>/schedstat).
  std::optional<double> waiting_ms;
};

// Thread `tid` of process `pid` (the main thread: tid == pid), in ms, from
// schedstat (ns) or else stat's utime + stime (clock ticks, 10 ms); nullopt
// when the thread is gone or unreadable.
std::optional<ThreadTimes> ThreadTimesMs(uint32_t pid, uint32_t tid);

}  // namespace oomkit::supervise
