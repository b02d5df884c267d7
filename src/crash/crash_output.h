// What a Node process that died of memory left on stderr, and how it died.
//
// Markers (Node 16-26): "<--- Last few GCs --->" (V8's ring buffer of its
// last trace lines: run together, cut at 255 characters), "<--- JS
// stacktrace --->" (16-22, usually empty), "FATAL ERROR: <where> Allocation
// failed - JavaScript heap out of memory" with <where> one of "Reached heap
// limit", "Ineffective mark-compacts near heap limit", "CALL_AND_RETRY_LAST"
// (and rarer ones), "----- Native stack trace -----" (20+). Other deaths:
// "# Fatal JavaScript invalid size error N" (an array or string past V8's
// length limit, SIGTRAP, status 133), "# Fatal process OOM in ..." and
// std::bad_alloc (the address space ran out: RLIMIT_AS), a worker's
// ERR_WORKER_OUT_OF_MEMORY (the process lives on), and nothing at all when
// the kernel or the cgroup's OOM killer sent SIGKILL (status 137).
//
// The exit status, when known, decides between readings the text allows: a
// V8 OOM ends in abort(): SIGABRT, 134; but a process that is PID 1 of its
// PID namespace (a container without an init) ignores SIGABRT and dies of
// SIGSEGV, 139.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace oomkit::crash {

struct LastGc {
  double time_ms = 0;
  std::string collector;
  bool reduce = false;
  double start_mb = 0, end_mb = 0, pause_ms = 0, avg_mu = -1, current_mu = -1;
  std::string reason;
};

struct CrashReport {
  // v8-heap-oom, v8-heap-oom-pid1, kernel-oom-kill, invalid-size, native-oom,
  // worker-oom, js-memory-error, other-crash, no-crash-found
  std::string kind;
  std::string summary;  // one sentence
  std::string message;  // the fatal line as printed
  std::string location;  // "Reached heap limit", "CALL_AND_RETRY_LAST", ...
  std::vector<LastGc> last_gcs;
  uint64_t truncated_gc_entries = 0;  // cut by the ring buffer
  std::vector<std::string> js_stack, native_stack;
  double heap_at_death_mb = -1;  // the heap size in the last GCs
  double heap_limit_mb = -1;     // at "Reached heap limit": what the last full GCs left, the old space's limit
  uint32_t pid = 0;
  int exit_status = -1;
  std::string signal;  // from the exit status
  std::vector<std::string> report_files, snapshot_files;
  std::vector<std::string> next_steps;
};

CrashReport ReadCrashOutput(std::string_view text, int exit_status);
Result<CrashReport> ReadCrashFile(const std::string& path, int exit_status);

}  // namespace oomkit::crash
