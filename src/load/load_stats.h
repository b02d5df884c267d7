// What a load run counts. Every request is accounted for:
//   sent = completed + failed + in flight at stop
// where "completed" is a response read to its end (any status) and "failed"
// a request sent that got no whole response, by the failure's class.
// Connection failures are counted apart: no request was sent on them.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "load/latency_histogram.h"

namespace oomkit::load {

enum class Failure : uint8_t {
  kReset,      // the server reset the connection (ECONNRESET)
  kClosed,     // the server closed the connection before the response ended
  kRead,       // another read error
  kWrite,      // a write error other than reset or closed
  kTimeout,    // no whole response within --timeout: the socket was closed
  kMalformed,  // the response did not parse as HTTP/1.x
};
inline constexpr int kFailureKinds = 6;
std::string_view FailureName(Failure f);  // "reset", "closed", ... as JSON keys

enum class ConnectFailure : uint8_t { kRefused, kTimeout, kOther };
inline constexpr int kConnectFailureKinds = 3;
std::string_view ConnectFailureName(ConnectFailure f);

struct Counters {
  uint64_t sent = 0;
  uint64_t completed = 0;
  uint64_t late = 0;  // open loop: sent more than 1 ms after its due time
  uint64_t max_lag_us = 0;
  std::array<uint64_t, kFailureKinds> failed{};
  std::array<uint64_t, kConnectFailureKinds> connect_failed{};
  std::array<uint64_t, 600> status{};  // completed responses by status code (0: out of range)
  uint64_t connections_opened = 0;
  uint64_t closed_by_server = 0;  // idle keep-alive connections the server closed, and Connection: close
  uint64_t unsolicited = 0;       // bytes the server sent that no request asked for

  void Add(const Counters& o);
  uint64_t failures() const;
  uint64_t non_2xx() const;
  // failed + non-2xx responses: what --max-error-rate counts.
  uint64_t errors() const { return failures() + non_2xx(); }
  uint64_t connect_failures() const;
};

// One phase of a run (warm-up or measured): counters by the phase the request
// was sent in, latencies from the due time (corrected) and from the send.
struct PhaseStats {
  Counters counters;
  LatencyHistogram corrected;
  LatencyHistogram uncorrected;
  void Add(const PhaseStats& o) {
    counters.Add(o.counters);
    corrected.Add(o.corrected);
    uncorrected.Add(o.uncorrected);
  }
};

// One line of the timeline: what happened in [start, end) of the run, by the
// time of the event, whatever the request's phase.
struct Interval {
  int index = 0;
  double start_s = 0, end_s = 0;  // from the start of the run (warm-up included)
  bool warmup = false;
  PhaseStats stats;
  uint64_t in_flight = 0;         // at the end of the interval
  uint64_t open_connections = 0;  // at the end of the interval
  void Add(const Interval& o) {
    stats.Add(o.stats);
    in_flight += o.in_flight;
    open_connections += o.open_connections;
  }
};

}  // namespace oomkit::load
