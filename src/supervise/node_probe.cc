#include "supervise/node_probe.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace oomkit::supervise {

Result<std::string> CaptureOutput(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return Status::Error(fmt::format("pipe: {}", std::strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args, envp;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(pipefd[1]);
  if (rc != 0) {
    close(pipefd[0]);
    return Status::Error(fmt::format("{}: cannot run it: {}", argv[0], std::strerror(rc)));
  }
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(pipefd[0], buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  close(pipefd[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Status::Error(fmt::format("{} failed (status {})", argv[0], WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)));
  return out;
}

Result<NodeFacts> AskNode(const std::string& node, bool keep_node_options) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e)
    if (keep_node_options || std::strncmp(*e, "NODE_OPTIONS=", 13) != 0) env.emplace_back(*e);
  auto out = CaptureOutput(
      {node, "-e", "process.stdout.write(process.versions.node + ' ' + require('v8').getHeapStatistics().heap_size_limit)"},
      env);
  if (!out.ok()) return out.status();
  NodeFacts f;
  size_t space = out.value().find(' ');
  if (space == std::string::npos) return Status::Error(fmt::format("{}: unexpected answer '{}'", node, out.value()));
  f.version = out.value().substr(0, space);
  f.major = std::atoi(f.version.c_str());
  f.heap_size_limit = std::strtoull(out.value().c_str() + space + 1, nullptr, 10);
  if (f.major <= 0 || f.heap_size_limit == 0) return Status::Error(fmt::format("{}: unexpected answer '{}'", node, out.value()));
  return f;
}

}  // namespace oomkit::supervise
