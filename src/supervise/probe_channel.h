// ProbeChannel: commands from another thread to the probe inside the node
// process that the supervisor started, and their answers.
//
// `oomkit diagnose` runs the supervisor on one thread and its own steps on
// another; it asks the probe to measure (after full GCs) and to write heap
// snapshots at the moments it chooses. The supervisor's loop owns the
// socket: Call() queues a line and wakes the loop through an eventfd; the
// loop writes it to the probe of the first process and hands the answer
// back. When the process is gone every waiting and later Call fails at once.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace oomkit::supervise {

class ProbeChannel {
 public:
  ProbeChannel();
  ~ProbeChannel();
  ProbeChannel(const ProbeChannel&) = delete;
  ProbeChannel& operator=(const ProbeChannel&) = delete;

  // Sends {id, cmd, ...args} and waits for the answer. Fails when the probe
  // answers with an error, the process ends, or timeout_s passes.
  Result<nlohmann::json> Call(const std::string& cmd, nlohmann::json args, double timeout_s);
  // Waits until the probe of the first process has said hello.
  bool WaitConnected(double timeout_s);
  bool closed() const;
  uint32_t pid() const;
  uint32_t child() const;  // the process the supervisor started (0 until then)

  // The supervisor's side.
  int wake_fd() const { return wake_fd_; }
  std::deque<std::string> TakeOutgoing();  // the lines to write, in order
  void Started(uint32_t child);
  void Connected(uint32_t pid);
  void Deliver(const nlohmann::json& reply);
  void Close();

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> outgoing_;
  std::map<uint64_t, nlohmann::json> answers_;
  uint64_t next_id_ = 1;
  uint32_t pid_ = 0, child_ = 0;
  bool closed_ = false;
  int wake_fd_ = -1;
};

}  // namespace oomkit::supervise
