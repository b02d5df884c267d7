#include "load/load_worker.h"

#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <ctime>

namespace oomkit::load {
namespace {

constexpr uint32_t kStopToken = UINT32_MAX;
constexpr size_t kReadBuffer = 64 * 1024;
constexpr int kMaxEvents = 256;
constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kLateNs = 1'000'000;              // a send this far past its due time is late
constexpr int64_t kTimeoutCheckNs = 10'000'000;     // timeouts and connect retries are checked this often

// Seconds to nanoseconds; "never" (a due time past the profile) is INT64_MAX.
int64_t ToNs(double seconds) {
  if (!(seconds < 9e9)) return INT64_MAX;
  return static_cast<int64_t>(std::llround(seconds * 1e9));
}

timespec ToTimespec(int64_t ns) { return {static_cast<time_t>(ns / kSecond), static_cast<long>(ns % kSecond)}; }

// epoll_pwait2 takes a nanosecond timeout (Linux 5.11); older kernels get
// epoll_wait with the timeout rounded up to a millisecond.
int Wait(int epfd, epoll_event* events, int64_t timeout_ns) {
  static bool have_pwait2 = true;
  if (have_pwait2) {
    timespec ts = ToTimespec(timeout_ns);
    int n = epoll_pwait2(epfd, events, kMaxEvents, &ts, nullptr);
    if (n >= 0 || errno != ENOSYS) return n;
    have_pwait2 = false;
  }
  return epoll_wait(epfd, events, kMaxEvents, static_cast<int>((timeout_ns + 999'999) / 1'000'000));
}

}  // namespace

LoadWorker::LoadWorker(const LoadConfig& config, RunControl& control, int index, int connections)
    : config_(config),
      control_(control),
      index_(index),
      conns_(static_cast<size_t>(connections)),
      read_buf_(kReadBuffer),
      open_loop_(config.profile.has_value()) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = kStopToken;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, control_.stop_fd, &ev);
  size_t slot = 0;
  for (const RequestTemplate& t : config_.requests)
    if (t.has_id()) slot = std::max(slot, t.max_size());
  render_arena_.resize(slot * conns_.size());
  for (size_t i = 0; i < conns_.size(); ++i) {
    conns_[i].render_buf = slot ? render_arena_.data() + i * slot : nullptr;
    conns_[i].parser.data = &conns_[i];
  }
  settings_.on_message_begin = &OnMessageBegin;
  settings_.on_headers_complete = &OnHeadersComplete;
  settings_.on_message_complete = &OnMessageComplete;
  warmup_end_ns_ = ToNs(config_.warmup_s);
  end_ns_ = config_.duration_s > 0 ? warmup_end_ns_ + ToNs(config_.duration_s) : INT64_MAX;
  timeout_ns_ = ToNs(config_.timeout_s);
  next_index_ = static_cast<uint64_t>(index_);
  if (open_loop_) {
    const RateProfile& p = *config_.profile;
    total_requests_ = p.total();
    if (config_.max_requests > 0) {
      // Requests due in the warm-up come first; -n counts the ones after.
      uint64_t warm = static_cast<uint64_t>(std::max(0.0, std::floor(p.DueBy(config_.warmup_s) + 0.5)));
      while (warm > 0 && p.DueTime(warm - 1) >= config_.warmup_s) --warm;
      while (warm < total_requests_ && p.DueTime(warm) < config_.warmup_s) ++warm;
      total_requests_ = std::min(total_requests_, warm + config_.max_requests);
    }
    next_due_ns_ = next_index_ < total_requests_ ? ToNs(p.DueTime(next_index_)) : INT64_MAX;
  }
  idle_.reserve(conns_.size());
  to_send_.reserve(conns_.size());
}

LoadWorker::~LoadWorker() {
  for (Connection& c : conns_) Close(c);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

int64_t LoadWorker::Now() const {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * kSecond + ts.tv_nsec - control_.start_ns;
}

// The parser's callbacks only mark the connection; the loop acts on the marks.
int LoadWorker::OnMessageBegin(http_parser* p) {
  auto* c = static_cast<Connection*>(p->data);
  c->began = true;
  return 0;
}

int LoadWorker::OnHeadersComplete(http_parser* p) {
  auto* c = static_cast<Connection*>(p->data);
  c->status = static_cast<uint16_t>(p->status_code);
  return c->expects_no_body ? 1 : 0;  // 1: no body follows (HEAD)
}

int LoadWorker::OnMessageComplete(http_parser* p) {
  auto* c = static_cast<Connection*>(p->data);
  // 1xx (but 101) precede the real response on the same request.
  if (c->status >= 100 && c->status < 200 && c->status != 101) return 0;
  c->keep_alive = http_should_keep_alive(p) != 0;
  if (c->messages < 255) ++c->messages;
  return 0;
}

void LoadWorker::OpenConnections() {
  opening_ = true;
  int64_t now = Now();
  for (Connection& c : conns_) Connect(c, now);
  int64_t give_up = now + timeout_ns_;
  epoll_event events[kMaxEvents];
  while (!stopping_ && !control_.stop.load(std::memory_order_relaxed)) {
    bool pending = false;
    for (const Connection& c : conns_) pending |= c.state == State::kConnecting;
    now = Now();
    if (!pending || now >= give_up) break;
    int n = Wait(epoll_fd_, events, std::min<int64_t>(give_up - now, 10'000'000));
    if (n > 0) HandleEvents(events, n, Now());
  }
  opening_ = false;
}

void LoadWorker::Run() {
  prctl(PR_SET_TIMERSLACK, 1UL);  // wake for the schedule within microseconds, not the default 50
  OpenConnections();
  control_.connected.count_down();
  control_.go.wait(false);
  // The clock starts now. What the connect phase left is set against it:
  // sockets still connecting get a fresh deadline, failed ones retry at once.
  int64_t now = Now();
  for (Connection& c : conns_) {
    if (c.state == State::kConnecting) c.deadline_ns = now + timeout_ns_;
    if (c.state == State::kDown) c.retry_ns = now;
    if (c.state == State::kIdle && !open_loop_) StartClosedLoopRequest(c, now);
  }
  interval_start_ns_ = 0;
  interval_end_ns_ = NextBoundary(0);
  epoll_event events[kMaxEvents];
  while (true) {
    now = Now();
    if (stopping_ || control_.stop.load(std::memory_order_relaxed) || now >= end_ns_) break;
    while (now >= interval_end_ns_) PublishInterval(interval_end_ns_, false);
    if (Finished()) break;
    if (now >= next_timeout_check_ns_) {
      CheckTimeouts(now);
      next_timeout_check_ns_ = now + kTimeoutCheckNs;
    }
    if (open_loop_) SendDue(now);
    if (!to_send_.empty()) {
      now = Now();
      Flush(now);
    }
    int64_t wake = std::min({end_ns_, interval_end_ns_, next_timeout_check_ns_});
    if (open_loop_ && next_index_ < total_requests_ && (!idle_.empty() || next_due_ns_ > now))
      wake = std::min(wake, next_due_ns_);
    const int64_t timeout = std::max<int64_t>(0, wake - Now());
    int n = polling_ ? Poll(events, timeout) : Wait(epoll_fd_, events, timeout);
    polling_ = config_.poll_interval_ns > 0 && n > 0;
    if (n < 0) continue;  // EINTR: a signal; the stop flag says whether to end
    HandleEvents(events, n, Now());
    if (!config_.batch_writes && !to_send_.empty()) Flush(Now());
  }
  // The stop: what was sent and not answered is in flight; nothing more is sent.
  int64_t stop = std::min(Now(), end_ns_);
  PublishInterval(stop, true);
  result_.stop_ns = stop;
  for (Connection& c : conns_)
    if (c.state == State::kBusy && c.sent_ns > 0 && c.measured) ++result_.in_flight_at_stop;
  if (open_loop_) {
    // Due by the stop: what this worker sent in the measured phase, what it
    // had assigned but not written, and what was waiting for a connection.
    uint64_t due = result_.measured.counters.sent;
    for (Connection& c : conns_)
      if (c.state == State::kBusy && c.sent_ns == 0 && c.measured) ++due;
    for (uint64_t i = next_index_; i < total_requests_; i += static_cast<uint64_t>(config_.threads)) {
      int64_t t = ToNs(config_.profile->DueTime(i));
      if (t > stop) break;
      if (t >= warmup_end_ns_) ++due;
    }
    result_.due = due;
  }
  for (Connection& c : conns_) Close(c);
}

bool LoadWorker::Finished() const {
  if (open_loop_) return next_index_ >= total_requests_ && busy_ == 0;
  return config_.max_requests > 0 && control_.measured_claimed.load(std::memory_order_relaxed) >= config_.max_requests &&
         busy_ == 0 && Now() >= warmup_end_ns_;
}

int64_t LoadWorker::NextBoundary(int64_t after) const {
  int64_t next = after < warmup_end_ns_ ? std::min(after + kSecond, warmup_end_ns_) : after + kSecond;
  return std::min(next, end_ns_);
}

void LoadWorker::PublishInterval(int64_t end, bool last) {
  interval_.start_s = static_cast<double>(interval_start_ns_) / 1e9;
  interval_.end_s = static_cast<double>(end) / 1e9;
  interval_.warmup = end <= warmup_end_ns_ && warmup_end_ns_ > 0;
  interval_.in_flight = busy_;
  interval_.open_connections = open_;
  {
    std::lock_guard<std::mutex> lock(control_.mu);
    control_.mailbox.push_back(interval_);
  }
  control_.cv.notify_one();
  interval_.index++;
  interval_.stats.counters = Counters();
  interval_.stats.corrected.Reset();
  interval_.stats.uncorrected.Reset();
  interval_start_ns_ = end;
  interval_end_ns_ = last ? INT64_MAX : NextBoundary(end);
  if (interval_end_ns_ <= interval_start_ns_) interval_end_ns_ = INT64_MAX;  // the end of the run
}

// A thread asleep on its sockets is woken by the CPU that delivers each
// answer, and that wake-up is paid by the server's core: against the Node test
// server on this project's VMs, 24-27 us of server CPU per request with the
// generator asleep on its sockets, 19-20 us with it never asleep (bench/README.md,
// "Waking the generator"). So while answers keep coming the loop does not sleep
// on the sockets: it takes what is ready, and when nothing is, naps on its own
// timer and takes what arrived meanwhile. A nap that finds nothing hands the
// loop back to the blocking wait, so an idle or slow run does not tick. An
// answer that arrives during a nap is timed when the nap ends: latencies can
// read up to one interval long, never short.
int LoadWorker::Poll(epoll_event* events, int64_t timeout_ns) {
  int n = Wait(epoll_fd_, events, 0);
  if (n != 0) return n;
  const int64_t nap = std::min(config_.poll_interval_ns, timeout_ns);
  if (nap > 0) {
    timespec ts = ToTimespec(nap);
    nanosleep(&ts, nullptr);  // a signal cuts it short: the stop flag is checked next turn
  }
  return Wait(epoll_fd_, events, 0);
}

void LoadWorker::HandleEvents(const epoll_event* events, int n, int64_t now) {
  for (int i = 0; i < n; ++i) {
    uint32_t token = events[i].data.u32;
    if (token == kStopToken) {
      stopping_ = true;
      continue;
    }
    Connection& c = conns_[token];
    uint32_t ev = events[i].events;
    if (c.state == State::kConnecting) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err) ConnectFailed(c, err, now);
      else if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)) Connected(c, now);
      continue;
    }
    int fd = c.fd;
    if ((ev & EPOLLOUT) && c.want_out && c.state == State::kBusy) Write(c, now);
    if (c.fd == fd && fd >= 0 && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))) OnReadable(c, now);
  }
}

void LoadWorker::Connect(Connection& c, int64_t now) {
  int family = config_.endpoint.addr.ss_family;
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ConnectFailed(c, errno, now);
    return;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&config_.endpoint.addr), config_.endpoint.addr_len) < 0 &&
      errno != EINPROGRESS) {
    int err = errno;
    close(fd);
    ConnectFailed(c, err, now);
    return;
  }
  c.fd = fd;
  c.state = State::kConnecting;
  c.deadline_ns = now + timeout_ns_;
  c.want_out = true;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.u32 = static_cast<uint32_t>(&c - conns_.data());
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
}

void LoadWorker::Connected(Connection& c, int64_t now) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = static_cast<uint32_t>(&c - conns_.data());
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
  c.want_out = false;
  c.connect_failures = 0;
  c.responses = 0;
  c.state = State::kIdle;
  ++open_;
  ++Phase(now >= warmup_end_ns_).counters.connections_opened;
  ++interval_.stats.counters.connections_opened;
  if (open_loop_) idle_.push_back(static_cast<uint32_t>(&c - conns_.data()));
  else if (!opening_) StartClosedLoopRequest(c, now);
}

void LoadWorker::ConnectFailed(Connection& c, int err, int64_t now) {
  ConnectFailure kind = err == ECONNREFUSED ? ConnectFailure::kRefused
                        : err == ETIMEDOUT  ? ConnectFailure::kTimeout
                                            : ConnectFailure::kOther;
  ++Phase(now >= warmup_end_ns_).counters.connect_failed[static_cast<int>(kind)];
  ++interval_.stats.counters.connect_failed[static_cast<int>(kind)];
  Close(c);
  // Back off 10 ms, 20 ms, ... up to 1 s, so a server that is down is not flooded with SYNs.
  int64_t backoff = std::min<int64_t>(kSecond, int64_t{10'000'000} << std::min<uint32_t>(c.connect_failures, 7));
  ++c.connect_failures;
  c.retry_ns = now + backoff;
}

void LoadWorker::Close(Connection& c) {
  if (c.fd >= 0) {
    close(c.fd);  // removes it from the epoll set
    c.fd = -1;
  }
  if (c.state == State::kBusy) --busy_;
  if (c.state == State::kBusy || c.state == State::kIdle) --open_;
  if (c.state == State::kIdle && open_loop_) {
    uint32_t me = static_cast<uint32_t>(&c - conns_.data());
    idle_.erase(std::remove(idle_.begin(), idle_.end(), me), idle_.end());
  }
  c.state = State::kDown;
  c.want_out = false;
  c.retry_ns = INT64_MAX;
}

void LoadWorker::Reconnect(Connection& c, int64_t now) {
  if (!stopping_ && !opening_) Connect(c, now);
}

bool LoadWorker::StartClosedLoopRequest(Connection& c, int64_t now) {
  if (stopping_) return false;
  bool measured = now >= warmup_end_ns_;
  if (measured && config_.max_requests > 0 &&
      control_.measured_claimed.fetch_add(1, std::memory_order_relaxed) >= config_.max_requests)
    return false;
  uint64_t id = control_.claimed.fetch_add(1, std::memory_order_relaxed);
  Assign(c, id, now);
  return true;
}

void LoadWorker::Assign(Connection& c, uint64_t index, int64_t due_ns) {
  const RequestTemplate& t = config_.requests[config_.order[index % config_.order.size()]];
  if (t.has_id()) {
    c.write_len = static_cast<uint32_t>(t.Render(config_.id_start + index, c.render_buf));
    c.write_buf = c.render_buf;
  } else {
    c.write_buf = t.bytes().data();
    c.write_len = static_cast<uint32_t>(t.bytes().size());
  }
  c.expects_no_body = t.expects_no_body();
  c.write_off = 0;
  c.due_ns = due_ns;
  c.sent_ns = 0;
  c.deadline_ns = INT64_MAX;
  c.measured = due_ns >= warmup_end_ns_;
  c.began = false;
  c.messages = 0;
  c.status = 0;
  c.keep_alive = true;
  c.out_of_step = false;
  http_parser_init(&c.parser, HTTP_RESPONSE);
  c.state = State::kBusy;
  ++busy_;
  to_send_.push_back(static_cast<uint32_t>(&c - conns_.data()));
}

void LoadWorker::SendDue(int64_t now) {
  uint64_t step = static_cast<uint64_t>(config_.threads);
  while (next_index_ < total_requests_ && next_due_ns_ <= now) {
    if (idle_.empty()) {
      // Late: every connection is busy. A connection the server closed while
      // idle is opened again for it; the request waits, its lateness counted.
      for (Connection& c : conns_)
        if (c.state == State::kDown && c.retry_ns == INT64_MAX) {
          Connect(c, now);
          break;
        }
      return;
    }
    uint32_t ci = idle_.back();
    idle_.pop_back();
    Assign(conns_[ci], next_index_, next_due_ns_);
    next_index_ += step;
    next_due_ns_ = next_index_ < total_requests_ ? ToNs(config_.profile->DueTime(next_index_)) : INT64_MAX;
  }
}

void LoadWorker::Flush(int64_t now) {
  for (uint32_t ci : to_send_) {
    Connection& c = conns_[ci];
    if (c.state != State::kBusy || c.sent_ns != 0) continue;
    c.sent_ns = std::max<int64_t>(now, 1);
    if (!open_loop_) c.due_ns = c.sent_ns;  // closed loop: due when sent, so corrected == uncorrected
    c.deadline_ns = now + timeout_ns_;
    Counters& pc = Phase(c.measured).counters;
    ++pc.sent;
    ++interval_.stats.counters.sent;
    if (open_loop_) {
      int64_t lag = now - c.due_ns;
      if (lag > kLateNs) {
        ++pc.late;
        ++interval_.stats.counters.late;
      }
      uint64_t lag_us = static_cast<uint64_t>(std::max<int64_t>(0, lag) / 1000);
      pc.max_lag_us = std::max(pc.max_lag_us, lag_us);
      interval_.stats.counters.max_lag_us = std::max(interval_.stats.counters.max_lag_us, lag_us);
    }
    Write(c, now);
  }
  to_send_.clear();
}

void LoadWorker::Write(Connection& c, int64_t now) {
  while (c.write_off < c.write_len) {
    ssize_t n = send(c.fd, c.write_buf + c.write_off, c.write_len - c.write_off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      c.write_off += static_cast<uint32_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      if (!c.want_out) {
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT;
        ev.data.u32 = static_cast<uint32_t>(&c - conns_.data());
        epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
        c.want_out = true;
      }
      return;
    }
    Fail(c, errno == ECONNRESET ? Failure::kReset : errno == EPIPE ? Failure::kClosed : Failure::kWrite, now);
    return;
  }
  if (c.want_out) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(&c - conns_.data());
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
    c.want_out = false;
  }
}

void LoadWorker::OnReadable(Connection& c, int64_t now) {
  while (true) {
    ssize_t n = recv(c.fd, read_buf_.data(), read_buf_.size(), 0);
    if (n > 0) {
      if (c.state != State::kBusy) {
        // Bytes no request asked for: the connection is out of step.
        ++Phase(now >= warmup_end_ns_).counters.unsolicited;
        ++interval_.stats.counters.unsolicited;
        Close(c);
        Reconnect(c, now);
        return;
      }
      size_t parsed = http_parser_execute(&c.parser, &settings_, read_buf_.data(), static_cast<size_t>(n));
      if (c.messages > 0) {
        bool extra = c.messages > 1 || parsed != static_cast<size_t>(n) || HTTP_PARSER_ERRNO(&c.parser) != HPE_OK;
        if (extra) c.out_of_step = true;
        Complete(c, now);
        if (extra) {
          ++Phase(now >= warmup_end_ns_).counters.unsolicited;
          ++interval_.stats.counters.unsolicited;
        }
        return;
      }
      if (HTTP_PARSER_ERRNO(&c.parser) != HPE_OK) {
        Fail(c, Failure::kMalformed, now);
        return;
      }
      if (static_cast<size_t>(n) < read_buf_.size()) return;
      continue;
    }
    if (n == 0) {
      if (c.state == State::kBusy) {
        if (c.began) {
          http_parser_execute(&c.parser, &settings_, nullptr, 0);  // the end of a close-delimited body
          if (c.messages > 0) {
            c.keep_alive = false;
            Complete(c, now);
            return;
          }
        }
        Fail(c, Failure::kClosed, now);
        return;
      }
      // The server closed a connection we were not using (keep-alive timeout).
      ++Phase(now >= warmup_end_ns_).counters.closed_by_server;
      ++interval_.stats.counters.closed_by_server;
      Close(c);
      if (!open_loop_) Reconnect(c, now);  // open loop: opened again when a request needs it
      return;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return;
    if (c.state == State::kBusy) {
      Fail(c, errno == ECONNRESET ? Failure::kReset : Failure::kRead, now);
    } else {
      ++Phase(now >= warmup_end_ns_).counters.closed_by_server;
      ++interval_.stats.counters.closed_by_server;
      Close(c);
      if (!open_loop_) Reconnect(c, now);
    }
    return;
  }
}

void LoadWorker::Complete(Connection& c, int64_t now) {
  PhaseStats& ps = Phase(c.measured);
  size_t code = c.status < 600 ? c.status : 0;
  ++ps.counters.completed;
  ++ps.counters.status[code];
  ++interval_.stats.counters.completed;
  ++interval_.stats.counters.status[code];
  uint64_t corrected = static_cast<uint64_t>(std::max<int64_t>(0, now - c.due_ns) / 1000);
  uint64_t uncorrected = static_cast<uint64_t>(std::max<int64_t>(0, now - c.sent_ns) / 1000);
  ps.corrected.Record(corrected);
  ps.uncorrected.Record(uncorrected);
  interval_.stats.corrected.Record(corrected);
  interval_.stats.uncorrected.Record(uncorrected);
  ++c.responses;
  c.state = State::kIdle;
  --busy_;
  AfterResponse(c, now);
}

void LoadWorker::AfterResponse(Connection& c, int64_t now) {
  bool churn = config_.reconnect_every > 0 && c.responses >= config_.reconnect_every;
  if (!c.keep_alive || churn || c.out_of_step) {
    if (!c.keep_alive) {
      ++Phase(now >= warmup_end_ns_).counters.closed_by_server;
      ++interval_.stats.counters.closed_by_server;
    }
    Close(c);
    Reconnect(c, now);
    return;
  }
  if (open_loop_) idle_.push_back(static_cast<uint32_t>(&c - conns_.data()));
  else StartClosedLoopRequest(c, now);
}

void LoadWorker::Fail(Connection& c, Failure f, int64_t now) {
  PhaseStats& ps = Phase(c.measured);
  if (c.sent_ns == 0) {
    // Failed before its first byte was written: still counted as sent, so
    // that sent = completed + failed + in flight holds.
    ++ps.counters.sent;
    ++interval_.stats.counters.sent;
  }
  ++ps.counters.failed[static_cast<int>(f)];
  ++interval_.stats.counters.failed[static_cast<int>(f)];
  Close(c);
  Reconnect(c, now);
}

void LoadWorker::CheckTimeouts(int64_t now) {
  for (Connection& c : conns_) {
    if (c.state == State::kBusy && now >= c.deadline_ns) Fail(c, Failure::kTimeout, now);
    else if (c.state == State::kConnecting && now >= c.deadline_ns) ConnectFailed(c, ETIMEDOUT, now);
    else if (c.state == State::kDown && now >= c.retry_ns) Connect(c, now);
  }
}

}  // namespace oomkit::load
