// PodArray<T>: a fixed-size array of plain values that is NOT zero-filled on
// creation. The heap engine allocates arrays of tens of millions of entries
// that are written in full right after; zero-filling them first would touch
// every page twice. Use Fill() where zeros are needed.
//
// The storage is raw bytes (malloc's, or from 2 MB on the page pool's,
// common/page_pool.h), so that an array no longer needed can hand them to an
// array of another element type (Recast) instead of being freed while the
// next one asks the kernel for fresh pages: on the hosts we
// measure, a fresh page costs 0.7-2.8 s per GB. A big array's pages are
// mapped in one call when it is created (common/prefault.h), since it is
// about to be written in full.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>

#include "common/prefault.h"

namespace oomkit {

template <typename T>
class PodArray {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_default_constructible_v<T>);
  static_assert(alignof(T) <= alignof(std::max_align_t));

 public:
  PodArray() = default;
  explicit PodArray(size_t size) : data_(Allocate(size)), size_(size) {}
  PodArray(size_t size, T value) : PodArray(size) { Fill(value); }
  // An array whose pages are mapped as they are first written, not up front:
  // for one filled from the front, whose written part may be handed back.
  static PodArray MappedAsWritten(size_t size) {
    PodArray a;
    a.data_.reset(size ? static_cast<T*>(AllocateForHugePages(Bytes(size))) : nullptr);
    a.size_ = size;
    return a;
  }

  void Reset(size_t size) { *this = PodArray(size); }
  void Reset(size_t size, T value) { *this = PodArray(size, value); }
  void Release() { *this = PodArray(); }
  // This array's storage as `size` values of U (contents undefined); this
  // array is left empty. The storage must hold them.
  template <typename U>
  PodArray<U> Recast(size_t size) && {
    if (size * sizeof(U) > bytes()) throw std::bad_alloc();
    PodArray<U> out;
    out.data_.reset(reinterpret_cast<U*>(data_.release()));
    out.size_ = size;
    size_ = 0;
    return out;
  }
  void Fill(T value) {
    if constexpr (sizeof(T) == 1) {
      if (size_) std::memset(data_.get(), static_cast<int>(value), size_);
    } else {
      for (size_t i = 0; i < size_; ++i) data_[i] = value;
    }
  }

  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t bytes() const { return size_ * sizeof(T); }
  T* begin() { return data_.get(); }
  T* end() { return data_.get() + size_; }
  const T* begin() const { return data_.get(); }
  const T* end() const { return data_.get() + size_; }

 private:
  template <typename U>
  friend class PodArray;
  struct Free {
    void operator()(T* p) const { FreeForHugePages(p); }
  };
  static size_t Bytes(size_t size) {
    if (size > SIZE_MAX / sizeof(T)) throw std::bad_alloc();
    return size * sizeof(T);
  }
  static T* Allocate(size_t size) {
    if (size == 0) return nullptr;
    void* p = AllocateForHugePages(Bytes(size));
    (void)PrefaultForWrite(p, Bytes(size));  // if it cannot, the writes fault the pages in
    return static_cast<T*>(p);
  }
  std::unique_ptr<T[], Free> data_;
  size_t size_ = 0;
};

// A bit per element, zeroed on creation.
class BitVector {
 public:
  BitVector() = default;
  explicit BitVector(size_t bits) : words_((bits + 63) / 64, 0), bits_(bits) {}
  bool Get(size_t i) const { return (words_[i >> 6] >> (i & 63)) & 1; }
  void Set(size_t i) { words_[i >> 6] |= uint64_t{1} << (i & 63); }
  void Clear(size_t i) { words_[i >> 6] &= ~(uint64_t{1} << (i & 63)); }
  size_t size() const { return bits_; }
  void Release() { *this = BitVector(); }
  BitVector Clone() const {
    BitVector copy(bits_);
    if (words_.size()) std::memcpy(copy.words_.data(), words_.data(), words_.bytes());
    return copy;
  }

 private:
  PodArray<uint64_t> words_;
  size_t bits_ = 0;
};

}  // namespace oomkit
