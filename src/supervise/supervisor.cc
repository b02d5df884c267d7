#include "supervise/supervisor.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <http_parser.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <nlohmann/json.hpp>

#include "common/new_file.h"
#include "gc/trace_line.h"
#include "supervise/heap_limit.h"
#include "supervise/inspector_client.h"
#include "supervise/memory_limits.h"
#include "supervise/output_splitter.h"

namespace oomkit::supervise {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kStderrTail = 1 << 20;  // the crash reader reads the last MiB of stderr

int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A file of the run: created here, never over another, readable by its owner only.
Result<int> CreatePrivate(const std::string& path) {
  auto fd = CreateNewFile(path, 0600);
  if (!fd.ok()) return Status::Error(fmt::format("{}: {}", path, fd.error()));
  return fd;
}

void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // EPIPE (our reader went away) or a full disk: the child must not wait on us
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

uint64_t ProcRss(uint32_t pid) {
  std::ifstream in(fmt::format("/proc/{}/statm", pid));
  uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

std::vector<std::string> FilesEnding(const std::string& dir, std::string_view prefix, std::string_view suffix) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string_view name = e->d_name;
      if (name.starts_with(prefix) && name.ends_with(suffix)) out.push_back(dir + "/" + std::string(name));
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A request to the metrics endpoint: read, answered, closed.
struct MetricsConnection {
  int fd = -1;
  http_parser parser;
  std::string url;
  bool complete = false;
};

struct ProbeConnection {
  int fd = -1;
  std::string buffer;
  uint32_t pid = 0;
};

class Run {
 public:
  explicit Run(const SuperviseOptions& o) : o_(o) {}
  Result<RunOutcome> Go();

 private:
  Status Open();
  Status Spawn();
  void Loop();
  void OnStdout();
  void OnStderr();
  void OnProbeAccept();
  void OnProbe(ProbeConnection& c);
  void OnProbeLine(ProbeConnection& c, std::string_view line);
  void OnSignal();
  void OnCommands();
  void ScanForInspector(std::string_view chunk);
  void ProfileLoop(std::string url);
  void StopProfilers();
  Status OpenMetrics();
  void OnMetricsAccept();
  void OnMetrics(MetricsConnection& c);
  void OnTraceLine(std::string_view line);
  void MaybeSnapshot(ProcessSeen& p);
  void Finish();
  ProcessSeen& Process(uint32_t pid);
  double Elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  void Note(const std::string& s) {
    if (o_.note) o_.note(s);
  }

  const SuperviseOptions& o_;
  RunOutcome out_;
  int epoll_ = -1, signal_fd_ = -1, listen_fd_ = -1;
  int stdout_r_ = -1, stderr_r_ = -1;
  int gc_log_ = -1, stderr_log_ = -1, timeline_ = -1;
  pid_t child_ = 0;
  bool child_done_ = false;
  int child_wait_status_ = 0;
  int stop_signals_ = 0;
  Clock::time_point start_;
  std::string stderr_tail_;
  std::map<uint32_t, ProcessSeen> processes_;
  std::vector<std::unique_ptr<ProbeConnection>> probes_;
  int metrics_fd_ = -1;
  int command_fd_ = -1;  // the first process's probe, when it takes commands
  // The profiler threads: one per inspector announced on stderr.
  std::string inspector_scan_;
  std::vector<std::thread> profilers_;
  std::vector<InspectorClient*> clients_;
  std::mutex profile_mu_;
  std::condition_variable profile_cv_;
  bool stopping_profilers_ = false;
  std::vector<std::unique_ptr<MetricsConnection>> metrics_;
  http_parser_settings metrics_settings_{};
  std::unique_ptr<OutputSplitter> splitter_;
  std::string stdout_scan_, stderr_scan_;  // the end of the last chunk, to find a marker cut in two

  // A worker's OOM leaves the process alive and prints nothing of V8's: only
  // what the application prints of its 'error' event (or Node's uncaught one).
  void ScanForWorkerOom(std::string& carry, std::string_view chunk) {
    static constexpr std::string_view kMarker = "ERR_WORKER_OUT_OF_MEMORY";
    // The seam (the end of the last chunk and the start of this one) holds a
    // marker only if it starts in the carry; the chunk is searched in place.
    std::string seam = carry + std::string(chunk.substr(0, kMarker.size() - 1));
    for (size_t at = seam.find(kMarker); at != std::string::npos; at = seam.find(kMarker, at + 1)) ++out_.worker_oom_lines;
    for (size_t at = chunk.find(kMarker); at != std::string_view::npos; at = chunk.find(kMarker, at + 1)) ++out_.worker_oom_lines;
    if (chunk.size() >= kMarker.size() - 1) carry.assign(chunk.substr(chunk.size() - (kMarker.size() - 1)));
    else carry = seam.substr(seam.size() > kMarker.size() - 1 ? seam.size() - (kMarker.size() - 1) : 0);
  }
};

ProcessSeen& Run::Process(uint32_t pid) {
  ProcessSeen& p = processes_[pid];
  p.pid = pid;
  return p;
}

Status Run::Open() {
  const std::string& d = o_.out_dir;
  for (auto [fd, name] : {std::pair{&gc_log_, "gc.log"}, {&stderr_log_, "stderr.log"}, {&timeline_, "timeline.ndjson"}}) {
    auto f = CreatePrivate(d + "/" + name);
    if (!f.ok()) return f.status();
    *fd = f.value();
  }
  // The probe's socket: a path in the private folder (at most 107 bytes).
  std::string sock;
  for (const std::string& e : o_.plan.env)
    if (e.starts_with("OOMKIT_PROBE_SOCKET=")) sock = e.substr(20);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (sock.empty() || sock.size() >= sizeof addr.sun_path)
    return Status::Error(fmt::format("the probe's socket path is too long ({} bytes): give a shorter --out", sock.size()));
  std::memcpy(addr.sun_path, sock.c_str(), sock.size());
  listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listen_fd_, 64) != 0)
    return Status::Error(fmt::format("{}: cannot listen: {}", sock, std::strerror(errno)));
  chmod(sock.c_str(), 0600);
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&set, s);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  signal_fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  signal(SIGPIPE, SIG_IGN);
  return Status();
}

void Run::ScanForInspector(std::string_view chunk) {
  static constexpr std::string_view kMarker = "Debugger listening on ";
  inspector_scan_.append(chunk);
  // A process that ends with a debugger attached waits for it to leave: ours
  // leaves at once (the profile so far is already on disk).
  if (inspector_scan_.find("Waiting for the debugger to disconnect") != std::string::npos) {
    std::lock_guard<std::mutex> lock(profile_mu_);
    for (InspectorClient* c : clients_) c->Shutdown();
  }
  size_t at;
  while ((at = inspector_scan_.find(kMarker)) != std::string::npos) {
    size_t start = at + kMarker.size();
    size_t end = inspector_scan_.find_first_of(" \r\n", start);
    if (end == std::string::npos) break;  // the rest comes with the next chunk
    std::string url = inspector_scan_.substr(start, end - start);
    inspector_scan_.erase(0, end);
    if (url.rfind("ws://", 0) == 0) profilers_.emplace_back(&Run::ProfileLoop, this, url);
  }
  if (inspector_scan_.size() > 4096) inspector_scan_.erase(0, inspector_scan_.size() - 256);
}

void Run::ProfileLoop(std::string url) {
  InspectorClient client;
  {
    std::lock_guard<std::mutex> lock(profile_mu_);
    if (stopping_profilers_) return;
    clients_.push_back(&client);
  }
  auto done = [&] {
    std::lock_guard<std::mutex> lock(profile_mu_);
    clients_.erase(std::remove(clients_.begin(), clients_.end(), &client), clients_.end());
  };
  auto fail = [&](const std::string& why) {
    std::lock_guard<std::mutex> lock(profile_mu_);
    if (!stopping_profilers_) out_.warnings.push_back(fmt::format("sampling heap profiler ({}): {}", url, why));
  };
  uint32_t pid = 0;
  if (Status s = client.Connect(url, 5000); !s.ok()) {
    fail(s.message());
    return done();
  }
  // The inspector is announced during node's start, before its main context
  // exists: asked then, evaluate fails; so it is asked again each round.
  auto ask_pid = [&] {
    auto who = client.Call("Runtime.evaluate", R"({"expression":"process.pid","returnByValue":true})", 10000);
    if (!who.ok()) return;
    nlohmann::json j = nlohmann::json::parse(who.value(), nullptr, false);
    if (j.is_object() && j.contains("result") && j["result"].contains("value") && j["result"]["value"].is_number())
      pid = j["result"]["value"].get<uint32_t>();
  };
  ask_pid();
  // run: one sample per 512 KiB allocated on average, as Node's own
  // --heap-prof does, not V8's 32 KiB: a busy server allocates hundreds of
  // MB a second. diagnose asks for finer samples: it runs for a minute.
  if (auto s = client.Call("HeapProfiler.startSampling", fmt::format(R"({{"samplingInterval":{}}})", o_.profile_sampling_bytes), 10000);
      !s.ok()) {
    fail(s.error());
    return done();
  }
  for (int round = 0;; ++round) {
    {
      std::unique_lock<std::mutex> lock(profile_mu_);
      profile_cv_.wait_for(lock, std::chrono::duration<double>(o_.profile_every_s), [&] { return stopping_profilers_; });
      if (stopping_profilers_) break;
    }
    if (!pid) ask_pid();
    if (!pid && round < 3) continue;
    std::string file = fmt::format("{}/heap-{}.heapprofile", o_.out_dir, pid);
    auto r = client.Call("HeapProfiler.getSamplingProfile", "{}", 60000);
    if (!r.ok()) break;  // the process is gone (or too busy to answer for a minute)
    nlohmann::json j = nlohmann::json::parse(r.value(), nullptr, false);
    if (!j.is_object() || !j.contains("profile")) continue;
    // Written whole under another name, then renamed: the file is always a complete profile.
    std::string tmp = file + ".tmp";
    auto fd = CreatePrivate(tmp);
    if (!fd.ok()) break;
    WriteAll(fd.value(), j["profile"].dump());
    close(fd.value());
    rename(tmp.c_str(), file.c_str());
    std::lock_guard<std::mutex> lock(profile_mu_);
    ++out_.profiles_written;
  }
  done();
}

void Run::StopProfilers() {
  {
    std::lock_guard<std::mutex> lock(profile_mu_);
    stopping_profilers_ = true;
    for (InspectorClient* c : clients_) c->Shutdown();
  }
  profile_cv_.notify_all();
  for (std::thread& t : profilers_) t.join();
  profilers_.clear();
}

Status Run::OpenMetrics() {
  if (!o_.metrics_port) return Status();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(o_.metrics_port);
  if (inet_pton(AF_INET, o_.metrics_host.c_str(), &addr.sin_addr) != 1)
    return Status::Error(fmt::format("--metrics {}: give an IPv4 address and a port, e.g. 127.0.0.1:9464", o_.metrics_host));
  metrics_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(metrics_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(metrics_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(metrics_fd_, 16) != 0)
    return Status::Error(fmt::format("--metrics {}:{}: cannot listen: {}", o_.metrics_host, o_.metrics_port, std::strerror(errno)));
  metrics_settings_.on_url = [](http_parser* p, const char* at, size_t len) {
    auto* c = static_cast<MetricsConnection*>(p->data);
    if (c->url.size() < 4096) c->url.append(at, len);
    return 0;
  };
  metrics_settings_.on_message_complete = [](http_parser* p) {
    static_cast<MetricsConnection*>(p->data)->complete = true;
    return 0;
  };
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = 4;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, metrics_fd_, &ev);
  return Status();
}

void Run::OnMetricsAccept() {
  while (true) {
    int fd = accept4(metrics_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    auto c = std::make_unique<MetricsConnection>();
    c->fd = fd;
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c.get();
    size_t slot = metrics_.size();
    for (size_t i = 0; i < metrics_.size(); ++i)
      if (metrics_[i]->fd < 0) slot = i;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(100000 + slot);
    epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
    if (slot == metrics_.size()) metrics_.push_back(std::move(c));
    else metrics_[slot] = std::move(c);
  }
}

void Run::OnMetrics(MetricsConnection& c) {
  char buf[8192];
  ssize_t n = read(c.fd, buf, sizeof buf);
  if (n > 0) http_parser_execute(&c.parser, &metrics_settings_, buf, static_cast<size_t>(n));
  bool bad = n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) || HTTP_PARSER_ERRNO(&c.parser) != HPE_OK;
  if (!c.complete && !bad) return;
  if (c.complete) {
    std::vector<ProcessSeen> seen;
    for (const auto& [pid, p] : processes_) seen.push_back(p);
    std::string path = c.url.substr(0, c.url.find('?'));
    std::string status = "200 OK", type = "text/plain; charset=utf-8", body;
    if (path == "/metrics") {
      type = "text/plain; version=0.0.4; charset=utf-8";
      body = PrometheusText(seen, o_.restarts, o_.last_exit_kind);
    } else if (path == "/healthz/memory") {
      bool critical = false;
      body = MemoryHealthJson(seen, &critical);
      type = "application/json";
      if (critical) status = "503 Service Unavailable";
    } else {
      status = "404 Not Found";
      body = "oomkit run serves /metrics and /healthz/memory\n";
    }
    std::string response = fmt::format("HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                                       status, type, body.size(), body);
    // Small, to one client on loopback: written whole, a short wait at most.
    int flags = fcntl(c.fd, F_GETFL);
    fcntl(c.fd, F_SETFL, flags & ~O_NONBLOCK);
    timeval tv{1, 0};
    setsockopt(c.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    WriteAll(c.fd, response);
  }
  epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
  close(c.fd);
  c.fd = -1;
}

Status Run::Spawn() {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return Status::Error(fmt::format("pipe: {}", std::strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGPIPE}) sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> argv, envp;
  for (const std::string& a : o_.plan.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const std::string& e : o_.plan.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  int rc = posix_spawnp(&child_, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out[1]);
  close(err[1]);
  stdout_r_ = out[0];
  stderr_r_ = err[0];
  if (rc != 0) return Status::Error(fmt::format("{}: cannot run it: {}", o_.plan.argv[0], std::strerror(rc)));
  out_.pid = static_cast<uint32_t>(child_);
  start_ = Clock::now();
  auto add = [&](int fd, uint32_t token) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = token;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
  };
  add(stdout_r_, 0);
  add(stderr_r_, 1);
  add(signal_fd_, 2);
  add(listen_fd_, 3);
  if (o_.channel) {
    o_.channel->Started(out_.pid);
    add(o_.channel->wake_fd(), 5);
  }
  return Status();
}

void Run::OnTraceLine(std::string_view line) {
  WriteAll(gc_log_, line);
  ++out_.gc_lines;
  std::string_view body = line.substr(0, line.size() - 1);
  gc::TraceLine t = gc::ParseTraceLine(body);
  if (t.kind != gc::LineKind::kGc) return;
  ProcessSeen& p = Process(t.pid);
  ++p.gc_lines;
  if (t.event.collector == gc::Collector::kMarkCompact) ++p.mark_compacts;
  else if (t.event.collector == gc::Collector::kMinor) ++p.minor_marks;
  else ++p.scavenges;
  double pause = t.event.pause_ms / 1000;
  if (p.pause_buckets.empty()) p.pause_buckets.assign(std::size(kGcPauseBuckets), 0);
  for (size_t b = 0; b < std::size(kGcPauseBuckets); ++b)
    if (pause <= kGcPauseBuckets[b]) ++p.pause_buckets[b];
  p.pause_sum_s += pause;
  ++p.pause_count;
}

void Run::OnStdout() {
  char buf[65536];
  ssize_t n = read(stdout_r_, buf, sizeof buf);
  if (n > 0) {
    std::string_view chunk(buf, static_cast<size_t>(n));
    splitter_->Feed(chunk);
    ScanForWorkerOom(stdout_scan_, chunk);
    return;
  }
  if (n < 0 && errno == EINTR) return;
  splitter_->Finish();
  epoll_ctl(epoll_, EPOLL_CTL_DEL, stdout_r_, nullptr);
  close(stdout_r_);
  stdout_r_ = -1;
}

void Run::OnStderr() {
  char buf[65536];
  ssize_t n = read(stderr_r_, buf, sizeof buf);
  if (n > 0) {
    std::string_view chunk(buf, static_cast<size_t>(n));
    WriteAll(STDERR_FILENO, chunk);
    WriteAll(stderr_log_, chunk);
    ScanForWorkerOom(stderr_scan_, chunk);
    if (o_.profile_every_s > 0) ScanForInspector(chunk);
    stderr_tail_.append(chunk);
    if (stderr_tail_.size() > 2 * kStderrTail) stderr_tail_.erase(0, stderr_tail_.size() - kStderrTail);
    return;
  }
  if (n < 0 && errno == EINTR) return;
  epoll_ctl(epoll_, EPOLL_CTL_DEL, stderr_r_, nullptr);
  close(stderr_r_);
  stderr_r_ = -1;
}

void Run::OnProbeAccept() {
  while (true) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    auto c = std::make_unique<ProbeConnection>();
    c->fd = fd;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(100 + probes_.size());
    epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
    probes_.push_back(std::move(c));
  }
}

void Run::OnProbe(ProbeConnection& c) {
  char buf[16384];
  ssize_t n = read(c.fd, buf, sizeof buf);
  if (n <= 0) {
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
    close(c.fd);
    c.fd = -1;
    return;
  }
  c.buffer.append(buf, static_cast<size_t>(n));
  size_t start = 0;
  for (size_t nl; (nl = c.buffer.find('\n', start)) != std::string::npos; start = nl + 1)
    OnProbeLine(c, std::string_view(c.buffer).substr(start, nl - start));
  c.buffer.erase(0, start);
  if (c.buffer.size() > 65536) c.buffer.clear();  // not the probe speaking
}

void Run::OnProbeLine(ProbeConnection& c, std::string_view line) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object()) return;
  auto u64 = [&](const char* k) { return j.contains(k) && j[k].is_number() ? j[k].get<uint64_t>() : uint64_t{0}; };
  if (j.contains("reply")) {
    if (o_.channel) o_.channel->Deliver(j);
    return;
  }
  if (j.contains("hello")) {
    c.pid = static_cast<uint32_t>(u64("pid"));
    // The commands go to the process oomkit started; when that is not node
    // (npm start, a shell script), to the newest node process below it: the
    // launcher's own node comes first, the application after it.
    if (o_.channel && (c.pid == out_.pid || o_.plan.through_node_options)) {
      command_fd_ = c.fd;
      o_.channel->Connected(c.pid);
    }
    ProcessSeen& p = Process(c.pid);
    p.ppid = static_cast<uint32_t>(u64("ppid"));
    if (j.contains("node") && j["node"].is_string()) {
      p.node_version = j["node"];
      p.node_major = std::atoi(p.node_version.c_str());
    }
    if (j.contains("argv") && j["argv"].is_string()) p.argv = j["argv"];
    return;
  }
  uint32_t pid = static_cast<uint32_t>(u64("pid"));
  ProcessSeen& p = Process(pid);
  ++p.samples;
  p.last_heap_used = u64("heap_used");
  p.max_heap_used = std::max(p.max_heap_used, p.last_heap_used);
  p.heap_limit = u64("heap_limit");
  if (p.heap_limit && p.node_major) p.old_space_limit = OldSpaceLimit(p.heap_limit, p.node_major, o_.old_space_size_given);
  p.last_rss = u64("rss");
  p.max_rss = std::max(p.max_rss, p.last_rss);
  p.last_external = u64("external");
  p.last_array_buffers = u64("array_buffers");
  if (j.contains("loop_delay_p99_ms") && j["loop_delay_p99_ms"].is_number()) p.loop_delay_p99_ms = j["loop_delay_p99_ms"].get<double>();
  nlohmann::ordered_json row;
  row["t"] = std::round(Elapsed() * 1000) / 1000;
  row["ts"] = u64("t") ? u64("t") : static_cast<uint64_t>(UnixMs());
  row["pid"] = pid;
  for (const char* k : {"rss", "heap_used", "heap_total", "heap_limit", "external", "array_buffers"}) row[k] = u64(k);
  row["loop_delay_p99_ms"] = j.value("loop_delay_p99_ms", nlohmann::json());
  row["gc_lines"] = p.gc_lines;
  row["mark_compacts"] = p.mark_compacts;
  if (pid == out_.pid) row["rss_proc"] = ProcRss(pid);
  WriteAll(timeline_, row.dump() + "\n");
  ++out_.timeline_lines;
  MaybeSnapshot(p);
}

void Run::MaybeSnapshot(ProcessSeen& p) {
  if (o_.snapshot_at <= 0 || !p.old_space_limit || p.snapshots_requested >= o_.snapshot_max) return;
  // The first at --snapshot-at of the limit, each next one 5 % of the limit later.
  double at = o_.snapshot_at + 0.05 * p.snapshots_requested;
  if (static_cast<double>(p.last_heap_used) < at * static_cast<double>(p.old_space_limit)) return;
  ++p.snapshots_requested;
  uint64_t heap = p.last_heap_used;
  struct statvfs fs {};
  uint64_t free_disk = statvfs(o_.out_dir.c_str(), &fs) == 0 ? static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize : 0;
  uint64_t available = MeminfoBytes("MemAvailable").value_or(0);
  // A snapshot takes about twice the heap on disk, and (measured here) up to
  // ten times the heap in extra memory while V8 writes it.
  if (free_disk < 2 * heap) {
    out_.warnings.push_back(fmt::format("no snapshot of pid {} at {:.0f} MB of heap: {} MB free on disk, a snapshot needs about {} MB",
                                        p.pid, heap / 1e6, free_disk / 1000000, 2 * heap / 1000000));
    Note(out_.warnings.back());
    return;
  }
  if (available && available < 10 * heap) {
    out_.warnings.push_back(fmt::format("no snapshot of pid {} at {:.0f} MB of heap: {} MB of memory available, writing one can "
                                        "take up to 10x the heap ({} MB)",
                                        p.pid, heap / 1e6, available / 1000000, 10 * heap / 1000000));
    Note(out_.warnings.back());
    return;
  }
  if (kill(static_cast<pid_t>(p.pid), SIGUSR2) == 0)
    Note(fmt::format("heap of pid {} at {:.0f} % of its limit ({:.1f} of {:.1f} MB): snapshot {} of at most {} asked for", p.pid,
                     100.0 * static_cast<double>(heap) / static_cast<double>(p.old_space_limit), heap / 1e6, p.old_space_limit / 1e6,
                     p.snapshots_requested, o_.snapshot_max));
}

void Run::OnSignal() {
  signalfd_siginfo si;
  while (read(signal_fd_, &si, sizeof si) == sizeof si) {
    int sig = static_cast<int>(si.ssi_signo);
    if (sig == SIGCHLD) {
      int status = 0;
      pid_t r;
      while ((r = waitpid(-1, &status, WNOHANG)) > 0)
        if (r == child_) {
          child_done_ = true;
          child_wait_status_ = status;
        }
      continue;
    }
    if (child_done_) continue;
    out_.interrupted = true;
    ++stop_signals_;
    if (stop_signals_ >= 2 && (sig == SIGINT || sig == SIGTERM)) {
      Note(fmt::format("second {}: killing pid {}", sig == SIGINT ? "SIGINT" : "SIGTERM", child_));
      kill(child_, SIGKILL);
      continue;
    }
    // The terminal's Ctrl-C went to the child too (one process group); a
    // signal another process sent to oomkit is passed on.
    if (si.ssi_code == SI_USER || si.ssi_code == SI_QUEUE) kill(child_, sig);
  }
}

void Run::OnCommands() {
  for (const std::string& line : o_.channel->TakeOutgoing())
    if (command_fd_ >= 0) WriteAll(command_fd_, line);  // a few dozen bytes: the socket's buffer takes them
}

void Run::Loop() {
  epoll_event events[32];
  Clock::time_point drain_until{};
  while (true) {
    if (child_done_ && drain_until == Clock::time_point{}) {
      drain_until = Clock::now() + std::chrono::seconds(2);
      if (o_.channel) o_.channel->Close();
      if (o_.child_exited) o_.child_exited();
    }
    // The child is gone: read what its pipes still hold (a grandchild may keep them open: 2 s at most).
    if (child_done_ && ((stdout_r_ < 0 && stderr_r_ < 0) || Clock::now() >= drain_until)) break;
    int n = epoll_wait(epoll_, events, 32, child_done_ ? 50 : 1000);
    for (int i = 0; i < n; ++i) {
      uint32_t t = events[i].data.u32;
      if (t == 0 && stdout_r_ >= 0) OnStdout();
      else if (t == 1 && stderr_r_ >= 0) OnStderr();
      else if (t == 2) OnSignal();
      else if (t == 3) OnProbeAccept();
      else if (t == 4) OnMetricsAccept();
      else if (t == 5) OnCommands();
      else if (t >= 100000 && t - 100000 < metrics_.size() && metrics_[t - 100000]->fd >= 0) OnMetrics(*metrics_[t - 100000]);
      else if (t >= 100 && t < 100000 && t - 100 < probes_.size() && probes_[t - 100]->fd >= 0) OnProbe(*probes_[t - 100]);
    }
  }
  // What the probes sent last.
  for (auto& c : probes_)
    if (c->fd >= 0) OnProbe(*c);
}

void Run::Finish() {
  if (o_.channel) o_.channel->Close();
  StopProfilers();
  out_.seconds = Elapsed();
  if (WIFEXITED(child_wait_status_)) out_.status = WEXITSTATUS(child_wait_status_);
  if (WIFSIGNALED(child_wait_status_)) {
    out_.signal = WTERMSIG(child_wait_status_);
    out_.status = 128 + out_.signal;
  }
  out_.crash = crash::ReadCrashOutput(stderr_tail_, out_.status);
  out_.snapshots = FilesEnding(o_.out_dir, "", ".heapsnapshot");
  out_.reports = FilesEnding(o_.out_dir, "report.", ".json");
  out_.profiles = FilesEnding(o_.out_dir, "heap-", ".heapprofile");
  for (const std::string& f : out_.snapshots) chmod(f.c_str(), 0600);
  for (const std::string& f : out_.reports) chmod(f.c_str(), 0600);
  for (auto& [pid, p] : processes_) out_.processes.push_back(p);
  for (int fd : {gc_log_, stderr_log_, timeline_, listen_fd_, epoll_, signal_fd_, metrics_fd_})
    if (fd >= 0) close(fd);
  for (auto& c : metrics_)
    if (c->fd >= 0) close(c->fd);
  unlink((o_.out_dir + "/probe.sock").c_str());
  for (auto& c : probes_)
    if (c->fd >= 0) close(c->fd);
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&set, s);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
}

Result<RunOutcome> Run::Go() {
  if (Status s = Open(); !s.ok()) return s;
  if (Status s = OpenMetrics(); !s.ok()) {
    Finish();
    return s;
  }
  splitter_ = std::make_unique<OutputSplitter>(
      [](std::string_view b) { WriteAll(STDOUT_FILENO, b); }, [this](std::string_view l) { OnTraceLine(l); },
      [this](uint32_t pid) { return pid == out_.pid || processes_.count(pid) > 0; });
  if (Status s = Spawn(); !s.ok()) {
    Finish();
    return s;
  }
  Loop();
  Finish();
  return out_;
}

}  // namespace

Result<RunOutcome> Supervise(const SuperviseOptions& options) {
  Run run(options);
  return run.Go();
}

}  // namespace oomkit::supervise

namespace oomkit::supervise {
namespace {

std::string Num(double v) {
  if (v == std::floor(v) && std::abs(v) < 1e15) return fmt::format("{:.0f}", v);
  return fmt::format("{:.6g}", v);
}

}  // namespace

std::string PrometheusText(const std::vector<ProcessSeen>& processes, uint32_t restarts, const std::string& last_exit_kind) {
  std::string out;
  auto family = [&](const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  auto gauge = [&](const char* name, const char* help, auto value_of) {
    family(name, "gauge", help);
    for (const ProcessSeen& p : processes)
      if (p.samples) out += fmt::format("{}{{pid=\"{}\"}} {}\n", name, p.pid, Num(static_cast<double>(value_of(p))));
  };
  gauge("oomkit_rss_bytes", "Resident set size of the node process (process.memoryUsage().rss).", [](const ProcessSeen& p) { return p.last_rss; });
  gauge("oomkit_heap_used_bytes", "V8 heap in use (process.memoryUsage().heapUsed).", [](const ProcessSeen& p) { return p.last_heap_used; });
  gauge("oomkit_heap_limit_bytes", "V8's heap_size_limit (old space limit plus young generation).", [](const ProcessSeen& p) { return p.heap_limit; });
  gauge("oomkit_old_space_limit_bytes", "The old space's limit: V8 aborts when the old generation reaches it.",
        [](const ProcessSeen& p) { return p.old_space_limit; });
  gauge("oomkit_external_bytes", "Memory of C++ objects bound to JavaScript (process.memoryUsage().external).",
        [](const ProcessSeen& p) { return p.last_external; });
  gauge("oomkit_array_buffers_bytes", "ArrayBuffer and Buffer memory (process.memoryUsage().arrayBuffers).",
        [](const ProcessSeen& p) { return p.last_array_buffers; });
  family("oomkit_event_loop_delay_p99_seconds", "gauge", "The event loop's delay, 99th percentile over the last sample interval.");
  for (const ProcessSeen& p : processes)
    if (p.samples && p.loop_delay_p99_ms >= 0)
      out += fmt::format("oomkit_event_loop_delay_p99_seconds{{pid=\"{}\"}} {}\n", p.pid, Num(p.loop_delay_p99_ms / 1000));
  family("oomkit_gc_total", "counter", "Garbage collections seen in the GC trace, by kind.");
  for (const ProcessSeen& p : processes) {
    if (!p.gc_lines) continue;
    out += fmt::format("oomkit_gc_total{{pid=\"{}\",kind=\"scavenge\"}} {}\n", p.pid, p.scavenges);
    out += fmt::format("oomkit_gc_total{{pid=\"{}\",kind=\"minor_mark\"}} {}\n", p.pid, p.minor_marks);
    out += fmt::format("oomkit_gc_total{{pid=\"{}\",kind=\"mark_compact\"}} {}\n", p.pid, p.mark_compacts);
  }
  family("oomkit_gc_pause_seconds", "histogram", "GC pauses from the GC trace.");
  for (const ProcessSeen& p : processes) {
    if (!p.pause_count) continue;
    for (size_t b = 0; b < std::size(kGcPauseBuckets); ++b)
      out += fmt::format("oomkit_gc_pause_seconds_bucket{{pid=\"{}\",le=\"{}\"}} {}\n", p.pid, Num(kGcPauseBuckets[b]),
                         b < p.pause_buckets.size() ? p.pause_buckets[b] : 0);
    out += fmt::format("oomkit_gc_pause_seconds_bucket{{pid=\"{}\",le=\"+Inf\"}} {}\n", p.pid, p.pause_count);
    out += fmt::format("oomkit_gc_pause_seconds_sum{{pid=\"{}\"}} {}\n", p.pid, Num(p.pause_sum_s));
    out += fmt::format("oomkit_gc_pause_seconds_count{{pid=\"{}\"}} {}\n", p.pid, p.pause_count);
  }
  family("oomkit_restarts_total", "counter", "Times oomkit run restarted the command (--restart).");
  out += fmt::format("oomkit_restarts_total {}\n", restarts);
  family("oomkit_last_exit_info", "gauge", "How the previous run of the command ended (1 for its kind).");
  if (!last_exit_kind.empty()) out += fmt::format("oomkit_last_exit_info{{kind=\"{}\"}} 1\n", last_exit_kind);
  return out;
}

std::string MemoryHealthJson(const std::vector<ProcessSeen>& processes, bool* critical) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  double worst = 0;
  for (const ProcessSeen& p : processes) {
    if (!p.samples) continue;
    double used = p.old_space_limit ? static_cast<double>(p.last_heap_used) / static_cast<double>(p.old_space_limit) : 0;
    worst = std::max(worst, used);
    list.push_back({{"pid", p.pid},
                    {"argv", p.argv},
                    {"heap_used_mb", std::round(static_cast<double>(p.last_heap_used) / 1e5) / 10},
                    {"heap_limit_mb", std::round(static_cast<double>(p.old_space_limit) / 1e5) / 10},
                    {"heap_used_percent", std::round(used * 1000) / 10},
                    {"rss_mb", std::round(static_cast<double>(p.last_rss) / 1e5) / 10},
                    {"external_mb", std::round(static_cast<double>(p.last_external) / 1e5) / 10},
                    {"array_buffers_mb", std::round(static_cast<double>(p.last_array_buffers) / 1e5) / 10}});
  }
  const char* status = worst >= 0.9 ? "critical" : worst >= 0.75 ? "warning" : "healthy";
  *critical = worst >= 0.9;
  nlohmann::ordered_json j{{"status", status}, {"heap_used_percent", std::round(worst * 1000) / 10}, {"processes", list}};
  return j.dump() + "\n";
}

}  // namespace oomkit::supervise
