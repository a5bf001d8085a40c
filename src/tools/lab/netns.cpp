#include "tools/lab/netns.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

namespace strata::tools::lab {

std::string lab_preflight() {
  if (::geteuid() != 0)
    return "strata lab needs root: it builds network namespaces, TUN devices and qdiscs "
           "(run it as root or with sudo)";
  if (::access("/dev/net/tun", R_OK | W_OK) != 0) return "strata lab needs /dev/net/tun (the TUN driver)";
  if (run_command({"ip", "-V"}) != 0) return "strata lab needs iproute2 (`ip`, `tc`)";
  return {};
}

int run_command(const std::vector<std::string>& argv, std::string* out) {
  int pipefd[2] = {-1, -1};
  if (out && ::pipe2(pipefd, O_CLOEXEC) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(out ? pipefd[1] : devnull, 1);
    ::dup2(devnull, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  if (out) {
    ::close(pipefd[1]);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) out->append(buf, std::size_t(n));
    ::close(pipefd[0]);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

namespace {
void must(const std::vector<std::string>& argv) {
  if (run_command(argv) != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += a + " ";
    throw std::runtime_error("failed: " + cmd);
  }
}
}  // namespace

LabNet::LabNet(LinkShape shape, double rate_mbit) {
  const auto tag = fmt::format("{}", ::getpid() % 100000);
  client_ns_ = "strata-lab-" + tag + "-c";
  server_ns_ = "strata-lab-" + tag + "-s";
  const auto tun_c = "stlc" + tag, tun_s = "stls" + tag;
  client_dev_ = tun_c;
  server_dev_ = tun_s;
  try {
    must({"ip", "netns", "add", client_ns_});
    must({"ip", "netns", "add", server_ns_});
    relay_ = std::make_unique<TunRelay>(tun_c, tun_s, shape);
    must({"ip", "link", "set", tun_c, "netns", client_ns_});
    must({"ip", "link", "set", tun_s, "netns", server_ns_});
    must({"ip", "-n", client_ns_, "addr", "add", kClientAddr, "peer", kServerAddr, "dev", tun_c});
    must({"ip", "-n", server_ns_, "addr", "add", kServerAddr, "peer", kClientAddr, "dev", tun_s});
    for (const auto& [ns, dev] : {std::pair{client_ns_, tun_c}, std::pair{server_ns_, tun_s}}) {
      must({"ip", "-n", ns, "link", "set", "lo", "up"});
      must({"ip", "-n", ns, "link", "set", dev, "up"});
    }
    if (rate_mbit > 0) {
      // tbf: available where netem is not. Burst: 10 ms at the rate, at least 16 KB.
      const auto burst = std::max<long>(16384, static_cast<long>(rate_mbit * 1e6 / 8 / 100));
      const auto rc = run_command({"ip", "netns", "exec", server_ns_, "tc", "qdisc", "add", "dev", tun_s, "root",
                                   "tbf", "rate", fmt::format("{}mbit", rate_mbit), "burst",
                                   fmt::format("{}", burst), "latency", "200ms"});
      rate_note = rc == 0 ? fmt::format("tbf {} Mbit/s server->client", rate_mbit) : "tbf unavailable: no rate limit";
    }
    relay_->start();
  } catch (...) {
    relay_.reset();
    run_command({"ip", "netns", "del", client_ns_});
    run_command({"ip", "netns", "del", server_ns_});
    throw;
  }
}

LabNet::~LabNet() {
  relay_.reset();
  run_command({"ip", "netns", "del", client_ns_});
  run_command({"ip", "netns", "del", server_ns_});
}

std::vector<std::string> LabNet::in(const std::string& ns) const { return {"ip", "netns", "exec", ns}; }

}  // namespace strata::tools::lab
