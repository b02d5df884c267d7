// Status and Result<T>: the one error model of the library.
//
// Library code never prints or exits; it returns an error with a message that
// a user can act on ("byte 1234: expected ',' in \"edges\""). Only cli/ turns
// errors into a line on stderr and an exit code. Success costs one empty
// string (no allocation).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace oomkit {

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Error(std::string message) { return Status(std::move(message)); }
  bool ok() const { return message_.empty(); }
  const std::string& message() const { return message_; }

 private:
  explicit Status(std::string message) : message_(std::move(message)) {
    if (message_.empty()) message_ = "unknown error";
  }
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : value_(std::move(status)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(value_); }
  T& value() { return std::get<T>(value_); }
  const T& value() const { return std::get<T>(value_); }
  T&& take() { return std::get<T>(std::move(value_)); }
  const std::string& error() const { return std::get<Status>(value_).message(); }
  Status status() const { return ok() ? Status() : std::get<Status>(value_); }

 private:
  std::variant<T, Status> value_;
};

}  // namespace oomkit
