// `oomkit diagnose` and `oomkit soak`: the whole loop around one process:
// run it with the diagnostic flags, load it, measure and snapshot it between
// identical load phases, watch it idle, analyse everything, and give one
// verdict with its evidence, culprit and fix, in the terminal, in
// DIR/report.json and DIR/report.html. Exit codes: 0 no leak (soak: the heap
// after GC is flat within the tolerance), 1 a leak, 2 the run itself failed.
#pragma once

#include <string>
#include <vector>

#include "cli/load_command.h"

namespace oomkit::cli {

struct DiagnoseOptions {
  bool soak = false;
  std::vector<std::string> command;
  LoadOptions load;         // load.urls from --load
  std::string load_spec;    // a JSON file of load options
  std::string heap_limit;   // MB
  std::string out;
  std::string duration;     // without --load: the watch; soak: the whole run
  std::string warmup;
  std::string tolerance = "5%";
  std::string ready_timeout = "30s";
  std::string junit;
  bool json = false;
  bool keep_going = false;
};

int RunDiagnose(const DiagnoseOptions& options);

}  // namespace oomkit::cli
