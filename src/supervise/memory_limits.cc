#include "supervise/memory_limits.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

namespace oomkit::supervise {
namespace {

// cgroup v1 writes "unlimited" as LONG_MAX rounded down to a page.
constexpr uint64_t kV1Unlimited = 0x7FFFFFFFFFFFF000ull;

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A limit file: a number of bytes, or "max" / v1's unlimited: none.
std::optional<uint64_t> ReadLimit(const std::string& path) {
  auto text = ReadFile(path);
  if (!text) return std::nullopt;
  std::string_view t = *text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.remove_suffix(1);
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size() || v >= kV1Unlimited) return std::nullopt;
  return v;
}

struct Mount {
  std::string root;        // the part of the hierarchy mounted here
  std::string mountpoint;
};

// Finds the mount of the memory hierarchy in /proc/self/mountinfo: fields
// "id parent dev root mountpoint options [optional...] - fstype source superoptions".
std::optional<Mount> FindMount(const std::string& mountinfo, bool v2) {
  std::istringstream lines(mountinfo);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream f(line);
    std::vector<std::string> fields;
    for (std::string w; f >> w;) fields.push_back(w);
    auto dash = std::find(fields.begin(), fields.end(), "-");
    if (fields.size() < 5 || dash == fields.end() || dash + 3 > fields.end()) continue;
    const std::string& fstype = *(dash + 1);
    const std::string& super = *(dash + 3);
    bool memory = ("," + super + ",").find(",memory,") != std::string::npos;
    if ((v2 && fstype == "cgroup2") || (!v2 && fstype == "cgroup" && memory)) return Mount{fields[3], fields[4]};
  }
  return std::nullopt;
}

}  // namespace

std::optional<uint64_t> MeminfoBytes(std::string_view key, const std::string& root) {
  auto text = ReadFile(root + "/proc/meminfo");
  if (!text) return std::nullopt;
  size_t at = text->find(std::string(key) + ":");
  if (at == std::string::npos) return std::nullopt;
  return std::strtoull(text->c_str() + at + key.size() + 1, nullptr, 10) * 1024;
}

uint64_t MemoryLimits::enforced() const { return hard ? std::min(ram, *hard) : ram; }

uint64_t MemoryLimits::seen_by_node(int major) const {
  if (cgroup_version == 2 && major < 20) return ram;  // libuv < 1.45 reads only cgroup v1
  uint64_t m = enforced();
  if (soft && major >= 20) m = std::min(m, *soft);
  return m;
}

Result<MemoryLimits> ReadMemoryLimits(const std::string& root) {
  MemoryLimits l;
  auto ram = MeminfoBytes("MemTotal", root);
  if (!ram) return Status::Error(fmt::format("{}/proc/meminfo: cannot read its MemTotal line", root));
  l.ram = *ram;

  auto cgroups = ReadFile(root + "/proc/self/cgroup");
  auto mountinfo = ReadFile(root + "/proc/self/mountinfo");
  if (!cgroups || !mountinfo) return l;  // no cgroups: the RAM is the limit
  // A v1 memory line wins: on a hybrid host the v2 hierarchy has no memory controller.
  std::istringstream lines(*cgroups);
  std::string line, v2_path;
  for (std::string s; std::getline(lines, s);) {
    size_t a = s.find(':'), b = a == std::string::npos ? a : s.find(':', a + 1);
    if (b == std::string::npos) continue;
    std::string controllers = s.substr(a + 1, b - a - 1), path = s.substr(b + 1);
    if (("," + controllers + ",").find(",memory,") != std::string::npos) {
      l.cgroup_version = 1;
      l.cgroup_path = path;
    } else if (s.compare(0, 3, "0::") == 0) {
      v2_path = path;
    }
  }
  if (l.cgroup_version == 0 && !v2_path.empty()) {
    l.cgroup_version = 2;
    l.cgroup_path = v2_path;
  }
  if (l.cgroup_version == 0) return l;
  auto mount = FindMount(*mountinfo, l.cgroup_version == 2);
  if (!mount) {
    l.cgroup_version = 0;
    return l;
  }
  // The cgroup's folder: its path below the part of the hierarchy mounted.
  std::string rel = l.cgroup_path;
  if (mount->root != "/" && rel.compare(0, mount->root.size(), mount->root) == 0) rel = rel.substr(mount->root.size());
  std::string base = root + mount->mountpoint;
  while (rel.size() > 1 && rel.back() == '/') rel.pop_back();
  if (rel == "/") rel.clear();
  l.cgroup_dir = base + rel;
  // A path that is not there (a cgroup namespace shows "/" or a host path
  // whose folder this mount does not have): the mount's own files.
  if (!ReadFile(l.cgroup_dir + (l.cgroup_version == 2 ? "/memory.max" : "/memory.limit_in_bytes"))) {
    rel.clear();
    l.cgroup_dir = base;
  }
  const char* hard_file = l.cgroup_version == 2 ? "/memory.max" : "/memory.limit_in_bytes";
  const char* soft_file = l.cgroup_version == 2 ? "/memory.high" : "/memory.soft_limit_in_bytes";
  l.soft = ReadLimit(l.cgroup_dir + soft_file);
  l.current = ReadLimit(l.cgroup_dir + (l.cgroup_version == 2 ? "/memory.current" : "/memory.usage_in_bytes"));
  // The kernel enforces every ancestor's limit too: take the tightest.
  for (std::string r = rel;; r = r.substr(0, r.rfind('/'))) {
    if (auto h = ReadLimit(base + r + hard_file); h && (!l.hard || *h < *l.hard)) {
      l.hard = h;
      l.hard_from = base + r;
    }
    if (r.empty()) break;
  }
  return l;
}

}  // namespace oomkit::supervise
