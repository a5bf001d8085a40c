#include "tools/lab/process.hpp"

#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace strata::tools::lab {

Child start_in(const LabNet& net, const std::string& ns, const std::vector<std::string>& args,
               const std::string& log, const std::string& ready, double timeout_s) {
  auto argv = net.in(ns);
  argv.insert(argv.end(), args.begin(), args.end());
  Child c{-1, log};
  c.pid = ::fork();
  if (c.pid < 0) throw std::runtime_error("fork failed");
  if (c.pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> v;
    for (auto& a : argv) v.push_back(a.data());
    v.push_back(nullptr);
    ::execvp(v[0], v.data());
    ::_exit(127);
  }
  if (ready.empty()) return c;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(long(timeout_s * 1000));
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream f(log);
    std::stringstream ss;
    ss << f.rdbuf();
    if (ss.str().find(ready) != std::string::npos) return c;
    int status = 0;
    if (::waitpid(c.pid, &status, WNOHANG) == c.pid) throw std::runtime_error("exited in the lab:\n" + ss.str());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop(c);
  throw std::runtime_error("not ready in the lab (log: " + log + ")");
}

int wait_child(Child& c, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(long(timeout_s * 1000));
  while (c.pid > 0) {
    int status = 0;
    if (::waitpid(c.pid, &status, WNOHANG) == c.pid) {
      c.pid = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(c.pid, SIGKILL);
      ::waitpid(c.pid, nullptr, 0);
      c.pid = -1;
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

void stop(Child& c) {
  if (c.pid <= 0) return;
  ::kill(c.pid, SIGTERM);
  for (int i = 0; i < 600; ++i) {
    if (::waitpid(c.pid, nullptr, WNOHANG) == c.pid) {
      c.pid = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(c.pid, SIGKILL);
  ::waitpid(c.pid, nullptr, 0);
  c.pid = -1;
}

std::string output_in(const LabNet& net, const std::string& ns, const std::vector<std::string>& args) {
  auto argv = net.in(ns);
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out;
  run_command(argv, &out);
  return out;
}

}  // namespace strata::tools::lab
