#include "supervise/inspector_client.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>

namespace oomkit::supervise {
namespace {

std::string Base64(const unsigned char* data, size_t n) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = static_cast<uint32_t>(data[i]) << 16;
    if (i + 1 < n) v |= static_cast<uint32_t>(data[i + 1]) << 8;
    if (i + 2 < n) v |= data[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < n ? kAlphabet[v & 63] : '=';
  }
  return out;
}

}  // namespace

InspectorClient::~InspectorClient() {
  if (fd_ >= 0) close(fd_);
}

void InspectorClient::Shutdown() {
  if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);
}

Status InspectorClient::Connect(const std::string& url, int timeout_ms) {
  // ws://HOST:PORT/PATH
  if (url.rfind("ws://", 0) != 0) return Status::Error(fmt::format("'{}' is not a ws:// address", url));
  std::string rest = url.substr(5);
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash), path = slash == std::string::npos ? "/" : rest.substr(slash);
  size_t colon = authority.rfind(':');
  if (colon == std::string::npos) return Status::Error(fmt::format("'{}' has no port", url));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::atoi(authority.c_str() + colon + 1)));
  if (inet_pton(AF_INET, authority.substr(0, colon).c_str(), &addr.sin_addr) != 1)
    return Status::Error(fmt::format("'{}': only IPv4 inspector addresses", url));
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    return Status::Error(fmt::format("{}: cannot connect: {}", url, std::strerror(errno)));
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  unsigned char key[16];
  std::random_device rd;
  for (unsigned char& k : key) k = static_cast<unsigned char>(rd());
  std::string request = fmt::format(
      "GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {}\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n",
      path, authority, Base64(key, sizeof key));
  if (send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
    return Status::Error(fmt::format("{}: cannot send the upgrade", url));
  std::string head;
  char c;
  while (head.find("\r\n\r\n") == std::string::npos) {
    if (Status s = ReadExactly(&c, 1, timeout_ms); !s.ok()) return s;
    head += c;
    if (head.size() > 16384) return Status::Error(fmt::format("{}: the upgrade answer is too long", url));
  }
  if (head.rfind("HTTP/1.1 101", 0) != 0) return Status::Error(fmt::format("{}: refused: {}", url, head.substr(0, head.find('\r'))));
  return Status();
}

Status InspectorClient::ReadExactly(char* out, size_t n, int timeout_ms) {
  while (n > 0) {
    pollfd p{fd_, POLLIN, 0};
    int r = poll(&p, 1, timeout_ms);
    if (r == 0) return Status::Error("the inspector did not answer in time");
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::Error(std::strerror(errno));
    }
    ssize_t got = recv(fd_, out, n, 0);
    if (got == 0) return Status::Error("the inspector closed the connection");
    if (got < 0) {
      if (errno == EINTR) continue;
      return Status::Error(std::strerror(errno));
    }
    out += got;
    n -= static_cast<size_t>(got);
  }
  return Status();
}

Status InspectorClient::SendText(const std::string& text) {
  std::string frame;
  frame += static_cast<char>(0x81);  // FIN, text
  size_t n = text.size();
  if (n < 126) {
    frame += static_cast<char>(0x80 | n);
  } else if (n < 65536) {
    frame += static_cast<char>(0x80 | 126);
    frame += static_cast<char>(n >> 8);
    frame += static_cast<char>(n & 0xff);
  } else {
    frame += static_cast<char>(0x80 | 127);
    for (int i = 7; i >= 0; --i) frame += static_cast<char>((static_cast<uint64_t>(n) >> (8 * i)) & 0xff);
  }
  unsigned char mask[4];
  std::random_device rd;
  for (unsigned char& m : mask) m = static_cast<unsigned char>(rd());
  frame.append(reinterpret_cast<char*>(mask), 4);
  for (size_t i = 0; i < n; ++i) frame += static_cast<char>(text[i] ^ mask[i % 4]);
  if (send(fd_, frame.data(), frame.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(frame.size()))
    return Status::Error("cannot write to the inspector");
  return Status();
}

Result<std::string> InspectorClient::ReadMessage(int timeout_ms) {
  std::string message;
  while (true) {
    unsigned char h[2];
    if (Status s = ReadExactly(reinterpret_cast<char*>(h), 2, timeout_ms); !s.ok()) return s;
    bool fin = h[0] & 0x80;
    int opcode = h[0] & 0x0f;
    uint64_t len = h[1] & 0x7f;
    if (len == 126 || len == 127) {
      unsigned char ext[8];
      int bytes = len == 126 ? 2 : 8;
      if (Status s = ReadExactly(reinterpret_cast<char*>(ext), static_cast<size_t>(bytes), timeout_ms); !s.ok()) return s;
      len = 0;
      for (int i = 0; i < bytes; ++i) len = len << 8 | ext[i];
    }
    if (len > (1ull << 31)) return Status::Error("the inspector sent a frame over 2 GiB");
    std::string payload(len, '\0');
    if (len)
      if (Status s = ReadExactly(payload.data(), len, timeout_ms); !s.ok()) return s;
    if (opcode == 0x8) return Status::Error("the inspector closed the connection");
    if (opcode == 0x9) {  // ping: answer with the same payload
      std::string pong;
      pong += static_cast<char>(0x8a);
      pong += static_cast<char>(0x80 | std::min<size_t>(payload.size(), 125));
      pong.append("\0\0\0\0", 4);  // a zero mask
      pong += payload.substr(0, 125);
      send(fd_, pong.data(), pong.size(), MSG_NOSIGNAL);
      continue;
    }
    if (opcode == 0xa) continue;
    message += payload;
    if (fin) return message;
  }
}

Result<std::string> InspectorClient::Call(const std::string& method, const std::string& params_json, int timeout_ms) {
  uint64_t id = next_id_++;
  if (Status s = SendText(fmt::format(R"({{"id":{},"method":"{}","params":{}}})", id, method, params_json)); !s.ok()) return s;
  while (true) {
    auto m = ReadMessage(timeout_ms);
    if (!m.ok()) return m.status();
    nlohmann::json j = nlohmann::json::parse(m.value(), nullptr, false);
    if (!j.is_object() || !j.contains("id") || !j["id"].is_number() || j["id"].get<uint64_t>() != id) continue;  // an event
    if (j.contains("error")) return Status::Error(fmt::format("{}: {}", method, j["error"].dump()));
    return j.contains("result") ? j["result"].dump() : std::string("{}");
  }
}

}  // namespace oomkit::supervise
