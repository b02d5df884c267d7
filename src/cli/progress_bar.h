// A progress bar on stderr, only when stderr is a terminal and the work has
// lasted over a second; it erases itself when done. Thread-safe: worker
// threads may report.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "common/progress.h"

namespace oomkit::cli {

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled);
  ~ProgressBar();
  Progress sink();
  void Finish();

 private:
  void Report(std::string_view phase, uint64_t done, uint64_t total);
  bool enabled_;
  bool shown_ = false;
  std::string phase_;  // the phase shown: a new one is always drawn
  std::mutex mu_;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace oomkit::cli
