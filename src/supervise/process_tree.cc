#include "supervise/process_tree.h"

#include <dirent.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <unordered_map>

#include "supervise/proc_stat.h"

namespace oomkit::supervise {
namespace {

// The state letter and parent pid from /proc/PID/stat; false when the
// process is gone.
bool ReadStat(pid_t pid, char* state, pid_t* parent) {
  const std::optional<std::string> after_name = StatFieldsAfterName("/proc/" + std::to_string(pid) + "/stat");
  int ppid = 0;
  if (!after_name || std::sscanf(after_name->c_str(), " %c %d", state, &ppid) != 2) return false;
  *parent = ppid;
  return true;
}

}  // namespace

std::vector<pid_t> Descendants(pid_t root) {
  std::unordered_multimap<pid_t, pid_t> children;  // parent -> child
  if (DIR* proc = opendir("/proc")) {
    while (const dirent* e = readdir(proc)) {
      char* end = nullptr;
      const long pid = std::strtol(e->d_name, &end, 10);
      if (*end != '\0' || pid <= 0) continue;
      char state = 0;
      pid_t parent = 0;
      if (ReadStat(static_cast<pid_t>(pid), &state, &parent)) children.emplace(parent, static_cast<pid_t>(pid));
    }
    closedir(proc);
  }
  std::vector<pid_t> out;
  std::vector<pid_t> next{root};
  while (!next.empty()) {
    const pid_t p = next.back();
    next.pop_back();
    auto [b, e] = children.equal_range(p);
    for (auto it = b; it != e; ++it) {
      out.push_back(it->second);
      next.push_back(it->second);
    }
  }
  return out;
}

bool Running(pid_t pid) {
  char state = 0;
  pid_t parent = 0;
  return ReadStat(pid, &state, &parent) && state != 'Z' && state != 'X';
}

}  // namespace oomkit::supervise
