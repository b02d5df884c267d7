#include "common/new_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace oomkit {

Result<int> CreateNewFile(const std::string& path, mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd >= 0) return fd;
  if (errno == EEXIST) return Status::Error("exists already: give a new file name (oomkit never writes over a file)");
  return Status::Error(fmt::format("cannot create it: {}", std::strerror(errno)));
}

Status WriteNewFile(const std::string& path, std::string_view data, mode_t mode) {
  auto fd = CreateNewFile(path, mode);
  if (!fd.ok()) return fd.status();
  while (!data.empty()) {
    ssize_t n = write(fd.value(), data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      close(fd.value());
      return Status::Error(fmt::format("cannot write it: {}", std::strerror(err)));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  close(fd.value());
  return Status();
}

}  // namespace oomkit
