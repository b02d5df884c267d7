// A sampling heap profile (.heapprofile: --heap-prof, or the inspector's
// HeapProfiler.getSamplingProfile): a tree of call frames, each node with the
// bytes sampled there (selfSize) and the samples that point at it.
//
// Allocation sites are call frames (function, script, line, column). A site's
// self size adds the nodes where it allocated; its total adds the subtrees
// below it, each counted once on a path (recursion does not count twice), as
// pprof's "flat" and "cum".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace oomkit::profile {

struct CallFrame {
  std::string function, url;
  int64_t line = -1, column = -1;  // 0-based, -1 unknown (as V8 writes them)
};

struct ProfileNode {
  uint32_t frame;   // index into frames
  uint32_t parent;  // UINT32_MAX for the root
  uint64_t self_size = 0;
  uint64_t samples = 0;
  uint32_t id = 0;
};

struct Site {
  uint32_t frame;
  uint64_t self_size = 0, total_size = 0, self_samples = 0, total_samples = 0;
};

struct HeapProfile {
  std::vector<CallFrame> frames;  // deduplicated
  std::vector<ProfileNode> nodes;  // parents before children
  uint64_t total_size = 0, total_samples = 0;
  std::vector<Site> sites;  // by self size, largest first
};

Result<HeapProfile> ReadHeapProfile(std::string_view json_text);
Result<HeapProfile> ReadHeapProfileFile(const std::string& path);

// A frame's name as people read it: "fn (url:line:col)", "(anonymous)" for "".
std::string FrameName(const CallFrame& f);

}  // namespace oomkit::profile
