// The processes below a command: a wrapper such as `npm start` or `sh -c`
// may not pass a signal on to the node process it runs, and a node left
// behind keeps its port and its memory after oomkit is done. Stopping the
// command therefore signals every process below it too.
#pragma once

#include <sys/types.h>

#include <vector>

namespace oomkit::supervise {

// Every process descended from `root` (root itself not included), read from
// /proc: children before their own children. Empty when root has none or is
// gone.
std::vector<pid_t> Descendants(pid_t root);

// Whether `pid` runs (a zombie, dead but not yet reaped, does not).
bool Running(pid_t pid);

}  // namespace oomkit::supervise
