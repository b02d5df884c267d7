// A Node.js diagnostic report (--report-on-fatalerror, --report-on-signal,
// process.report.writeReport/getReport), read for what it says about memory.
//
// Report versions: 2 (Node 16), 3 (18: resourceUsage gains rss and the
// machine's and container's memory), 4 (20), 5 (22-26: userLimits *_kbytes
// become *_bytes). Numbers are read as 64-bit unsigned: libuv's "no limit" is
// 2^64-1 (20+) or 9223372036854771712 (cgroup v1 unlimited, 18). A newer
// version than 5 is read with a warning; a file without a header and a
// javascriptHeap section is not a report.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace oomkit::report {

struct HeapSpace {
  std::string name;
  uint64_t size = 0, used = 0, available = 0;
};

struct NodeReport {
  int version = 0;
  std::string node_version, trigger, event, filename, platform, arch;
  std::vector<std::string> command_line;
  // "oom" (OOMError/FatalError), "signal", "exception", "api".
  std::string kind;
  uint64_t heap_limit = 0, heap_used = 0, heap_total = 0, external = 0, malloced = 0;
  std::vector<HeapSpace> spaces;
  uint64_t rss = 0, max_rss = 0;          // 0 when the report does not have them (version 2)
  uint64_t total_memory = 0, free_memory = 0;
  uint64_t container_limit = 0;           // 0: none reported
  uint32_t native_contexts = 0, detached_contexts = 0;
  std::vector<std::pair<std::string, uint64_t>> handles;  // libuv handles by type, most first
  uint64_t active_timers = 0, sockets = 0, workers = 0;
  std::string js_message;
  std::vector<std::string> js_stack, native_stack;
  std::string max_old_space_flag;  // as given on the command line, if it was
  std::vector<std::string> warnings, findings;  // findings: what the numbers mean, worst first
};

Result<NodeReport> ReadNodeReport(std::string_view json_text);
Result<NodeReport> ReadNodeReportFile(const std::string& path);

}  // namespace oomkit::report
