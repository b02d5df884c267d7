#include "common/new_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>

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

Result<std::string> MakeNewDir(const std::string& asked, const std::string& prefix) {
  std::string dir = asked;
  if (dir.empty()) {
    char stamp[32];
    std::time_t now = std::time(nullptr);
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
    dir = fmt::format("{}-{}", prefix, stamp);
    for (int n = 2; access(dir.c_str(), F_OK) == 0; ++n) dir = fmt::format("{}-{}-{}", prefix, stamp, n);
  }
  if (mkdir(dir.c_str(), 0700) != 0) {
    if (errno == EEXIST) return Status::Error(fmt::format("{}: exists; oomkit writes a run's evidence into a new folder only", dir));
    return Status::Error(fmt::format("{}: cannot create it: {}", dir, std::strerror(errno)));
  }
  char real[4096];
  if (!realpath(dir.c_str(), real)) return Status::Error(fmt::format("{}: {}", dir, std::strerror(errno)));
  return std::string(real);
}

}  // namespace oomkit
