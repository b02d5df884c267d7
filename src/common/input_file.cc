#include "common/input_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <utility>
#include <cstring>

#include <fmt/format.h>

namespace oomkit {
namespace {

constexpr size_t kPage = 4096;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Inflates a (possibly multi-member) gzip stream into an anonymous mapping
// that grows with mremap, so no copy of the whole output is ever made.
Status Inflate(const unsigned char* in, size_t in_size, char** out, size_t* out_size, size_t* mapped,
               std::string* truncation) {
  size_t capacity = std::max<size_t>(in_size * 4, 1 << 20);
  capacity = (capacity + kPage - 1) / kPage * kPage;
  void* buf = ::mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (buf == MAP_FAILED) return Status::Error(fmt::format("cannot allocate {} bytes to inflate", capacity));
  char* data = static_cast<char*>(buf);
  size_t used = 0;

  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) {
    ::munmap(data, capacity);
    return Status::Error("zlib failed to initialise");
  }
  size_t consumed = 0;
  Status status;
  while (true) {
    if (used == capacity) {
      size_t grown = capacity * 2;
      void* moved = ::mremap(data, capacity, grown, MREMAP_MAYMOVE);
      if (moved == MAP_FAILED) {
        status = Status::Error(fmt::format("cannot grow the inflate buffer to {} bytes", grown));
        break;
      }
      data = static_cast<char*>(moved);
      capacity = grown;
    }
    // zlib counts in uInt: feed at most 1 GiB at a time.
    size_t in_chunk = std::min<size_t>(in_size - consumed, size_t{1} << 30);
    size_t out_chunk = std::min<size_t>(capacity - used, size_t{1} << 30);
    zs.next_in = const_cast<unsigned char*>(in + consumed);
    zs.avail_in = static_cast<uInt>(in_chunk);
    zs.next_out = reinterpret_cast<unsigned char*>(data + used);
    zs.avail_out = static_cast<uInt>(out_chunk);
    int rc = inflate(&zs, Z_NO_FLUSH);
    consumed += in_chunk - zs.avail_in;
    used += out_chunk - zs.avail_out;
    if (rc == Z_STREAM_END) {
      // Another gzip member may follow (gzip files may be concatenated).
      if (consumed < in_size && in[consumed] == 0x1f) {
        inflateReset(&zs);
        continue;
      }
      break;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && zs.avail_out != 0) {
      // No progress possible with output space left: the input ran out.
      *truncation = fmt::format("the gzip stream ends early (compressed byte {} of {})", consumed, in_size);
      break;
    }
    if (rc == Z_BUF_ERROR) continue;
    status = Status::Error(fmt::format("corrupt gzip stream at compressed byte {}: {}", consumed,
                                       zs.msg ? zs.msg : "inflate failed"));
    break;
  }
  inflateEnd(&zs);
  if (!status.ok()) {
    ::munmap(data, capacity);
    return status;
  }
  *out = data;
  *out_size = used;
  *mapped = capacity;
  return Status();
}

}  // namespace

InputFile& InputFile::operator=(InputFile&& other) noexcept {
  if (this != &other) {
    Close();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_ = std::exchange(other.mapped_, 0);
    fd_ = std::exchange(other.fd_, -1);
    file_size_ = other.file_size_;
    gzip_ = other.gzip_;
    owned_heap_ = std::exchange(other.owned_heap_, false);
    gzip_truncation_ = std::move(other.gzip_truncation_);
  }
  return *this;
}

InputFile::~InputFile() { Close(); }

void InputFile::Close() {
  if (owned_heap_) {
    delete[] data_;
  } else if (data_ && mapped_) {
    ::munmap(data_, mapped_);
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  data_ = nullptr;
  mapped_ = 0;
  owned_heap_ = false;
}

InputFile InputFile::FromBytes(std::string_view bytes) {
  InputFile f;
  f.data_ = new char[bytes.size() + 1];
  std::memcpy(f.data_, bytes.data(), bytes.size());
  f.size_ = bytes.size();
  f.file_size_ = bytes.size();
  f.owned_heap_ = true;
  return f;
}

Result<InputFile> InputFile::Open(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Status::Error(std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Status::Error(std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return Status::Error("is a directory");
  InputFile f;
  f.file_size_ = static_cast<uint64_t>(st.st_size);
  if (st.st_size == 0) return f;
  void* map = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (map == MAP_FAILED) return Status::Error(fmt::format("cannot map the file: {}", std::strerror(errno)));
  ::madvise(map, static_cast<size_t>(st.st_size), MADV_SEQUENTIAL);
  f.data_ = static_cast<char*>(map);
  f.size_ = static_cast<size_t>(st.st_size);
  f.mapped_ = f.size_;
  const auto* bytes = reinterpret_cast<const unsigned char*>(f.data_);
  if (f.size_ >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) {
    char* out = nullptr;
    size_t out_size = 0, mapped = 0;
    std::string truncation;
    Status s = Inflate(bytes, f.size_, &out, &out_size, &mapped, &truncation);
    if (!s.ok()) return s;
    InputFile g;
    g.data_ = out;
    g.size_ = out_size;
    g.mapped_ = mapped;
    g.file_size_ = f.file_size_;
    g.gzip_ = true;
    g.gzip_truncation_ = std::move(truncation);
    return g;
  }
  f.fd_ = fd.release();
  return f;
}

size_t InputFile::ReadAt(size_t offset, char* out, size_t n) const {
  if (offset >= size_) return 0;
  n = std::min(n, size_ - offset);
  if (owned_heap_) {
    std::memcpy(out, data_ + offset, n);
    return n;
  }
  if (fd_ < 0) return 0;
  size_t done = 0;
  while (done < n) {
    ssize_t got = ::pread(fd_, out + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    done += static_cast<size_t>(got);
  }
  return done;
}

void InputFile::Prefetch(size_t begin, size_t end) const {
  end = std::min(end, size_);
  if (fd_ < 0 || begin >= end) return;
  ::posix_fadvise(fd_, static_cast<off_t>(begin), static_cast<off_t>(end - begin), POSIX_FADV_WILLNEED);
}

void InputFile::Release(size_t begin, size_t end) {
  if (owned_heap_ || !data_) return;
  end = std::min(end, size_);
  size_t first = (begin + kPage - 1) / kPage * kPage;
  size_t last = end / kPage * kPage;
  if (last > first) ::madvise(data_ + first, last - first, MADV_DONTNEED);
}

}  // namespace oomkit
