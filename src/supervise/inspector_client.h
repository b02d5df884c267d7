// InspectorClient: talks to a node process's inspector (the DevTools
// protocol over a WebSocket on loopback) to run V8's sampling heap profiler
// from outside the process.
//
// Why from outside: getSamplingProfile's answer is built by V8's C++ side and
// sent as text over the socket; an in-process inspector.Session would parse it
// into JavaScript objects inside the very heap that is running out.
//
// The WebSocket is the minimal client side of RFC 6455: an HTTP upgrade,
// masked text frames out, unmasked (possibly fragmented) frames in, pings
// answered. The server's Sec-WebSocket-Accept is not verified: the peer is a
// loopback port the process itself announced on its stderr.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace oomkit::supervise {

class InspectorClient {
 public:
  ~InspectorClient();
  // url: ws://127.0.0.1:PORT/UUID, as node prints it ("Debugger listening on ...").
  Status Connect(const std::string& url, int timeout_ms);
  // Sends one command and returns the "result" object of its answer (JSON
  // text); events that arrive meanwhile are skipped.
  Result<std::string> Call(const std::string& method, const std::string& params_json, int timeout_ms);
  // Unblocks a Call in another thread (the process is gone or oomkit stops).
  void Shutdown();

 private:
  Status SendText(const std::string& text);
  Result<std::string> ReadMessage(int timeout_ms);
  Status ReadExactly(char* out, size_t n, int timeout_ms);
  int fd_ = -1;
  uint64_t next_id_ = 1;
  std::string buffered_;  // bytes read past the handshake
};

}  // namespace oomkit::supervise
