// `oomkit heap ...`: the heap-snapshot commands. Each returns the exit code:
// 0 done, 2 bad input or usage.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace oomkit::cli {

struct HeapOptions {
  std::string file;
  std::vector<std::string> files;  // diff: BASE CURRENT; leaks: BASELINE TARGET FINAL [...]
  bool json = false;
  size_t top = 0;  // 0: the command's default
  std::string class_regex;
  int depth = 2;
  std::string semantics = "devtools";
  bool partial = false;
  int threads = 0;
  bool progress = true;
  bool stats = false;
  // retainers
  std::string target;      // "@123" or "123"
  std::string class_name;  // --class for retainers: exact class name
  size_t max_depth = 30;
  size_t max_paths = 0;  // 0: the command's default
  size_t instances = 3;
  // leaks
  bool fail_on_leak = false;
  std::string baseline;  // suspects --baseline
};

int RunHeapInfo(const HeapOptions& options);
int RunHeapSummary(const HeapOptions& options);
int RunHeapDominators(const HeapOptions& options);
int RunHeapDiff(const HeapOptions& options);
int RunHeapRetainers(const HeapOptions& options);
int RunHeapLeaks(const HeapOptions& options);
int RunHeapSuspects(const HeapOptions& options);

}  // namespace oomkit::cli
