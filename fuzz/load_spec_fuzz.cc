// libFuzzer target for what oomkit load and oomkit run parse from users and
// from a child's stdout: URLs, durations, rate profiles, and the stdout
// splitter. Properties checked, beyond not crashing: a parsed profile's due
// times never go backwards, and the splitter neither loses nor duplicates a
// byte (the application's bytes and the trace lines add up to the input,
// whatever the chunks).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/duration.h"
#include "load/http_request.h"
#include "load/rate_profile.h"
#include "supervise/output_splitter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view line = in.substr(0, in.find('\n'));

  (void)oomkit::ParseDuration(line);
  if (auto u = oomkit::load::ParseTargetUrl(line); u.ok()) {
    oomkit::load::RequestSpec spec;
    spec.unique_ids = size % 2;
    if (auto t = oomkit::load::RequestTemplate::Build(u.value(), spec); t.ok() && t.value().has_id()) {
      std::string buf(t.value().max_size(), '\0');
      if (t.value().Render(UINT64_MAX, buf.data()) > buf.size()) abort();
    }
  }
  for (auto p : {oomkit::load::RateProfile::ParseSteps(line), oomkit::load::RateProfile::ParseRamp(line)}) {
    if (!p.ok() || p.value().duration_s() > 1e6) continue;
    double last = -1;
    uint64_t total = p.value().total();
    for (uint64_t i = 0; i < total && i < 2000; i += 1 + total / 500) {
      double t = p.value().DueTime(i);
      if (!(t >= last) || t > p.value().duration_s() + 1e-6) abort();
      last = t;
    }
  }

  std::string out;
  oomkit::supervise::OutputSplitter splitter([&](std::string_view b) { out.append(b); },
                                             [&](std::string_view l) { out.append(l); },
                                             [](uint32_t pid) { return pid % 3 == 0; });
  size_t chunk = 1 + (size ? data[0] % 17 : 0);
  for (size_t at = 0; at < size; at += chunk) splitter.Feed(in.substr(at, chunk));
  splitter.Finish();
  // Trace lines are taken out of the stream; both streams together must be
  // the input with each trace line moved, never lost or doubled.
  if (out.size() != size) abort();
  return 0;
}
