// `oomkit load URL...`: an HTTP load generator for reproducing leaks.
// Returns the exit code: 0 done, 1 a threshold broken, 2 bad usage or a
// target that never accepted a connection, 130 interrupted.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "load/load_config.h"

namespace oomkit::cli {

struct LoadOptions {
  std::vector<std::string> urls;
  int connections = 50;
  int threads = 1;
  std::string duration;
  uint64_t requests = 0;
  double rate = 0;
  std::string steps;
  std::string ramp;
  std::string method = "GET";
  std::vector<std::string> headers;
  std::string body;
  std::string body_file;
  bool unique_ids = false;
  uint64_t id_start = 0;
  uint64_t reconnect_every = 0;
  std::string timeout = "10s";
  std::string warmup;
  bool json = false;
  std::string timeline;
  std::string max_error_rate;
  std::string max_p99;
  bool progress = true;
  bool batch_writes = true;
  std::string poll_interval;  // empty: 50us in the closed loop, 0 in the open loop
};

int RunLoad(const LoadOptions& options);

// The options checked and resolved (URLs, endpoint, request bytes, the rate
// profile); diagnose and soak build their phases from it.
Result<load::LoadConfig> BuildLoadConfig(const LoadOptions& options, load::RequestSpec* spec);

}  // namespace oomkit::cli
