// InputFile: the bytes of a file, read once.
//
// A plain file is memory-mapped read-only; a gzip file (recognised by its magic
// bytes, whatever its name) is inflated into anonymous memory. Either way the
// parser walks the bytes in place, and calls Release() on ranges it is done
// with so that mapped pages stop counting in peak RSS (a 3 GB snapshot must be
// analysed in 3.5 GB).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace oomkit {

class InputFile {
 public:
  InputFile() = default;
  InputFile(InputFile&& other) noexcept { *this = std::move(other); }
  InputFile& operator=(InputFile&& other) noexcept;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile();

  static Result<InputFile> Open(const std::string& path);
  // For tests and fuzzing: bytes held in memory (copied).
  static InputFile FromBytes(std::string_view bytes);

  std::string_view bytes() const { return {data_, size_}; }
  bool gzip() const { return gzip_; }
  // Non-empty when a gzip stream ended before its trailer: the bytes are what
  // could be inflated, and this says where the compressed stream stopped.
  const std::string& gzip_truncation() const { return gzip_truncation_; }
  uint64_t file_size() const { return file_size_; }

  // Tells the kernel the pages wholly inside [begin, end) are no longer needed.
  // After this the bytes there must not be read again.
  void Release(size_t begin, size_t end);
  // The same for bytes that will be read again later: dropped only from a
  // file mapping, whose pages come back from the page cache (inflated gzip
  // bytes have no copy elsewhere and stay).
  void ReleaseUntilNeeded(size_t begin, size_t end) {
    if (!gzip_) Release(begin, end);
  }

  // Whether ReadAt() serves these bytes: a plain file (through its
  // descriptor) or bytes in memory (FromBytes, which stands in for a file in
  // tests and the fuzzer); not inflated gzip, which is in memory already.
  bool can_read_at() const { return fd_ >= 0 || owned_heap_; }
  // Copies bytes [offset, offset + n) into out without mapping them (on a
  // file: pread, from the page cache). Returns how many it copied: fewer at
  // the end of the bytes, or when the file cannot be read (the caller then
  // reads the mapping, which reports nothing either). Safe from any thread.
  size_t ReadAt(size_t offset, char* out, size_t n) const;
  // Asks the kernel to start reading [begin, end) of a plain file into the
  // page cache, without waiting: where pages are not cached (a snapshot
  // copied from elsewhere, or pages the host's reclaim took back), the disk
  // then works while the parser does, instead of each ReadAt() waiting for
  // its chunk. Cached pages cost a lookup each. Nothing for other inputs.
  void Prefetch(size_t begin, size_t end) const;

 private:
  void Close();  // frees what the object holds; it is then empty

  char* data_ = nullptr;
  size_t size_ = 0;
  size_t mapped_ = 0;  // length of the mapping (anonymous ones may be larger than size_)
  int fd_ = -1;        // a plain file's descriptor, kept open for ReadAt
  uint64_t file_size_ = 0;
  bool gzip_ = false;
  bool owned_heap_ = false;  // FromBytes: data_ came from new[]
  std::string gzip_truncation_;
};

}  // namespace oomkit
