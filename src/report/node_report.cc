#include "report/node_report.h"

#include <algorithm>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "common/input_file.h"
#include <nlohmann/json.hpp>

namespace oomkit::report {
namespace {

using Json = nlohmann::json;

uint64_t U64(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_number_integer()) return static_cast<uint64_t>(std::max<int64_t>(0, it->get<int64_t>()));
  if (it->is_number_float()) {
    double d = it->get<double>();
    if (!(d > 0)) return 0;  // negative or NaN
    return d >= 18446744073709551616.0 ? UINT64_MAX : static_cast<uint64_t>(d);
  }
  if (it->is_string()) {  // some versions write numbers as strings
    try {
      return std::stoull(it->get<std::string>());
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

std::string Str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string Mb(uint64_t bytes) { return fmt::format("{:.0f} MB", static_cast<double>(bytes) / 1048576.0); }

Result<NodeReport> Interpret(const Json& j);

}  // namespace

Result<NodeReport> ReadNodeReport(std::string_view text) {
  if (text.empty()) return Status::Error("empty file, not a report");
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::parse_error& e) {
    return Status::Error(fmt::format("byte {}: not valid JSON (cut short, or not a report)", e.byte));
  } catch (const Json::exception& e) {  // a number out of range, ...
    return Status::Error(fmt::format("not valid JSON: {}", e.what()));
  }
  try {
    return Interpret(j);
  } catch (const Json::exception& e) {  // a field of an unexpected type
    return Status::Error(fmt::format("not a Node.js diagnostic report as oomkit knows them: {}", e.what()));
  }
}

namespace {

Result<NodeReport> Interpret(const Json& j) {
  if (!j.is_object() || !j.contains("header") || !j["header"].is_object() || !j.contains("javascriptHeap") ||
      !j["javascriptHeap"].is_object())
    return Status::Error("not a Node.js diagnostic report (no \"header\" and \"javascriptHeap\" objects)");
  NodeReport r;
  const Json& h = j.at("header");
  r.version = static_cast<int>(U64(h, "reportVersion"));
  if (r.version > 5)
    r.warnings.push_back(fmt::format("report version {} is newer than this oomkit knows (5): read as version 5", r.version));
  r.node_version = Str(h, "nodejsVersion");
  r.trigger = Str(h, "trigger");
  r.event = Str(h, "event");
  r.filename = Str(h, "filename");
  r.platform = Str(h, "platform");
  r.arch = Str(h, "arch");
  if (h.contains("commandLine") && h["commandLine"].is_array())
    for (const auto& a : h["commandLine"])
      if (a.is_string()) {
        r.command_line.push_back(a.get<std::string>());
        if (a.get<std::string>().starts_with("--max-old-space-size")) r.max_old_space_flag = a.get<std::string>();
      }
  r.kind = r.trigger == "OOMError" || r.trigger == "FatalError" ? "oom"
           : r.trigger == "Signal"                             ? "signal"
           : r.trigger == "Exception"                          ? "exception"
                                                               : "api";

  const Json& heap = j.at("javascriptHeap");
  r.heap_limit = U64(heap, "memoryLimit");
  r.heap_used = U64(heap, "usedMemory");
  r.heap_total = U64(heap, "totalMemory");
  r.external = U64(heap, "externalMemory");
  r.malloced = U64(heap, "mallocedMemory");
  r.native_contexts = static_cast<uint32_t>(U64(heap, "nativeContextCount"));
  r.detached_contexts = static_cast<uint32_t>(U64(heap, "detachedContextCount"));
  if (heap.contains("heapSpaces") && heap["heapSpaces"].is_object())
    for (const auto& [name, sp] : heap["heapSpaces"].items())
      if (sp.is_object()) r.spaces.push_back({name, U64(sp, "memorySize"), U64(sp, "used"), U64(sp, "available")});
  std::sort(r.spaces.begin(), r.spaces.end(), [](const HeapSpace& a, const HeapSpace& b) { return a.used > b.used; });

  if (j.contains("resourceUsage") && j["resourceUsage"].is_object()) {
    const Json& ru = j["resourceUsage"];
    r.rss = U64(ru, "rss");
    r.max_rss = U64(ru, "maxRss");
    r.total_memory = U64(ru, "total_memory");
    r.free_memory = U64(ru, "free_memory");
    uint64_t c = U64(ru, "constrained_memory");
    // libuv's "no limit": 0, 2^64-1, or cgroup v1's LONG_MAX rounded to a page.
    if (c != 0 && c != UINT64_MAX && c < (uint64_t{1} << 62)) r.container_limit = c;
  }
  std::map<std::string, uint64_t> by_type;
  if (j.contains("libuv") && j["libuv"].is_array())
    for (const auto& hd : j["libuv"]) {
      if (!hd.is_object()) continue;
      std::string type = Str(hd, "type");
      ++by_type[type];
      bool active = hd.contains("is_active") && hd["is_active"].is_boolean() && hd["is_active"].get<bool>();
      if (type == "timer" && active) ++r.active_timers;
      if (type == "tcp" || type == "pipe" || type == "udp") ++r.sockets;
    }
  r.handles.assign(by_type.begin(), by_type.end());
  std::sort(r.handles.begin(), r.handles.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (j.contains("workers") && j["workers"].is_array()) r.workers = j["workers"].size();
  if (j.contains("javascriptStack") && j["javascriptStack"].is_object()) {
    r.js_message = Str(j["javascriptStack"], "message");
    if (j["javascriptStack"].contains("stack") && j["javascriptStack"]["stack"].is_array())
      for (const auto& l : j["javascriptStack"]["stack"])
        if (l.is_string()) r.js_stack.push_back(l.get<std::string>());
  }
  if (j.contains("nativeStack") && j["nativeStack"].is_array())
    for (const auto& f : j["nativeStack"])
      if (f.is_object()) r.native_stack.push_back(fmt::format("{} {}", Str(f, "pc"), Str(f, "symbol")));

  // What the numbers mean.
  auto find = [&](std::string s) { r.findings.push_back(std::move(s)); };
  const uint64_t memory = r.container_limit ? std::min(r.container_limit, r.total_memory ? r.total_memory : r.container_limit)
                                            : r.total_memory;
  if (r.container_limit && r.heap_limit >= r.container_limit)
    find(fmt::format("the heap limit ({}) is at or above the container's memory limit ({}): the kernel kills the "
                     "process (SIGKILL, exit 137) before V8 can report an OOM; set --max-old-space-size to about "
                     "75 % of the container limit ({})",
                     Mb(r.heap_limit), Mb(r.container_limit), Mb(r.container_limit * 3 / 4)));
  else if (memory && r.heap_limit > memory * 3 / 4)
    find(fmt::format("the heap limit ({}) is over 75 % of the {} memory ({}): little room is left for RSS beyond "
                     "the heap",
                     Mb(r.heap_limit), r.container_limit ? "container's" : "machine's", Mb(memory)));
  if (r.kind == "oom")
    find(fmt::format("V8 ran out of heap: {} used of a {} limit{}{}", Mb(r.heap_used), Mb(r.heap_limit),
                     r.max_old_space_flag.empty() ? "" : fmt::format(" (set by {})", r.max_old_space_flag),
                     memory && r.heap_limit < memory / 2
                         ? fmt::format("; the {} has {}, so a larger limit is possible if the live set is legitimate",
                                       r.container_limit ? "container" : "machine", Mb(memory))
                         : ""));
  else if (r.heap_limit && r.heap_used >= r.heap_limit * 8 / 10)
    find(fmt::format("the heap is at {:.0f} % of its limit ({} of {})", 100.0 * static_cast<double>(r.heap_used) / static_cast<double>(r.heap_limit),
                     Mb(r.heap_used), Mb(r.heap_limit)));
  if (r.rss && r.rss > 2 * (r.heap_total + r.external) && r.rss - r.heap_total - r.external > (256u << 20))
    find(fmt::format("RSS ({}) is far above the JS heap ({}) and external memory ({}): native memory (addons, "
                     "allocator fragmentation, thread stacks) holds the rest",
                     Mb(r.rss), Mb(r.heap_total), Mb(r.external)));
  if (r.external > r.heap_used && r.external > (64u << 20))
    find(fmt::format("external memory ({}: Buffers, ArrayBuffers) exceeds the JS heap in use ({}): the heap limit "
                     "does not cover it; look for buffered payloads",
                     Mb(r.external), Mb(r.heap_used)));
  if (r.active_timers >= 1000)
    find(fmt::format("{} active timers: timers created per request and never cleared", r.active_timers));
  if (r.sockets >= 1000) find(fmt::format("{} sockets and pipes open: connections that are never closed", r.sockets));
  if (r.detached_contexts) find(fmt::format("{} detached contexts (vm contexts or iframes kept alive)", r.detached_contexts));
  if (r.findings.empty()) find("nothing in the memory figures stands out");
  return r;
}

}  // namespace

Result<NodeReport> ReadNodeReportFile(const std::string& path) {
  auto in = InputFile::Open(path);  // mapped, or inflated when gzip-compressed
  if (!in.ok()) return in.status();
  return ReadNodeReport(in.value().bytes());
}

}  // namespace oomkit::report
