// What oomkit load sends: the target URLs and each one's request bytes, built
// once before the run.
//
// A URL is http://HOST[:PORT][/PATH][?QUERY][#WEIGHT]. The fragment is never
// sent over HTTP, so it carries the URL's weight: "http://h/a#3 http://h/b"
// sends /a three times as often as /b. All URLs of a run name one host and
// port: every connection can serve any of them.
//
// With unique ids, each request carries a number that no other request of the
// run (nor of an earlier run, see DefaultIdStart) carries, as `id=N` in the
// query and as `X-Request-Id: N`: caches keyed by an id are the classic leak.
// The template then holds the bytes around the two places the id goes, and
// Render writes one request into a buffer in three copies and two integers.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace oomkit::load {

struct TargetUrl {
  std::string text;            // as given, without the weight
  std::string host;            // without brackets for IPv6
  uint16_t port = 80;
  std::string host_header;     // host[:port] as the Host header carries it
  std::string path_and_query;  // "/" at least
  uint32_t weight = 1;
};

Result<TargetUrl> ParseTargetUrl(std::string_view text);

struct RequestSpec {
  std::string method = "GET";
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
  bool unique_ids = false;
};

class RequestTemplate {
 public:
  static Result<RequestTemplate> Build(const TargetUrl& url, const RequestSpec& spec);

  bool has_id() const { return has_id_; }
  // The whole request when it carries no id.
  std::string_view bytes() const { return parts_[0]; }
  // Writes the request with this id into out (at least max_size() bytes);
  // returns its length.
  size_t Render(uint64_t id, char* out) const;
  size_t max_size() const { return parts_[0].size() + parts_[1].size() + parts_[2].size() + 40; }
  // HEAD responses have headers only; the response parser must be told.
  bool expects_no_body() const { return no_body_; }

 private:
  std::string parts_[3];  // bytes before the first id, between the two, after the second
  bool has_id_ = false;
  bool no_body_ = false;
};

// Which URL each request uses, in a cycle of sum(weights) entries: smooth
// weighted round robin, so a 3:1 mix is a,a,b,a rather than a,a,a,b.
std::vector<uint32_t> WeightedOrder(const std::vector<uint32_t>& weights);

// A start for ids that earlier runs have not used: the Unix time in seconds
// times 10^6. Runs a second apart overlap only past 10^6 requests a second,
// and the ids stay below 2^53, so JavaScript reads them as exact numbers.
uint64_t DefaultIdStart();

struct Endpoint {
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  std::string name;  // "127.0.0.1:8080" for messages
};

Result<Endpoint> ResolveEndpoint(const TargetUrl& url);

}  // namespace oomkit::load
