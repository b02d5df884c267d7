// LoadConfig: everything a load run needs, checked and resolved before it starts.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "load/http_request.h"
#include "load/rate_profile.h"

namespace oomkit::load {

struct LoadConfig {
  Endpoint endpoint;
  std::vector<TargetUrl> urls;
  std::vector<RequestTemplate> requests;  // one per URL
  std::vector<uint32_t> order;            // URL of request i: order[i % size]
  int connections = 50;
  int threads = 1;
  double warmup_s = 0;
  // The measured part ends after duration_s (0: no time bound) or when
  // max_requests requests (0: no count bound) have been sent and answered.
  double duration_s = 0;
  uint64_t max_requests = 0;
  // Open loop when set; its clock starts with the warm-up, which it includes.
  std::optional<RateProfile> profile;
  double timeout_s = 10;
  uint64_t reconnect_every = 0;  // close a connection after this many responses (0: never)
  uint64_t id_start = 0;         // with unique ids: the id of request 0
  bool batch_writes = true;      // write the requests of one loop turn together, after its reads
  // While answers keep coming, each loop turn naps this long on its own timer
  // and then takes what is ready, instead of sleeping on the sockets (0: always
  // sleep on them). See LoadWorker::Poll.
  int64_t poll_interval_ns = 0;
};

}  // namespace oomkit::load
