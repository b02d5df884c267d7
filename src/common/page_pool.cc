#include "common/page_pool.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <vector>

#include "common/prefault.h"

#if defined(__SANITIZE_ADDRESS__)
#define OOMKIT_PAGE_POOL_ENABLED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OOMKIT_PAGE_POOL_ENABLED 0
#endif
#endif
#ifndef OOMKIT_PAGE_POOL_ENABLED
#define OOMKIT_PAGE_POOL_ENABLED 1
#endif

namespace oomkit {
namespace {

constexpr uintptr_t kHuge = kPrefaultHugeBytes;

uintptr_t RoundUp(size_t bytes) {
  if (bytes > SIZE_MAX - kHuge) throw std::bad_alloc();
  return (bytes + kHuge - 1) & ~(kHuge - 1);
}

// Whole huge pages of address space, aligned to them, mapped as first written;
// huge pages are advised for the first `huge` bytes (rounded down to them).
uintptr_t Reserve(size_t len, size_t huge) {
  void* p = ::mmap(nullptr, len + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t raw = reinterpret_cast<uintptr_t>(p);
  const uintptr_t begin = (raw + kHuge - 1) & ~(kHuge - 1);
  if (begin > raw) ::munmap(p, begin - raw);
  if (raw + kHuge > begin) ::munmap(reinterpret_cast<void*>(begin + len), raw + kHuge - begin);
  AdviseHugePages(reinterpret_cast<void*>(begin), huge);
  return begin;
}

// Moves the pages of [from, from + len) to [to, to + len), which must be
// reserved; false when the kernel refuses (e.g. out of mappings), the pages
// then stay where they were.
bool Move(uintptr_t from, uintptr_t to, size_t len) {
  void* r = ::mremap(reinterpret_cast<void*>(from), len, len, MREMAP_MAYMOVE | MREMAP_FIXED,
                     reinterpret_cast<void*>(to));
  return r != MAP_FAILED;
}

struct Span {
  uintptr_t begin;
  size_t len;
};

// The pool's state, behind one lock: blocks are allocated a few dozen times
// per snapshot, never in a loop over nodes.
struct State {
  std::mutex mutex;
  std::map<uintptr_t, size_t> live;  // block -> length
  std::vector<Span> kept;            // pages of freed blocks, still mapped
  size_t live_bytes = 0, kept_bytes = 0;
};

State& state() {
  static State* s = new State;  // never destroyed: blocks may be freed during exit
  return *s;
}

// Keeps the huge pages of [begin, begin + len) that hold mapped pages for
// the next blocks, and unmaps the others. Parts of a block are often never
// written (a vector's spare capacity) or handed back early (the distances'
// queue releases what its head has passed): kept, that address space would
// pass for pages, and the next block would fault it in afresh (34 MB of the
// names' "reused" pages on the 1 GB bench file). Each huge page is judged by
// its first 4 KiB page: blocks are advised to use huge pages, and where one
// could not be had this errs toward giving pages back.
void Keep(State& s, uintptr_t begin, size_t len) {
  static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> resident((len + page - 1) / page);
  if (::mincore(reinterpret_cast<void*>(begin), len, resident.data()) != 0) resident.assign(resident.size(), 1);
  auto mapped = [&](size_t at) { return (resident[at / page] & 1) != 0; };
  for (size_t at = 0; at < len;) {
    const bool run_mapped = mapped(at);
    size_t end = at + kHuge;
    while (end < len && mapped(end) == run_mapped) end += kHuge;
    end = std::min(end, len);
    if (run_mapped) {
      s.kept.push_back({begin + at, end - at});
      s.kept_bytes += end - at;
    } else {
      ::munmap(reinterpret_cast<void*>(begin + at), end - at);
    }
    at = end;
  }
}

}  // namespace

bool PagePool::enabled() { return OOMKIT_PAGE_POOL_ENABLED; }

size_t PagePool::BlockBytes(size_t bytes) { return RoundUp(bytes == 0 ? 1 : bytes); }

void* PagePool::Allocate(size_t bytes) { return Grow(nullptr, 0, bytes); }

void* PagePool::Grow(void* block, size_t keep, size_t bytes) {
  const size_t len = RoundUp(bytes == 0 ? 1 : bytes);
  State& s = state();
  std::lock_guard lock(s.mutex);
  size_t old_len = 0;
  if (block) {
    auto it = s.live.find(reinterpret_cast<uintptr_t>(block));
    if (it == s.live.end()) throw std::bad_alloc();  // not ours: a caller's bug
    old_len = it->second;
  }
  const uintptr_t to = Reserve(len, bytes);
  size_t filled = 0;
  if (block) {
    const uintptr_t from = reinterpret_cast<uintptr_t>(block);
    size_t moved = std::min<size_t>(RoundUp(keep), std::min(old_len, len));
    if (moved && !Move(from, to, moved)) {
      std::memcpy(reinterpret_cast<void*>(to), block, std::min(keep, len));
      moved = 0;
    }
    if (old_len > moved) Keep(s, from + moved, old_len - moved);
    s.live.erase(from);
    s.live_bytes -= old_len;
    filled = moved;
  }
  while (filled < len && !s.kept.empty()) {
    Span& span = s.kept.back();
    const size_t n = std::min(span.len, len - filled);
    if (!Move(span.begin, to + filled, n)) break;
    filled += n;
    s.kept_bytes -= n;
    span.begin += n;
    span.len -= n;
    if (span.len == 0) s.kept.pop_back();
  }
  s.live.emplace(to, len);
  s.live_bytes += len;
  return reinterpret_cast<void*>(to);
}

bool PagePool::Free(void* p) {
  if (!p) return false;
  State& s = state();
  std::lock_guard lock(s.mutex);
  auto it = s.live.find(reinterpret_cast<uintptr_t>(p));
  if (it == s.live.end()) return false;
  Keep(s, it->first, it->second);
  s.live_bytes -= it->second;
  s.live.erase(it);
  return true;
}

void PagePool::Trim(size_t keep) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  // Blocks are taken from the back: the front goes first, in whole huge pages.
  size_t drop = (s.kept_bytes > keep ? s.kept_bytes - keep : 0) & ~(kHuge - 1);
  size_t emptied = 0;
  for (; drop > 0; ++emptied) {
    Span& span = s.kept[emptied];
    const size_t n = std::min(span.len, drop);
    ::munmap(reinterpret_cast<void*>(span.begin), n);
    span.begin += n;
    span.len -= n;
    s.kept_bytes -= n;
    drop -= n;
    if (span.len > 0) break;
  }
  s.kept.erase(s.kept.begin(), s.kept.begin() + static_cast<std::ptrdiff_t>(emptied));
}

size_t PagePool::live_bytes() {
  std::lock_guard lock(state().mutex);
  return state().live_bytes;
}

size_t PagePool::kept_bytes() {
  std::lock_guard lock(state().mutex);
  return state().kept_bytes;
}

}  // namespace oomkit
