// MemoryLimits: what this machine or container lets a process use, read from
// /proc and /sys the way the kernel and libuv see them.
//
// The cgroup is found through /proc/self/cgroup (its path in each hierarchy)
// and /proc/self/mountinfo (where each hierarchy is mounted, and which part of
// it: inside a container with a cgroup namespace the path is "/" and the
// container's own files are at the mount). The tightest limit of the cgroup
// and its ancestors is the one the kernel enforces.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace oomkit::supervise {

struct MemoryLimits {
  uint64_t ram = 0;        // MemTotal
  int cgroup_version = 0;  // 1 or 2 for the hierarchy with the memory controller; 0: none found
  std::string cgroup_path; // in that hierarchy
  std::string cgroup_dir;  // the folder its files were read from
  // Hard and soft limits, none when "max"/unlimited. v2: memory.max and
  // memory.high; v1: memory.limit_in_bytes and memory.soft_limit_in_bytes.
  std::optional<uint64_t> hard, soft;
  std::string hard_from;   // the cgroup folder the hard limit came from (an ancestor's may be tighter)
  std::optional<uint64_t> current;  // memory.current / memory.usage_in_bytes

  // What the kernel enforces: min(RAM, hard).
  uint64_t enforced() const;
  // What Node of this major version gives V8 to size its heap: min(RAM,
  // hard, soft) on 20+, but on 16-18 cgroup v2 is not read at all and v1's
  // soft limit is ignored.
  uint64_t seen_by_node(int node_major) const;
};

// A line of /proc/meminfo ("MemTotal", "MemAvailable") in bytes.
std::optional<uint64_t> MeminfoBytes(std::string_view key, const std::string& root = "");

// root: "" for this machine, or a folder holding proc/ and sys/ (tests).
Result<MemoryLimits> ReadMemoryLimits(const std::string& root = "");

}  // namespace oomkit::supervise
