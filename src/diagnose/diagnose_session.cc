#include "diagnose/diagnose_session.h"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "load/load_run.h"
#include "supervise/process_tree.h"
#include "supervise/thread_cpu.h"

namespace oomkit::diagnose {
namespace {

using Clock = std::chrono::steady_clock;

int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The time node's main thread spends on a CPU and waiting for one, from
// construction to Record().
class CpuMeter {
 public:
  explicit CpuMeter(uint32_t pid) : pid_(pid), start_(pid ? supervise::ThreadTimesMs(pid, pid) : std::nullopt) {}
  // Into rec's main-thread figures, over the time since construction.
  void Record(PhaseRecord& rec) const {
    auto now = start_ ? supervise::ThreadTimesMs(pid_, pid_) : std::nullopt;
    if (!now) return;
    rec.main_thread_cpu_ms = now->cpu_ms - start_->cpu_ms;
    if (now->waiting_ms && start_->waiting_ms) rec.main_thread_waiting_ms = *now->waiting_ms - *start_->waiting_ms;
  }

 private:
  uint32_t pid_;
  std::optional<supervise::ThreadTimes> start_;
};

// One GET on a new connection: true when any HTTP answer comes back (any
// status: a 404 still says the server is up).
bool Answers(const load::Endpoint& endpoint, const load::TargetUrl& url, int timeout_ms) {
  int fd = socket(endpoint.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  auto done = [&](bool ok) {
    close(fd);
    return ok;
  };
  if (connect(fd, reinterpret_cast<const sockaddr*>(&endpoint.addr), endpoint.addr_len) != 0 && errno != EINPROGRESS)
    return done(false);
  pollfd p{fd, POLLOUT, 0};
  if (poll(&p, 1, timeout_ms) != 1) return done(false);
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err) return done(false);
  std::string request = fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", url.path_and_query, url.host_header);
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) return done(false);
  p = {fd, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) != 1) return done(false);
  char head[5];
  return done(recv(fd, head, sizeof head, 0) == 5 && std::memcmp(head, "HTTP/", 5) == 0);
}

Reading ReadingOf(const nlohmann::json& j) {
  Reading r;
  auto u64 = [&](const char* k) { return j.contains(k) && j[k].is_number() ? j[k].get<uint64_t>() : uint64_t{0}; };
  r.present = true;
  r.t_ms = static_cast<int64_t>(u64("t"));
  r.heap_used = u64("heap_used");
  r.heap_total = u64("heap_total");
  r.external = u64("external");
  r.array_buffers = u64("array_buffers");
  r.rss = u64("rss");
  r.time_origin_ms = j.contains("time_origin") && j["time_origin"].is_number() ? j["time_origin"].get<double>() : 0;
  return r;
}

class Session {
 public:
  Session(supervise::SuperviseOptions options, const SessionPlan& plan) : options_(std::move(options)), plan_(plan) {}
  Result<SessionOutcome> Go();

 private:
  void Note(const std::string& s) {
    if (plan_.note) plan_.note(s);
  }
  bool Ended() const { return channel_.closed(); }
  // Sleeps, or less when the process ends.
  void Wait(double seconds) {
    auto until = Clock::now() + std::chrono::duration<double>(seconds);
    while (!Ended() && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  bool Measure(const std::string& label, bool gc);
  bool Snapshot(const std::string& label);
  bool LoadPhase(const std::string& name, double seconds, uint64_t requests);
  bool WatchPhase(const std::string& name, double seconds);
  bool Stop(const std::string& step, const std::string& why) {
    out_.stopped_at = step + ": " + why;
    return false;
  }
  bool Steps();

  supervise::SuperviseOptions options_;
  const SessionPlan& plan_;
  supervise::ProbeChannel channel_;
  SessionOutcome out_;
  std::mutex load_mu_;
  load::LoadRun* load_ = nullptr;  // the running phase's, for the child's end to stop it
  uint64_t next_id_ = 0;
};

bool Session::Measure(const std::string& label, bool gc) {
  auto r = channel_.Call("measure", {{"gc", gc}}, 120);
  if (!r.ok()) return Stop("measure (" + label + ")", r.error());
  Reading reading = ReadingOf(r.value());
  out_.readings.emplace_back(label, reading);
  return true;
}

bool Session::Snapshot(const std::string& label) {
  std::string path = fmt::format("{}/{}.heapsnapshot", options_.out_dir, label);
  Note(fmt::format("{} heap snapshot: writing {}", label, path));
  auto r = channel_.Call("snapshot", {{"path", path}}, 900);
  if (!r.ok()) return Stop(label + " snapshot", r.error());
  out_.snapshots.push_back({label, path, UnixMs()});
  return true;
}

bool Session::LoadPhase(const std::string& name, double seconds, uint64_t requests) {
  load::LoadConfig c = *plan_.load;
  c.warmup_s = 0;
  c.max_requests = requests;
  double length = requests ? static_cast<double>(requests) / plan_.rate : seconds;
  auto profile = load::RateProfile::Constant(plan_.rate, length);
  if (!profile.ok()) return Stop(name, profile.error());
  c.profile = profile.take();
  c.duration_s = length + (requests ? c.timeout_s : 0);
  if (c.id_start) c.id_start += next_id_;
  PhaseRecord rec;
  rec.name = name;
  rec.load = true;
  rec.target_rate = plan_.rate;
  rec.start_ms = UnixMs();
  CpuMeter cpu(channel_.pid());
  Note(fmt::format("{}: {} req/s for {:.0f} s{}", name, plan_.rate, length,
                   requests ? fmt::format(" ({} requests)", requests) : ""));
  load::LoadRun run(c);
  {
    std::lock_guard<std::mutex> lock(load_mu_);
    if (Ended()) return Stop(name, "the process has ended");
    load_ = &run;
  }
  auto result = run.Run([&](const load::Interval& in) {
    const auto& k = in.stats.counters;
    out_.load_timeline.push_back({run.start_unix_ms() + static_cast<int64_t>(std::llround(in.end_s * 1000)), k.sent, k.completed, k.errors()});
  });
  {
    std::lock_guard<std::mutex> lock(load_mu_);
    load_ = nullptr;
  }
  rec.end_ms = UnixMs();
  cpu.Record(rec);
  if (!result.ok()) return Stop(name, result.error());
  const load::LoadResult& lr = result.value();
  const auto& k = lr.measured.counters;
  rec.sent = k.sent;
  rec.completed = k.completed;
  rec.errors = k.errors();
  rec.dropped = lr.dropped;
  rec.unanswered = lr.in_flight_at_stop;
  rec.late = k.late;
  rec.p50_us = lr.measured.corrected.Quantile(0.5);
  rec.p99_us = lr.measured.corrected.Quantile(0.99);
  rec.max_us = lr.measured.corrected.max();
  next_id_ += k.sent;
  out_.phases.push_back(rec);
  if (Ended()) return Stop(name, "the process ended during the load");
  if (k.completed == 0) return Stop(name, fmt::format("no request was answered ({} sent, {} errors)", k.sent, k.errors()));
  return true;
}

bool Session::WatchPhase(const std::string& name, double seconds) {
  PhaseRecord rec;
  rec.name = name;
  rec.start_ms = UnixMs();
  CpuMeter cpu(channel_.pid());
  Note(fmt::format("{}: watching the application's own traffic for {:.0f} s", name, seconds));
  Wait(seconds);
  rec.end_ms = UnixMs();
  cpu.Record(rec);
  out_.phases.push_back(rec);
  return !Ended() || Stop(name, "the process ended");
}

bool Session::Steps() {
  if (!channel_.WaitConnected(plan_.ready_timeout_s))
    return Stop("start", Ended() ? "the process ended before its probe reported" : "the probe did not report within the timeout");
  if (plan_.load) {
    const load::TargetUrl& url = plan_.load->urls.front();
    auto deadline = Clock::now() + std::chrono::duration<double>(plan_.ready_timeout_s);
    bool up = false;
    while (!Ended() && Clock::now() < deadline && !(up = Answers(plan_.load->endpoint, url, 1000)))
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (!up) {
      out_.never_answered = !Ended();
      return Stop("start", Ended() ? "the process ended before it answered"
                                   : fmt::format("{} did not answer within {:.0f} s", url.text, plan_.ready_timeout_s));
    }
    Note(fmt::format("{} answers", url.text));
    if (plan_.warmup_s > 0 && !LoadPhase("warm-up", plan_.warmup_s, 0)) return false;
  } else if (!WatchPhase("warm-up", plan_.warmup_s)) {
    return false;
  }
  auto phase = [&](const std::string& name) {
    return plan_.load ? LoadPhase(name, plan_.phase_s, plan_.requests) : WatchPhase(name, plan_.phase_s);
  };
  if (!Measure("baseline", true) || !Snapshot("baseline")) return false;
  if (!phase("load 1") || !Measure("target", true) || !Snapshot("target")) return false;
  if (!phase("load 2") || !Measure("final", true) || !Snapshot("final")) return false;
  // The idle watch: no load, a few full GCs apart.
  PhaseRecord idle;
  idle.name = "idle";
  idle.start_ms = UnixMs();
  for (int i = 1; i <= plan_.idle_gcs; ++i) {
    Wait(plan_.idle_gap_s);
    if (!Measure(fmt::format("idle {}", i), true)) return false;
  }
  idle.end_ms = UnixMs();
  out_.phases.push_back(idle);
  return true;
}

Result<SessionOutcome> Session::Go() {
  options_.channel = &channel_;
  options_.child_exited = [this] {
    std::lock_guard<std::mutex> lock(load_mu_);
    if (load_) load_->Stop();
  };
  // The supervisor's signalfd must see the signals: every thread blocks them.
  sigset_t set, old;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, &old);
  Result<supervise::RunOutcome> run = Status::Error("the supervisor did not run");
  std::thread supervisor([&] { run = supervise::Supervise(options_); });
  out_.completed = Steps();
  if (!out_.completed) out_.died = Ended();
  // Wait for the supervisor to have started the child (it may have failed to).
  for (int i = 0; i < 100 && !Ended() && !channel_.child(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!Ended() && channel_.child()) {
    const pid_t pid = static_cast<pid_t>(channel_.child());
    // Every process below the command is signalled too: `npm start` and
    // `sh -c` may not pass SIGTERM on to the node they run, which then stayed
    // up after the diagnosis, port and all. Listed before the signal, while
    // they are still the command's.
    const std::vector<pid_t> below = supervise::Descendants(pid);
    Note(below.empty() ? "done: stopping the application (SIGTERM)"
                       : fmt::format("done: stopping the application and the {} processes it started (SIGTERM)",
                                     below.size()));
    kill(pid, SIGTERM);
    for (pid_t p : below) kill(p, SIGTERM);
    auto stopped = [&] {
      if (!Ended()) return false;
      for (pid_t p : below)
        if (supervise::Running(p)) return false;
      return true;
    };
    for (int i = 0; i < 100 && !stopped(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!stopped()) {
      Note("it did not stop within 10 s: SIGKILL");
      if (!Ended()) kill(pid, SIGKILL);
      for (pid_t p : below)
        if (supervise::Running(p)) kill(p, SIGKILL);
    }
  }
  supervisor.join();
  out_.target_pid = channel_.pid();
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (!run.ok()) return run.status();
  out_.run = run.take();
  out_.interrupted = out_.run.interrupted;
  return std::move(out_);
}

}  // namespace

Result<SessionOutcome> RunSession(supervise::SuperviseOptions options, const SessionPlan& plan) {
  Session s(std::move(options), plan);
  return s.Go();
}

}  // namespace oomkit::diagnose
