#include "load/http_request.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <ctime>
#include <numeric>

namespace oomkit::load {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("!#$%&'*+-.^_`|~", c))) return false;
  return true;
}

}  // namespace

Result<TargetUrl> ParseTargetUrl(std::string_view text) {
  TargetUrl u;
  auto bad = [&](std::string_view why) { return Status::Error(fmt::format("URL '{}': {}", text, why)); };
  std::string_view rest = text;
  if (rest.starts_with("https://"))
    return bad("https is not supported; give the plain-HTTP address of the Node process (TLS usually ends in front of it)");
  if (!rest.starts_with("http://")) return bad("expected http://HOST[:PORT]/PATH");
  rest.remove_prefix(7);
  if (size_t hash = rest.find('#'); hash != std::string_view::npos) {
    std::string_view w = rest.substr(hash + 1);
    uint32_t weight = 0;
    auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), weight);
    if (w.empty() || ec != std::errc() || end != w.data() + w.size() || weight == 0 || weight > 1000)
      return bad("the part after # is the URL's weight, a whole number from 1 to 1000");
    u.weight = weight;
    rest = rest.substr(0, hash);
  }
  u.text = std::string(text.substr(0, 7 + rest.size()));
  size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  u.path_and_query = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (u.path_and_query.front() == '?') u.path_and_query = "/" + u.path_and_query;
  for (char c : u.path_and_query)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return bad("the path has a space or a control character; percent-encode it");
  if (authority.find('@') != std::string_view::npos) return bad("user:password@ is not supported; send an Authorization header with -H");
  std::string_view host = authority, port;
  if (authority.starts_with("[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("an IPv6 address needs a closing ]");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(":")) return bad("expected :PORT after ]");
    if (!after.empty()) port = after.substr(1);
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return bad("no host");
  if (!port.empty()) {
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p == 0 || p > 65535) return bad("the port is not a number from 1 to 65535");
    u.port = static_cast<uint16_t>(p);
  }
  u.host = std::string(host);
  u.host_header = std::string(authority);
  return u;
}

Result<RequestTemplate> RequestTemplate::Build(const TargetUrl& url, const RequestSpec& spec) {
  if (!IsToken(spec.method)) return Status::Error(fmt::format("-m '{}': not an HTTP method", spec.method));
  RequestTemplate t;
  t.no_body_ = EqualsIgnoreCase(spec.method, "HEAD");
  std::string head = spec.method + " " + url.path_and_query;
  bool user_host = false;
  std::string headers;
  for (const std::string& h : spec.headers) {
    size_t colon = h.find(':');
    std::string_view name = std::string_view(h).substr(0, colon);
    if (colon == std::string::npos || !IsToken(name))
      return Status::Error(fmt::format("-H '{}': expected 'Name: value'", h));
    if (h.find_first_of("\r\n") != std::string::npos) return Status::Error(fmt::format("-H '{}': a header is one line", h));
    if (EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "transfer-encoding"))
      return Status::Error(fmt::format("-H '{}': oomkit sets the body's length itself", h));
    user_host |= EqualsIgnoreCase(name, "host");
    std::string_view value = std::string_view(h).substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    headers += fmt::format("{}: {}\r\n", name, value);
  }
  // Host only, as wrk sends: every header more is parsed and turned into
  // JavaScript strings by a Node server, for every request (measured: 2-5 %
  // more server CPU per request with a User-Agent). -H adds one.
  std::string fixed_headers;
  if (!user_host) fixed_headers += "Host: " + url.host_header + "\r\n";
  std::string tail = headers;
  bool body_method = !spec.body.empty() || EqualsIgnoreCase(spec.method, "POST") || EqualsIgnoreCase(spec.method, "PUT") ||
                     EqualsIgnoreCase(spec.method, "PATCH");
  if (body_method) tail += fmt::format("Content-Length: {}\r\n", spec.body.size());
  tail += "\r\n" + spec.body;
  if (!spec.unique_ids) {
    t.parts_[0] = head + " HTTP/1.1\r\n" + fixed_headers + tail;
    return t;
  }
  t.has_id_ = true;
  // The id goes into the query before any other parameter's end, so a
  // fragment-free URL keeps its meaning: /a?x=1 becomes /a?x=1&id=N.
  t.parts_[0] = head + (url.path_and_query.find('?') == std::string::npos ? "?id=" : "&id=");
  t.parts_[1] = " HTTP/1.1\r\n" + fixed_headers + "X-Request-Id: ";
  t.parts_[2] = "\r\n" + tail;
  return t;
}

size_t RequestTemplate::Render(uint64_t id, char* out) const {
  char* p = out;
  auto put = [&](const std::string& s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  char digits[24];
  size_t n = static_cast<size_t>(std::to_chars(digits, digits + sizeof digits, id).ptr - digits);
  put(parts_[0]);
  std::memcpy(p, digits, n);
  p += n;
  put(parts_[1]);
  std::memcpy(p, digits, n);
  p += n;
  put(parts_[2]);
  return static_cast<size_t>(p - out);
}

std::vector<uint32_t> WeightedOrder(const std::vector<uint32_t>& weights) {
  uint64_t total = std::accumulate(weights.begin(), weights.end(), uint64_t{0});
  std::vector<int64_t> current(weights.size(), 0);
  std::vector<uint32_t> order;
  order.reserve(total);
  for (uint64_t n = 0; n < total; ++n) {
    size_t best = 0;
    for (size_t i = 0; i < weights.size(); ++i) {
      current[i] += weights[i];
      if (current[i] > current[best]) best = i;
    }
    current[best] -= static_cast<int64_t>(total);
    order.push_back(static_cast<uint32_t>(best));
  }
  return order;
}

uint64_t DefaultIdStart() { return static_cast<uint64_t>(std::time(nullptr)) * 1000000; }

Result<Endpoint> ResolveEndpoint(const TargetUrl& url) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string port = std::to_string(url.port);
  int rc = getaddrinfo(url.host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0 || !found) return Status::Error(fmt::format("{}: cannot resolve the host: {}", url.host, gai_strerror(rc)));
  Endpoint e;
  std::memcpy(&e.addr, found->ai_addr, found->ai_addrlen);
  e.addr_len = found->ai_addrlen;
  char ip[INET6_ADDRSTRLEN] = "?";
  if (found->ai_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr, ip, sizeof ip);
  else
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(found->ai_addr)->sin6_addr, ip, sizeof ip);
  e.name = found->ai_family == AF_INET6 ? fmt::format("[{}]:{}", ip, url.port) : fmt::format("{}:{}", ip, url.port);
  freeaddrinfo(found);
  return e;
}

}  // namespace oomkit::load
