#include "plugin_runner.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace vpccni::cnitest {
namespace {

std::string ReadFd(int fd) {
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      return out;
    }
  }
}

}  // namespace

PluginRun RunPlugin(const std::string& binary, const std::map<std::string, std::string>& env,
                    const std::string& stdin_data, const std::string& netns_path,
                    bool stdin_is_dir) {
  PluginRun run;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) {
    env_strings.push_back(k + "=" + v);
  }
  env_strings.emplace_back("PATH=/usr/sbin:/usr/bin:/sbin:/bin");
  std::vector<char*> envp;
  for (auto& s : env_strings) {
    envp.push_back(s.data());
  }
  envp.push_back(nullptr);
  std::string bin = binary;
  char* argv[] = {bin.data(), nullptr};
  int ns_fd = -1;
  if (!netns_path.empty()) {
    ns_fd = ::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns_fd < 0) {
      run.err = "cannot open netns " + netns_path;
      return run;
    }
  }
  int in[2];
  int out[2];
  char err_tmpl[] = "/tmp/vpccni-plugin-err-XXXXXX";
  int err_fd = ::mkstemp(err_tmpl);
  ::unlink(err_tmpl);
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || err_fd < 0) {
    run.err = "pipe failed";
    return run;
  }
  int dir_fd = stdin_is_dir ? ::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    if (ns_fd >= 0 && ::setns(ns_fd, CLONE_NEWNET) != 0) {
      ::_exit(126);
    }
    ::dup2(stdin_is_dir ? dir_fd : in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err_fd, 2);
    ::execve(argv[0], argv, envp.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  if (dir_fd >= 0) {
    ::close(dir_fd);
  }
  if (ns_fd >= 0) {
    ::close(ns_fd);
  }
  size_t off = 0;
  while (off < stdin_data.size()) {
    ssize_t n = ::write(in[1], stdin_data.data() + off, stdin_data.size() - off);
    if (n <= 0) {
      break;
    }
    off += static_cast<size_t>(n);
  }
  ::close(in[1]);
  run.out = ReadFd(out[0]);
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  ::lseek(err_fd, 0, SEEK_SET);
  run.err = ReadFd(err_fd);
  ::close(err_fd);
  run.json = nlohmann::json::parse(run.out, nullptr, false);
  return run;
}

nlohmann::json IpJson(const std::string& ns, const std::string& args) {
  std::string cmd = "ip -j " + (ns.empty() ? std::string() : "-n " + ns + " ") + args +
                    " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) {
    return nlohmann::json::array();
  }
  std::string out = ReadFd(::fileno(p));
  ::pclose(p);
  auto j = nlohmann::json::parse(out, nullptr, false);
  return j.is_array() ? j : nlohmann::json::array();
}

int Sh(const std::string& cmd) { return std::system(cmd.c_str()); }  // NOLINT

}  // namespace vpccni::cnitest
