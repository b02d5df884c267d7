#include "cli/progress_bar.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace oomkit::cli {

ProgressBar::ProgressBar(bool enabled)
    : enabled_(enabled && ::isatty(STDERR_FILENO)), start_(std::chrono::steady_clock::now()), last_(start_) {}

ProgressBar::~ProgressBar() { Finish(); }

Progress ProgressBar::sink() {
  Progress p;
  if (enabled_) p.report = [this](std::string_view phase, uint64_t done, uint64_t total) { Report(phase, done, total); };
  return p;
}

void ProgressBar::Report(std::string_view phase, uint64_t done, uint64_t total) {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  if (now - start_ < std::chrono::seconds(1)) return;
  bool new_phase = phase != phase_;
  if (shown_ && !new_phase && now - last_ < std::chrono::milliseconds(100) && done != total) return;
  last_ = now;
  phase_ = phase;
  shown_ = true;
  double f = total ? static_cast<double>(done) / static_cast<double>(total) : 0;
  int filled = static_cast<int>(f * 30);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(30, '.');
  double secs = std::chrono::duration<double>(now - start_).count();
  fmt::print(stderr, "\r\033[K{:<18} [{}] {:3.0f} %  {:.1f} s", phase, bar, f * 100, secs);
  std::fflush(stderr);
}

void ProgressBar::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (shown_) {
    fmt::print(stderr, "\r\033[K");
    std::fflush(stderr);
    shown_ = false;
  }
}

}  // namespace oomkit::cli
