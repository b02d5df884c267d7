// CPU time this process has used (user + system, all threads), for --stats:
// wall time alone does not say whether a phase kept both cores busy.
#pragma once

namespace oomkit {

// Seconds since the process started; 0 where getrusage fails.
double ProcessCpuSeconds();

}  // namespace oomkit
