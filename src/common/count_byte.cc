#include "common/count_byte.h"

#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace oomkit {

uint64_t CountByte(const char* begin, const char* end, char byte) {
  uint64_t count = 0;
  const char* p = begin;
#if defined(__SSE2__)
  const __m128i needle = _mm_set1_epi8(byte);
  const __m128i zero = _mm_setzero_si128();
  while (end - p >= 64) {
    // Each lane counts up to 255 matches (a compare gives -1 per match, which
    // is subtracted), so the lanes are summed after at most 255 rounds of 4.
    const size_t rounds = std::min<size_t>(static_cast<size_t>(end - p) / 64, 255);
    __m128i a = zero, b = zero, c = zero, d = zero;
    for (size_t r = 0; r < rounds; ++r, p += 64) {
      a = _mm_sub_epi8(a, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), needle));
      b = _mm_sub_epi8(b, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16)), needle));
      c = _mm_sub_epi8(c, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 32)), needle));
      d = _mm_sub_epi8(d, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 48)), needle));
    }
    // Each lane's count fits a byte; the sums of 8 lanes (sad) and of the four
    // registers fit the 64-bit halves.
    const __m128i sums = _mm_add_epi64(_mm_add_epi64(_mm_sad_epu8(a, zero), _mm_sad_epu8(b, zero)),
                                       _mm_add_epi64(_mm_sad_epu8(c, zero), _mm_sad_epu8(d, zero)));
    count += static_cast<uint64_t>(_mm_cvtsi128_si64(sums)) +
             static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
  }
#endif
  for (; p < end; ++p) count += *p == byte;
  return count;
}

}  // namespace oomkit
