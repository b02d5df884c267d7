// `oomkit report FILE.json`: a Node diagnostic report, read for memory. Returns the exit code.
#pragma once

#include <string>

namespace oomkit::cli {

struct ReportOptions {
  std::string file;
  bool json = false;
};

int RunReport(const ReportOptions& options);

}  // namespace oomkit::cli
