#include "load/load_stats.h"

namespace oomkit::load {

std::string_view FailureName(Failure f) {
  switch (f) {
    case Failure::kReset: return "reset";
    case Failure::kClosed: return "closed";
    case Failure::kRead: return "read";
    case Failure::kWrite: return "write";
    case Failure::kTimeout: return "timeout";
    case Failure::kMalformed: return "malformed";
  }
  return "?";
}

std::string_view ConnectFailureName(ConnectFailure f) {
  switch (f) {
    case ConnectFailure::kRefused: return "connect_refused";
    case ConnectFailure::kTimeout: return "connect_timeout";
    case ConnectFailure::kOther: return "connect_other";
  }
  return "?";
}

void Counters::Add(const Counters& o) {
  sent += o.sent;
  completed += o.completed;
  late += o.late;
  if (o.max_lag_us > max_lag_us) max_lag_us = o.max_lag_us;
  for (int i = 0; i < kFailureKinds; ++i) failed[i] += o.failed[i];
  for (int i = 0; i < kConnectFailureKinds; ++i) connect_failed[i] += o.connect_failed[i];
  for (size_t i = 0; i < status.size(); ++i) status[i] += o.status[i];
  connections_opened += o.connections_opened;
  closed_by_server += o.closed_by_server;
  unsolicited += o.unsolicited;
}

uint64_t Counters::failures() const {
  uint64_t n = 0;
  for (uint64_t f : failed) n += f;
  return n;
}

uint64_t Counters::non_2xx() const {
  uint64_t n = 0;
  for (size_t code = 0; code < status.size(); ++code)
    if (code < 200 || code >= 300) n += status[code];
  return n;
}

uint64_t Counters::connect_failures() const {
  uint64_t n = 0;
  for (uint64_t f : connect_failed) n += f;
  return n;
}

}  // namespace oomkit::load
