// LoadWorker: one sender thread. It owns an epoll loop and its share of the
// connections, and nothing it touches per request is shared with another
// thread (the closed loop's request counter with -n excepted).
//
// Per request it makes one send() and one recv() and no epoll_ctl: sockets
// stay registered for EPOLLIN (level-triggered) from connect to close, and
// EPOLLOUT is armed only while a write is partial. The requests of one loop
// turn are written after all its reads, so a server that reads in batches
// (Node does) finds them together.
//
// Memory: one Connection (~120 B) and one request buffer (with unique ids) per
// connection, a 64 KiB read buffer, and three pairs of latency histograms
// (warm-up, measured, interval: 6 x 184 KiB), whatever the run's length.
#pragma once

#include <http_parser.h>
#include <sys/epoll.h>

#include <atomic>
#include <condition_variable>
#include <latch>
#include <cstdint>
#include <mutex>
#include <vector>

#include "load/load_config.h"
#include "load/load_stats.h"

namespace oomkit::load {

// What the workers share with the thread that reports: the run's clock, the
// stop request, and the mailbox of finished intervals.
struct RunControl {
  explicit RunControl(int workers) : connected(workers) {}
  // The run's clock starts once every worker has its connections up (or has
  // given up on them for --timeout): connecting is not part of the schedule.
  std::latch connected;
  std::atomic<bool> go{false};
  int64_t start_ns = 0;  // CLOCK_MONOTONIC; written before go, read after
  int stop_fd = -1;      // an eventfd: readable once the run must stop
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> claimed{0};           // closed loop: requests started so far (their ids)
  std::atomic<uint64_t> measured_claimed{0};  // closed loop: measured requests started (for -n)
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Interval> mailbox;
};

struct WorkerResult {
  PhaseStats warmup, measured;
  uint64_t in_flight_at_stop = 0;  // measured-phase requests sent but unanswered at the stop
  uint64_t due = 0;                // open loop: measured-phase requests due by the stop
  int64_t stop_ns = 0;             // when this worker stopped, from the start
};

class LoadWorker {
 public:
  LoadWorker(const LoadConfig& config, RunControl& control, int index, int connections);
  ~LoadWorker();
  LoadWorker(const LoadWorker&) = delete;
  LoadWorker& operator=(const LoadWorker&) = delete;

  void Run();
  const WorkerResult& result() const { return result_; }

 private:
  enum class State : uint8_t { kDown, kConnecting, kIdle, kBusy };
  struct Connection {
    int fd = -1;
    State state = State::kDown;
    bool want_out = false;       // EPOLLOUT armed: a write is partial
    bool began = false;          // the response's first bytes arrived
    uint8_t messages = 0;        // responses parsed since the request was sent
    bool keep_alive = true;
    bool out_of_step = false;    // the server sent more than the response: close after it
    bool measured = false;       // the request in flight belongs to the measured phase
    bool expects_no_body = false;
    uint16_t status = 0;
    uint32_t connect_failures = 0;  // in a row, for the back-off
    uint32_t write_off = 0, write_len = 0;
    const char* write_buf = nullptr;
    char* render_buf = nullptr;  // this connection's slot for requests with an id
    uint64_t responses = 0;      // on this socket, for --reconnect-every
    int64_t due_ns = 0, sent_ns = 0, deadline_ns = 0, retry_ns = 0;
    http_parser parser;
  };

  static int OnMessageBegin(http_parser* p);
  static int OnHeadersComplete(http_parser* p);
  static int OnMessageComplete(http_parser* p);

  int64_t Now() const;
  void Connect(Connection& c, int64_t now);
  void Connected(Connection& c, int64_t now);
  void ConnectFailed(Connection& c, int err, int64_t now);
  void Close(Connection& c);
  // Closed loop: claims the next request and queues it on c; false when the
  // run's request count is reached.
  bool StartClosedLoopRequest(Connection& c, int64_t now);
  void Assign(Connection& c, uint64_t index, int64_t due_ns);
  void SendDue(int64_t now);
  void Flush(int64_t now);
  void Write(Connection& c, int64_t now);
  void OnReadable(Connection& c, int64_t now);
  void Complete(Connection& c, int64_t now);
  void Fail(Connection& c, Failure f, int64_t now);
  void AfterResponse(Connection& c, int64_t now);
  void CheckTimeouts(int64_t now);
  void Reconnect(Connection& c, int64_t now);
  void PublishInterval(int64_t end_ns, bool last);
  int64_t NextBoundary(int64_t after_ns) const;
  bool Finished() const;
  void OpenConnections();
  void HandleEvents(const epoll_event* events, int n, int64_t now);
  int Poll(epoll_event* events, int64_t timeout_ns);
  PhaseStats& Phase(bool measured) { return measured ? result_.measured : result_.warmup; }

  const LoadConfig& config_;
  RunControl& control_;
  const int index_;
  int epoll_fd_ = -1;
  std::vector<Connection> conns_;
  std::vector<char> render_arena_;
  std::vector<uint32_t> idle_;     // open loop: idle connections, most recently used last
  std::vector<uint32_t> to_send_;  // requests queued in this loop turn
  std::vector<char> read_buf_;
  http_parser_settings settings_{};
  bool open_loop_;
  bool stopping_ = false;
  bool opening_ = false;  // the connect phase before the clock starts: connected sockets wait
  bool polling_ = false;  // the last wait found events: the next one naps and polls (Poll)
  int64_t warmup_end_ns_, end_ns_, timeout_ns_;
  // Open loop: the next request this worker sends (i = index, index + T, ...).
  uint64_t next_index_;
  int64_t next_due_ns_;
  uint64_t total_requests_;  // open loop: requests in the profile (or -n)
  int64_t next_timeout_check_ns_ = 0;
  uint64_t busy_ = 0;  // connections with a request in flight or queued
  uint64_t open_ = 0;  // connections established (idle or busy)
  Interval interval_;
  int64_t interval_start_ns_ = 0, interval_end_ns_ = 0;
  WorkerResult result_;
};

}  // namespace oomkit::load
