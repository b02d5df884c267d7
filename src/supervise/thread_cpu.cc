#include "supervise/thread_cpu.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "supervise/proc_stat.h"

namespace oomkit::supervise {
namespace {

std::optional<ThreadTimes> FromSchedstat(uint32_t pid, uint32_t tid) {
  // Three numbers: ns on a CPU, ns waiting on a run queue, time slices.
  std::ifstream in(fmt::format("/proc/{}/task/{}/schedstat", pid, tid));
  unsigned long long on_cpu_ns = 0, waiting_ns = 0;
  if (!(in >> on_cpu_ns >> waiting_ns)) return std::nullopt;
  return ThreadTimes{static_cast<double>(on_cpu_ns) / 1e6, static_cast<double>(waiting_ns) / 1e6};
}

std::optional<ThreadTimes> FromStat(uint32_t pid, uint32_t tid) {
  // utime and stime are fields 14, 15.
  const std::optional<std::string> after_name = StatFieldsAfterName(fmt::format("/proc/{}/task/{}/stat", pid, tid));
  if (!after_name) return std::nullopt;
  std::istringstream fields(*after_name);
  std::string skip;
  for (int field = 3; field <= 13; ++field)
    if (!(fields >> skip)) return std::nullopt;
  unsigned long long utime = 0, stime = 0;
  if (!(fields >> utime >> stime)) return std::nullopt;
  static const double ms_per_tick = 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
  return ThreadTimes{static_cast<double>(utime + stime) * ms_per_tick, std::nullopt};
}

}  // namespace

std::optional<ThreadTimes> ThreadTimesMs(uint32_t pid, uint32_t tid) {
  if (auto t = FromSchedstat(pid, tid)) return t;
  return FromStat(pid, tid);
}

}  // namespace oomkit::supervise
