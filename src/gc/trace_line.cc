#include "gc/trace_line.h"

#include <charconv>
#include <cstring>

namespace oomkit::gc {
namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool Lit(std::string_view t) {
    if (s_.size() - i_ < t.size() || std::memcmp(s_.data() + i_, t.data(), t.size()) != 0) return false;
    i_ += t.size();
    return true;
  }
  bool AtLit(std::string_view t) const { return s_.substr(i_).starts_with(t); }
  void Spaces() {
    while (i_ < s_.size() && s_[i_] == ' ') ++i_;
  }
  bool UInt(uint64_t* v) {
    auto [p, ec] = std::from_chars(s_.data() + i_, s_.data() + s_.size(), *v);
    if (ec != std::errc()) return false;
    i_ = static_cast<size_t>(p - s_.data());
    return true;
  }
  bool Hex(uint64_t* v) {
    auto [p, ec] = std::from_chars(s_.data() + i_, s_.data() + s_.size(), *v, 16);
    if (ec != std::errc()) return false;
    i_ = static_cast<size_t>(p - s_.data());
    return true;
  }
  // A plain decimal number as printf's %f writes it (no sign, no exponent).
  bool Num(double* v) {
    size_t b = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    if (i_ == b) return false;
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    }
    std::from_chars(s_.data() + b, s_.data() + i_, *v);
    return true;
  }
  std::string_view Rest() const { return s_.substr(i_); }
  size_t pos() const { return i_; }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Node 16 prints "reason collector_reason" without a separator: the
// collector reasons are a closed set, so they are recognised at the end.
constexpr std::string_view kCollectorReasons[] = {
    "GC in old space requested",      "GC in old space forced by flags",        "scavenge might not succeed",
    "Incremental marking needs finalization", "Incremental marking forced finalization", "finalize MinorMC",
    "Concurrent MinorMS needs finalization",  "MinorMS finalization for starting major GC",
    "promotion limit reached",        "old generations exhausted"};

void SplitReasons(std::string_view tail, GcEvent* e) {
  tail = TrimRight(tail);
  if (size_t semi = tail.find("; "); semi != std::string_view::npos) {
    e->reason = tail.substr(0, semi);
    e->collector_reason = TrimRight(tail.substr(semi + 2));
    return;
  }
  if (!tail.empty() && tail.back() == ';') {  // "reason;" with the collector reason empty and the space trimmed
    e->reason = tail.substr(0, tail.size() - 1);
    return;
  }
  for (std::string_view c : kCollectorReasons) {
    if (tail.size() > c.size() && tail.ends_with(c) && tail[tail.size() - c.size() - 1] == ' ') {
      e->reason = TrimRight(tail.substr(0, tail.size() - c.size() - 1));
      e->collector_reason = c;
      return;
    }
  }
  e->reason = tail;
}

// `sized` is set once the collector and the four sizes are read (a line cut
// short after them still tells the heap size).
bool ParseHumanGc(Cursor& c, GcEvent* e, bool* sized = nullptr) {
  // Longest names first: "Minor Mark-Compact" before "Mark-Compact".
  if (c.Lit("Incremental Minor Mark-Sweep") || c.Lit("Minor Mark-Compact") || c.Lit("Minor Mark-Sweep")) {
    e->collector = Collector::kMinor;
  } else if (c.Lit("Incremental Mark-Compact")) {
    e->collector = Collector::kMarkCompact;
    e->incremental = true;
  } else if (c.Lit("Mark-Compact") || c.Lit("Mark-sweep")) {
    e->collector = Collector::kMarkCompact;
  } else if (c.Lit("Scavenge")) {
    e->collector = Collector::kScavenge;
  } else {
    return false;
  }
  e->reduce = c.Lit(" (reduce)");
  e->interleaved = c.Lit(" (interleaved)");
  double pooled = 0, external = 0;
  if (!(c.Lit(" ") && c.Num(&e->start_object_mb) && c.Lit(" (") && c.Num(&e->start_memory_mb) && c.Lit(") -> ") &&
        c.Num(&e->end_object_mb) && c.Lit(" (") && c.Num(&e->end_memory_mb) && c.Lit(") MB")))
    return false;
  if (sized) *sized = true;
  if (!c.Lit(", ")) return false;
  if (c.Lit("pooled: ") && !(c.Num(&pooled) && c.Lit(" MB, "))) return false;
  if (!(c.Num(&e->pause_ms) && c.Lit(" / ") && c.Num(&external) && c.Lit(" ms"))) return false;
  c.Spaces();
  if (c.Lit("(+ ")) {
    double v = 0;
    uint64_t steps = 0;
    if (!(c.Num(&v) && c.Lit(" ms in ") && c.UInt(&steps) && c.Lit(" steps since start of marking, biggest step ") &&
          c.Num(&v) && c.Lit(" ms, walltime since start of marking ") && c.Num(&v) && c.Lit(" ms)")))
      return false;
    e->incremental = true;
    c.Spaces();
  }
  if (!(c.Lit("(average mu = ") && c.Num(&e->avg_mu) && c.Lit(", current mu = ") && c.Num(&e->current_mu) &&
        c.Lit(")")))
    return false;
  SplitReasons(c.Rest().starts_with(" ") ? c.Rest().substr(1) : c.Rest(), e);
  return true;
}

bool CollectorFromShortName(std::string_view gc, GcEvent* e) {
  if (gc == "s") e->collector = Collector::kScavenge;
  else if (gc == "mmc" || gc == "mms") e->collector = Collector::kMinor;
  else if (gc == "ms" || gc == "mc") e->collector = Collector::kMarkCompact;
  else return false;
  return true;
}

constexpr double kMB = 1024.0 * 1024.0;

bool ParseNvpPairs(std::string_view body, GcEvent* e) {
  // One pass over "key=value" tokens (a line has 40-90 of them).
  bool have_pause = false, have_gc = false;
  double start_total = -1, end_total = -1;
  while (!body.empty()) {
    size_t end = body.find(' ');
    std::string_view token = body.substr(0, end);
    body.remove_prefix(end == std::string_view::npos ? body.size() : end + 1);
    size_t eq = token.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = token.substr(0, eq), value = token.substr(eq + 1);
    auto number = [&](double* v) {
      Cursor c(value);
      bool negative = c.Lit("-");
      if (!c.Num(v)) return false;
      if (negative) *v = -*v;
      return true;
    };
    double v = 0;
    switch (key.front()) {
      case 'p':
        if (key == "pause") have_pause = number(&e->pause_ms);
        else if (key == "promoted" && number(&v)) e->promoted_mb = v / kMB;
        break;
      case 'g':
        if (key == "gc") have_gc = CollectorFromShortName(value, e);
        break;
      case 'r':
        if (key == "reduce_memory" && number(&v)) e->reduce = v != 0;
        break;
      case 'i':
        if (key == "interleaved" && number(&v)) e->interleaved = v != 0;
        break;
      case 's':
        if (key == "start_object_size" && number(&v)) e->start_object_mb = v / kMB;
        else if (key == "start_memory_size" && number(&v)) e->start_memory_mb = v / kMB;
        break;
      case 'e':
        if (key == "end_object_size" && number(&v)) e->end_object_mb = v / kMB;
        else if (key == "end_memory_size" && number(&v)) e->end_memory_mb = v / kMB;
        break;
      case 't':  // up to Node 22
        if (key == "total_size_before") number(&start_total);
        else if (key == "total_size_after") number(&end_total);
        break;
      default:
        break;
    }
  }
  if (start_total >= 0 && e->start_object_mb == 0) e->start_object_mb = start_total / kMB;
  if (end_total >= 0 && e->end_object_mb == 0) e->end_object_mb = end_total / kMB;
  return have_pause && have_gc;
}

// Node 26's "GC: {json}": a flat object; the few fields needed are found by
// name (a full JSON parse per line would be most of the time spent).
bool JsonField(std::string_view json, std::string_view key, std::string_view* raw) {
  size_t at = 0;
  while ((at = json.find(key, at)) != std::string_view::npos) {
    size_t b = at + key.size();
    if (at > 0 && json[at - 1] == '"' && b + 1 < json.size() && json[b] == '"' && json[b + 1] == ':') {
      b += 2;
      size_t e = b;
      if (e < json.size() && json[e] == '"') {
        e = json.find('"', b + 1);
        if (e == std::string_view::npos) return false;
        *raw = json.substr(b + 1, e - b - 1);
        return true;
      }
      while (e < json.size() && json[e] != ',' && json[e] != '}') ++e;
      *raw = json.substr(b, e - b);
      return true;
    }
    at = b;
  }
  return false;
}

bool JsonNumber(std::string_view json, std::string_view key, double* v) {
  std::string_view raw;
  if (!JsonField(json, key, &raw)) return false;
  auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), *v);
  return ec == std::errc() && p == raw.data() + raw.size();
}

bool ParseNvpJson(std::string_view json, GcEvent* e) {
  json = TrimRight(json);
  if (json.size() < 2 || json.front() != '{' || json.back() != '}') return false;
  std::string_view gc, raw;
  if (!JsonNumber(json, "pause", &e->pause_ms) || !JsonField(json, "gc", &gc) || !CollectorFromShortName(gc, e))
    return false;
  if (JsonField(json, "reduce_memory", &raw)) e->reduce = raw == "true";
  JsonField(json, "reason", &e->reason);
  JsonField(json, "collector_reason", &e->collector_reason);
  double v = 0;
  if (JsonNumber(json, "start_object_size", &v)) e->start_object_mb = v / kMB;
  if (JsonNumber(json, "end_object_size", &v)) e->end_object_mb = v / kMB;
  if (JsonNumber(json, "start_memory_size", &v)) e->start_memory_mb = v / kMB;
  if (JsonNumber(json, "end_memory_size", &v)) e->end_memory_mb = v / kMB;
  if (JsonNumber(json, "promoted", &v)) e->promoted_mb = v / kMB;
  return true;
}

// "<Name> space,   used: N KB, available:[*] N KB[*][, committed: N KB]"
bool ParseSpaceLine(std::string_view rest) {
  size_t comma = rest.find(',');
  if (comma == std::string_view::npos || comma == 0 || rest[0] < 'A' || rest[0] > 'Z') return false;
  Cursor c(rest.substr(comma + 1));
  double v = 0;
  c.Spaces();
  if (!(c.Lit("used:") && (c.Spaces(), c.Num(&v)) && c.Lit(" KB, available:"))) return false;
  c.Lit("*");
  c.Spaces();
  if (!(c.Num(&v) && c.Lit(" KB"))) return false;
  c.Lit("*");
  if (c.Lit(", committed:")) {
    c.Spaces();
    if (!(c.Num(&v) && c.Lit(" KB"))) return false;
  }
  return TrimRight(c.Rest()).empty();
}

// "<label>   N KB" with any spacing; the value may be negative (external).
bool LabelledKb(std::string_view rest, std::string_view label, int64_t* kb) {
  if (!rest.starts_with(label)) return false;
  Cursor c(rest.substr(label.size()));
  c.Spaces();
  bool negative = c.Lit("-");
  uint64_t v = 0;
  if (!(c.UInt(&v) && c.Lit(" KB") && TrimRight(c.Rest()).empty())) return false;
  if (v > static_cast<uint64_t>(INT64_MAX)) return false;  // no heap has 8 ZB: not V8's line
  *kb = negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return true;
}

LineKind ParseUntimed(std::string_view rest, TraceLine* out) {
  if (LabelledKb(rest, "External memory reported:", &out->value_kb)) return LineKind::kExternal;
  if (LabelledKb(rest, "Backing store memory:", &out->value_kb)) return LineKind::kBackingStore;
  int64_t kb = 0;
  if (LabelledKb(rest, "External memory global:", &kb) || LabelledKb(rest, "External memory global", &kb))
    return LineKind::kVerboseOther;
  if (ParseSpaceLine(rest)) return LineKind::kSpace;
  Cursor c(rest);
  double v = 0;
  uint64_t u = 0;
  if (c.Lit("Total time spent in GC")) {
    c.Spaces();
    if (c.Lit(":") && (c.Spaces(), c.Num(&v)) && c.Lit(" ms") && TrimRight(c.Rest()).empty()) return LineKind::kVerboseOther;
    return LineKind::kUnparsed;
  }
  if (c.Lit("Unmapper buffering ") || c.Lit("Pool buffering ")) {
    c.Spaces();
    if (c.UInt(&u) && (c.Lit(" chunks of committed:") || c.Lit(" chunk(s) of committed:")) && (c.Spaces(), c.UInt(&u)) &&
        c.Lit(" KB"))
      return LineKind::kVerboseOther;
    return LineKind::kUnparsed;
  }
  if (rest.starts_with("Fast promotion mode: ") || rest.starts_with("(*) Sweeping is still in progress") ||
      rest.starts_with("Shrinking page 0x"))
    return LineKind::kVerboseOther;
  return LineKind::kUnparsed;
}

}  // namespace

size_t FindTracePrefix(std::string_view text, size_t from) {
  for (size_t at = from; (at = text.find('[', at)) != std::string_view::npos; ++at) {
    Cursor c(text.substr(at + 1));
    uint64_t v = 0;
    if (c.UInt(&v) && c.Lit(":0x") && c.Hex(&v) && (c.AtLit("]") || c.AtLit(":"))) return at;
  }
  return std::string_view::npos;
}

TraceLine ParseCutGcLine(std::string_view line) {
  TraceLine out = ParseTraceLine(line);
  if (out.kind != LineKind::kUnparsed) return out;
  Cursor c(line);
  uint64_t v = 0;
  double t = 0;
  if (!(c.Lit("[") && c.UInt(&v) && c.Lit(":0x") && c.Hex(&v))) return out;
  if (c.Lit(":") && !c.UInt(&v)) return out;
  if (!c.Lit("]")) return out;
  c.Spaces();
  if (!(c.Num(&t) && c.Lit(" ms: "))) return out;
  bool sized = false;
  GcEvent e;
  ParseHumanGc(c, &e, &sized);
  if (sized) {
    out.kind = LineKind::kGc;
    out.time_ms = t;
    out.event = e;
    out.event.reason = out.event.collector_reason = {};
  }
  return out;
}

TraceLine ParseTraceLine(std::string_view line) {
  TraceLine out;
  Cursor c(line);
  uint64_t pid = 0, isolate = 0, id = 0;
  if (!(c.Lit("[") && c.UInt(&pid) && c.Lit(":0x") && c.Hex(&isolate))) return out;
  if (c.Lit(":")) {
    if (!c.UInt(&id)) return out;
    out.isolate_id = static_cast<int32_t>(id);
  }
  if (!c.Lit("]")) return out;
  out.pid = static_cast<uint32_t>(pid);
  out.isolate = isolate;
  out.kind = LineKind::kUnparsed;
  size_t after_prefix = c.pos();
  c.Spaces();
  double t = 0;
  if (!(c.Num(&t) && c.Lit(" ms: "))) {
    Cursor u(line.substr(after_prefix));
    u.Lit(" ");
    out.kind = ParseUntimed(u.Rest(), &out);
    return out;
  }
  out.time_ms = t;
  if (c.AtLit("pause=")) {
    if (ParseNvpPairs(c.Rest(), &out.event)) out.kind = LineKind::kGc;
  } else if (c.Lit("GC: ")) {
    if (ParseNvpJson(c.Rest(), &out.event)) out.kind = LineKind::kGc;
  } else if (c.AtLit("Memory pool: Removed pages: ")) {
    out.kind = LineKind::kVerboseOther;
  } else if (c.Lit("[HeapController] ") || c.Lit("[GlobalMemoryController] ")) {
    bool heap = line.find("[HeapController]") != std::string_view::npos;
    double v = 0;
    if (c.Lit("factor ")) {
      out.kind = LineKind::kVerboseOther;
    } else if (c.Lit("Limit: old size: ") && c.Num(&v) && c.Lit(" KB, new limit: ") && c.Num(&v) && c.Lit(" KB")) {
      // A limit past what an int64 holds (8 ZB) is no heap's: the line is kept as noise, not read.
      const bool plausible = v >= 0 && v < 9.2e18;
      out.kind = heap && plausible ? LineKind::kHeapLimit : LineKind::kVerboseOther;
      if (plausible) out.value_kb = static_cast<int64_t>(v);
    }
  } else if (ParseHumanGc(c, &out.event)) {
    out.kind = LineKind::kGc;
  }
  return out;
}

bool RequestedByTooling(const GcEvent& event) {
  return event.reason == "testing" || event.reason == "heap profiler" || event.reason == "sampling profiler";
}

}  // namespace oomkit::gc
