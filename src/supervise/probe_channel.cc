#include "supervise/probe_channel.h"

#include <fmt/format.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <utility>

namespace oomkit::supervise {

ProbeChannel::ProbeChannel() : wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

ProbeChannel::~ProbeChannel() {
  if (wake_fd_ >= 0) close(wake_fd_);
}

Result<nlohmann::json> ProbeChannel::Call(const std::string& cmd, nlohmann::json args, double timeout_s) {
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_) return Status::Error("the process has ended");
  uint64_t id = next_id_++;
  nlohmann::json line = args.is_object() ? std::move(args) : nlohmann::json::object();
  line["id"] = id;
  line["cmd"] = cmd;
  outgoing_.push_back(line.dump() + "\n");
  uint64_t one = 1;
  if (write(wake_fd_, &one, sizeof one) < 0) {}  // a full counter still wakes the loop
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  if (!cv_.wait_until(lock, deadline, [&] { return closed_ || answers_.count(id); }))
    return Status::Error(fmt::format("the probe did not answer '{}' within {:g} s (the event loop is blocked?)", cmd, timeout_s));
  auto it = answers_.find(id);
  if (it == answers_.end()) return Status::Error("the process ended before it answered");
  nlohmann::json answer = std::move(it->second);
  answers_.erase(it);
  if (answer.contains("error") && answer["error"].is_string()) return Status::Error(answer["error"].get<std::string>());
  return answer;
}

bool ProbeChannel::WaitConnected(double timeout_s) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::duration<double>(timeout_s), [&] { return closed_ || pid_ != 0; });
  return pid_ != 0 && !closed_;
}

bool ProbeChannel::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

uint32_t ProbeChannel::pid() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pid_;
}

uint32_t ProbeChannel::child() const {
  std::lock_guard<std::mutex> lock(mu_);
  return child_;
}

void ProbeChannel::Started(uint32_t child) {
  std::lock_guard<std::mutex> lock(mu_);
  child_ = child;
}

std::deque<std::string> ProbeChannel::TakeOutgoing() {
  uint64_t count;
  if (read(wake_fd_, &count, sizeof count) < 0) {}  // nothing pending: EAGAIN
  std::lock_guard<std::mutex> lock(mu_);
  if (!pid_) return {};  // kept until the probe is there
  return std::exchange(outgoing_, {});
}

void ProbeChannel::Connected(uint32_t pid) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pid_ = pid;
  }
  cv_.notify_all();
  uint64_t one = 1;
  if (write(wake_fd_, &one, sizeof one) < 0) {}  // lines queued before the hello go out now
}

void ProbeChannel::Deliver(const nlohmann::json& reply) {
  if (!reply.contains("reply") || !reply["reply"].is_number_unsigned()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    answers_[reply["reply"].get<uint64_t>()] = reply;
  }
  cv_.notify_all();
}

void ProbeChannel::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

}  // namespace oomkit::supervise
