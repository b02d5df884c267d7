// Writes a heap profile in pprof's format (profile.proto, gzip-compressed),
// for `go tool pprof`, speedscope and other viewers: one sample per profile
// node that allocated, its stack (leaf first) and two values, "samples"
// (count) and "space" (bytes), as Go's heap profiles name them.
//
// The protobuf wire format is written directly (a dozen varint and
// length-delimited fields), zlib does the gzip.
#pragma once

#include <string>

#include "common/status.h"
#include "profile/heap_profile.h"

namespace oomkit::profile {

// The encoded, uncompressed profile.
std::string EncodePprof(const HeapProfile& p);
// Gzipped into a new file: never overwrites one.
Status WritePprof(const HeapProfile& p, const std::string& path);

}  // namespace oomkit::profile
