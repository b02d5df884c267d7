#include "crash/crash_output.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "common/input_file.h"

#include "gc/trace_line.h"

namespace oomkit::crash {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

const char* SignalName(int sig) {
  switch (sig) {
    case 6: return "SIGABRT";
    case 9: return "SIGKILL";
    case 11: return "SIGSEGV";
    case 5: return "SIGTRAP";
    case 15: return "SIGTERM";
    case 2: return "SIGINT";
    case 7: return "SIGBUS";
    case 4: return "SIGILL";
    default: return "";
  }
}

const char* CollectorName(gc::Collector c) {
  switch (c) {
    case gc::Collector::kScavenge: return "Scavenge";
    case gc::Collector::kMinor: return "Minor";
    case gc::Collector::kMarkCompact: return "Mark-Compact";
  }
  return "";
}

}  // namespace

CrashReport ReadCrashOutput(std::string_view text, int exit_status) {
  CrashReport r;
  r.exit_status = exit_status;
  if (exit_status > 128 && exit_status < 160) r.signal = SignalName(exit_status - 128);
  enum class Block { kNone, kGcs, kJsStack, kNative } block = Block::kNone;
  bool invalid_size = false, process_oom = false, bad_alloc = false, worker_oom = false, unhandled = false;
  bool js_error = false, v8_oom = false;
  std::string invalid_size_line, process_oom_line, js_error_line;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view t = Trim(line);

    if (t.find("<--- Last few GCs --->") != std::string_view::npos) {
      block = Block::kGcs;
      continue;
    }
    if (t.find("<--- JS stacktrace --->") != std::string_view::npos) {
      block = Block::kJsStack;
      continue;
    }
    if (t.find("----- Native stack trace -----") != std::string_view::npos) {
      block = Block::kNative;
      continue;
    }
    if (size_t at = t.find("FATAL ERROR: "); at != std::string_view::npos) {
      block = Block::kNone;
      r.message = std::string(t.substr(at));
      std::string_view rest = t.substr(at + 13);
      if (size_t alloc = rest.find(" Allocation failed"); alloc != std::string_view::npos) {
        r.location = std::string(Trim(rest.substr(0, alloc)));
        v8_oom = true;
      } else {
        r.location = std::string(rest);
        v8_oom = rest.find("out of memory") != std::string_view::npos;
      }
      continue;
    }
    if (t.starts_with("# Fatal JavaScript invalid size error")) invalid_size = true, invalid_size_line = std::string(t.substr(2));
    if (t.starts_with("# Fatal process OOM in") || t.starts_with("# Fatal process out of memory"))
      process_oom = true, process_oom_line = std::string(t.substr(2));
    if (t.find("std::bad_alloc") != std::string_view::npos) bad_alloc = true;
    if (t.find("ERR_WORKER_OUT_OF_MEMORY") != std::string_view::npos) worker_oom = true;
    if (t.find("Unhandled 'error' event") != std::string_view::npos) unhandled = true;
    if (t.find("RangeError: Invalid string length") != std::string_view::npos ||
        t.find("RangeError: Array buffer allocation failed") != std::string_view::npos ||
        t.find("RangeError: Invalid array length") != std::string_view::npos)
      js_error = true, js_error_line = std::string(t);
    if (size_t at = t.find("Writing Node.js report to file: "); at != std::string_view::npos)
      r.report_files.emplace_back(t.substr(at + 32));
    if (size_t at = t.find("Wrote snapshot to "); at != std::string_view::npos)
      r.snapshot_files.emplace_back(Trim(t.substr(at + 18)));

    switch (block) {
      case Block::kGcs:
        for (size_t at = gc::FindTracePrefix(line, 0); at != std::string_view::npos;) {
          size_t next = gc::FindTracePrefix(line, at + 1);
          std::string_view piece = line.substr(at, next == std::string_view::npos ? std::string_view::npos : next - at);
          at = next;
          gc::TraceLine g = gc::ParseTraceLine(piece);
          if (g.kind != gc::LineKind::kGc) {
            ++r.truncated_gc_entries;
            g = gc::ParseCutGcLine(piece);
            if (g.kind != gc::LineKind::kGc) continue;
          }
          r.pid = g.pid;
          LastGc e;
          e.time_ms = g.time_ms;
          e.collector = CollectorName(g.event.collector);
          e.reduce = g.event.reduce;
          e.start_mb = g.event.start_object_mb;
          e.end_mb = g.event.end_object_mb;
          e.pause_ms = g.event.pause_ms;
          e.avg_mu = g.event.avg_mu;
          e.current_mu = g.event.current_mu;
          e.reason = std::string(g.event.reason);
          r.last_gcs.push_back(std::move(e));
        }
        break;
      case Block::kJsStack:
        if (!t.empty()) r.js_stack.emplace_back(t);
        break;
      case Block::kNative:
        if (!t.empty() && t.front() >= '0' && t.front() <= '9' && t.find(": 0x") != std::string_view::npos)
          r.native_stack.emplace_back(t);
        break;
      case Block::kNone:
        break;
    }
  }
  for (const LastGc& g : r.last_gcs) r.heap_at_death_mb = std::max(r.heap_at_death_mb, g.start_mb);

  // How it died.
  auto step = [&](std::string s) { r.next_steps.push_back(std::move(s)); };
  const bool pid1 = r.pid == 1 || exit_status == 139;
  if (v8_oom) {
    r.kind = pid1 && (exit_status == 139 || exit_status < 0) ? "v8-heap-oom-pid1" : "v8-heap-oom";
    const bool one_big = r.last_gcs.size() >= 2 &&
                         r.last_gcs.back().start_mb > 1.8 * r.last_gcs[r.last_gcs.size() - 2].end_mb &&
                         r.last_gcs.back().start_mb - r.last_gcs[r.last_gcs.size() - 2].end_mb > 32;
    // At "Reached heap limit" the heap is at its limit; "Ineffective
    // mark-compacts" fires from 80 % of it (95 % on Node 26), so the size only
    // bounds the limit there.
    // The size before a GC counts the young generation too; what survives
    // the last full GCs is the old generation at its limit.
    double live = -1;
    for (const LastGc& g : r.last_gcs)
      if (g.collector == "Mark-Compact") live = std::max(live, g.end_mb);
    if (r.location == "Reached heap limit" && !one_big && live > 0) r.heap_limit_mb = std::round(live);
    std::string how = r.location == "Reached heap limit" ? "the live JavaScript heap reached its limit"
                      : r.location == "Ineffective mark-compacts near heap limit"
                          ? "GC ran again and again near the heap limit and freed almost nothing (V8's abort rule)"
                      : r.location == "CALL_AND_RETRY_LAST"
                          ? "an allocation failed even after V8's last-resort full GCs (often one big allocation)"
                          : "V8 could not allocate (" + r.location + ")";
    r.summary = fmt::format("V8 heap out of memory: {}{}", how,
                            r.heap_at_death_mb > 0 ? fmt::format("; the heap was at {:.0f} MB", r.heap_at_death_mb) : "");
    if (r.kind == "v8-heap-oom-pid1")
      r.summary += "; node ran as PID 1 (a container without an init), so the abort showed as SIGSEGV (139)";
    if (one_big || r.location == "CALL_AND_RETRY_LAST")
      step("look for one huge allocation (a big array, Map or string built at once, JSON.parse of a large body): "
           "stream or paginate it");
    step("find what grows: run it again with --heapsnapshot-near-heap-limit=2 (or write snapshots with "
         "v8.writeHeapSnapshot() under load), then `oomkit heap leaks` / `oomkit heap suspects` on the snapshots");
    step("if the live set is legitimately this large, raise --max-old-space-size to about 75 % of the machine's or "
         "container's memory (check the limit with `oomkit report` on a --report-on-fatalerror report)");
    if (r.kind == "v8-heap-oom-pid1") step("run node under an init (docker run --init, or tini) so signals behave");
  } else if (invalid_size) {
    r.kind = "invalid-size";
    r.message = invalid_size_line;
    r.summary = "an array or string grew past V8's length limit (a fatal error, not the heap limit: raising "
                "--max-old-space-size does not help)";
    step("find the array or string that grows without bound (a push in a loop, a string built by +=) and bound or "
         "stream it");
  } else if (process_oom || bad_alloc) {
    r.kind = "native-oom";
    r.message = process_oom ? process_oom_line : "terminate called after throwing an instance of 'std::bad_alloc'";
    r.summary = "the process could not reserve native memory (address space or RLIMIT_AS too small), not the JS heap";
    step("check `ulimit -v` / RLIMIT_AS and the container's memory: V8 reserves address space beyond the heap");
  } else if (worker_oom) {
    r.kind = "worker-oom";
    r.message = "ERR_WORKER_OUT_OF_MEMORY: Worker terminated due to reaching memory limit: JS heap out of memory";
    r.summary = unhandled ? "a worker thread ran out of its heap and nothing handled the 'error' event, so the process "
                            "exited with code 1"
                          : "a worker thread ran out of its heap; the process lives on";
    step("raise the worker's resourceLimits.maxOldGenerationSizeMb, or find what the worker retains");
    if (unhandled) step("listen for the worker's 'error' event to survive it");
  } else if (exit_status == 137) {
    r.kind = "kernel-oom-kill";
    r.summary = "killed by SIGKILL with nothing printed: the kernel's or the container's (cgroup) OOM killer, "
                "before V8 reached its own limit";
    step("confirm it: dmesg | grep -i 'killed process', or the cgroup's memory.events oom_kill counter");
    step("the heap limit is at or above the container's memory: lower --max-old-space-size to about 75 % of the "
         "container limit so V8 reports the OOM itself, and check RSS beyond the heap (Buffers, native memory)");
  } else if (js_error) {
    r.kind = "js-memory-error";
    r.message = js_error_line;
    r.summary = "a catchable JavaScript error about a size limit, not an out-of-memory abort";
    step("catch it where the size is built, or bound the input that drives it");
  } else if (exit_status > 0) {
    r.kind = "other-crash";
    r.summary = r.signal.empty() ? fmt::format("exited with status {} without an out-of-memory marker", exit_status)
                                 : fmt::format("killed by {} without an out-of-memory marker", r.signal);
    step("not a memory failure that left a trace here: read the whole stderr and the exit status");
  } else {
    r.kind = "no-crash-found";
    r.summary = "no out-of-memory or crash marker in this text";
    step("give the process's stderr (2>err.log) and its exit status (--exit-status $?)");
  }
  return r;
}

Result<CrashReport> ReadCrashFile(const std::string& path, int exit_status) {
  auto in = InputFile::Open(path);  // mapped, or inflated when gzip-compressed
  if (!in.ok()) return in.status();
  std::string_view text = in.value().bytes();
  if (text.find('\0') != std::string_view::npos) return Status::Error("binary data, not text");
  return ReadCrashOutput(text, exit_status);
}

}  // namespace oomkit::crash
