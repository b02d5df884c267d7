#include "load/load_run.h"

#include <fmt/format.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

namespace oomkit::load {
namespace {

double Seconds(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; }

}  // namespace

LoadRun::LoadRun(const LoadConfig& config)
    : config_(config), control_(std::make_unique<RunControl>(std::max(1, config.threads))) {
  control_->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

LoadRun::~LoadRun() {
  if (control_->stop_fd >= 0) close(control_->stop_fd);
}

void LoadRun::Stop() {
  control_->stop.store(true);
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(control_->stop_fd, &one, sizeof one);
}

Result<LoadResult> LoadRun::Run(const std::function<void(const Interval&)>& on_interval) {
  if (control_->stop_fd < 0) return Status::Error("cannot create an eventfd");
  int threads = config_.threads;
  if (config_.connections < threads)
    return Status::Error(fmt::format("-c {} is fewer connections than -t {} threads", config_.connections, threads));
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  auto monotonic_now = [] {
    timespec mono;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    return static_cast<int64_t>(mono.tv_sec) * 1'000'000'000 + mono.tv_nsec;
  };
  control_->start_ns = monotonic_now();  // for the connect phase; the run's clock starts after it

  std::vector<std::unique_ptr<LoadWorker>> workers;
  for (int t = 0; t < threads; ++t) {
    int share = config_.connections / threads + (t < config_.connections % threads ? 1 : 0);
    workers.push_back(std::make_unique<LoadWorker>(config_, *control_, t, share));
  }
  std::atomic<int> finished{0};
  std::vector<std::thread> pool;
  for (auto& w : workers)
    pool.emplace_back([&, worker = w.get()] {
      worker->Run();
      finished.fetch_add(1);
      control_->cv.notify_one();
    });
  control_->connected.wait();
  control_->start_ns = monotonic_now();
  start_unix_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  control_->go.store(true);
  control_->go.notify_all();

  // Interval k is shown once every worker has delivered its k; the last ones
  // (each worker's partial interval at its stop) when all have stopped.
  std::map<int, std::pair<int, Interval>> pending;
  int next = 0;
  auto take = [&](std::vector<Interval>& got) {
    for (Interval& in : got) {
      auto [it, fresh] = pending.try_emplace(in.index, 0, Interval());
      if (fresh) it->second.second = in;
      else {
        it->second.second.Add(in);
        it->second.second.start_s = std::min(it->second.second.start_s, in.start_s);
        it->second.second.end_s = std::max(it->second.second.end_s, in.end_s);
      }
      it->second.first++;
    }
    got.clear();
  };
  auto emit = [&](bool all) {
    while (!pending.empty() && pending.begin()->first == next && (all || pending.begin()->second.first == threads)) {
      const Interval& in = pending.begin()->second.second;
      if (on_interval && in.end_s - in.start_s > 1e-6) on_interval(in);
      pending.erase(pending.begin());
      ++next;
    }
  };
  std::vector<Interval> got;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(control_->mu);
      control_->cv.wait_for(lock, std::chrono::milliseconds(200),
                           [&] { return !control_->mailbox.empty() || finished.load() == threads; });
      got.swap(control_->mailbox);
    }
    take(got);
    emit(false);
    if (finished.load() == threads) {
      std::lock_guard<std::mutex> lock(control_->mu);
      if (control_->mailbox.empty()) break;
    }
  }
  for (std::thread& t : pool) t.join();
  got.swap(control_->mailbox);
  take(got);
  while (!pending.empty()) {
    next = pending.begin()->first;
    emit(true);
  }

  LoadResult r;
  int64_t stop = 0;
  for (auto& w : workers) {
    const WorkerResult& wr = w->result();
    r.warmup.Add(wr.warmup);
    r.measured.Add(wr.measured);
    r.in_flight_at_stop += wr.in_flight_at_stop;
    r.due += wr.due;
    stop = std::max(stop, wr.stop_ns);
  }
  r.measured_s = std::max(0.0, static_cast<double>(stop) / 1e9 - config_.warmup_s);
  if (config_.profile) r.dropped = r.due > r.measured.counters.sent ? r.due - r.measured.counters.sent : 0;
  r.interrupted = control_->stop.load();
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  r.cpu_user_s = Seconds(after.ru_utime) - Seconds(before.ru_utime);
  r.cpu_sys_s = Seconds(after.ru_stime) - Seconds(before.ru_stime);
  r.max_rss_kb = static_cast<uint64_t>(after.ru_maxrss);
  return r;
}

}  // namespace oomkit::load
