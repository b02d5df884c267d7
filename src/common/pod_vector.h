// PodVector<T>: a growable array of plain values. Small, its storage grows
// with realloc (glibc moves a large block with mremap, copying nothing).
// From kPrefaultHugeBytes on it moves to blocks aligned for huge pages and
// advised to use them: here a 4 KiB page costs a fault on its first write,
// about 10 us where the host must back it afresh, and the string table of a
// 1 GB snapshot (29 MB of offsets and lengths, grown a string at a time) took
// 7,000 of them. There a move hands the old block's pages to the bigger one
// (common/page_pool.h): nothing is copied.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

#include "common/prefault.h"

namespace oomkit {

template <typename T>
class PodVector {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_default_constructible_v<T>);

 public:
  PodVector() = default;
  PodVector(PodVector&& other) noexcept { *this = std::move(other); }
  PodVector& operator=(PodVector&& other) noexcept {
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
    return *this;
  }

  void push_back(T value) {
    if (size_ == capacity_) Grow(Doubled(size_ + 1));
    data_.get()[size_++] = value;
  }
  void append(const T* values, size_t count) {
    if (count == 0) return;
    if (count > capacity_ - size_) Grow(Doubled(size_ + count));
    std::memcpy(data_.get() + size_, values, count * sizeof(T));
    size_ += count;
  }
  // Shrinking only: the values past `size` are dropped.
  void resize_down(size_t size) {
    if (size < size_) size_ = size;
  }
  void reserve(size_t capacity) {
    if (capacity > capacity_) Grow(capacity);
  }
  T& operator[](size_t i) { return data_.get()[i]; }
  const T& operator[](size_t i) const { return data_.get()[i]; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }

 private:
  // The capacity to grow to for at least `needed` values: doubling, from 1024.
  size_t Doubled(size_t needed) const { return std::max(needed, capacity_ < 1024 ? 1024 : capacity_ * 2); }
  void Grow(size_t capacity) {
    if (capacity > SIZE_MAX / sizeof(T)) throw std::bad_alloc();
    const size_t bytes = capacity * sizeof(T);
    if (bytes < kPrefaultHugeBytes) {
      void* p = std::realloc(data_.get(), bytes);
      if (!p) throw std::bad_alloc();
      (void)data_.release();
      data_.reset(static_cast<T*>(p));
    } else {
      void* p = GrowForHugePages(data_.get(), capacity_ * sizeof(T), size_ * sizeof(T), bytes);
      (void)data_.release();  // freed, or moved into p, by the call
      data_.reset(static_cast<T*>(p));
    }
    capacity_ = capacity;
  }
  struct Free {
    void operator()(T* p) const { FreeForHugePages(p); }
  };
  std::unique_ptr<T, Free> data_;
  size_t size_ = 0, capacity_ = 0;
};

}  // namespace oomkit
