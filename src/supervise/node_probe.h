// Asking a node binary what it would do here: its version and the heap
// limit V8 picks, with and without the NODE_OPTIONS of the environment.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace oomkit::supervise {

// Runs argv (found on PATH, no shell) with env (NAME=value; replaces the
// environment), and returns what it printed on stdout when it exits 0.
Result<std::string> CaptureOutput(const std::vector<std::string>& argv, const std::vector<std::string>& env);

struct NodeFacts {
  std::string version;  // "20.20.2"
  int major = 0;
  uint64_t heap_size_limit = 0;  // bytes, as v8.getHeapStatistics() reports it
};

// keep_node_options: run with the environment's NODE_OPTIONS (what the
// service gets), or without it (Node's own default).
Result<NodeFacts> AskNode(const std::string& node, bool keep_node_options);

}  // namespace oomkit::supervise
