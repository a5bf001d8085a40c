#include "tools/load/hub_workers.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tools/load/hub_stats.hpp"

extern char** environ;

namespace strata::tools::load {

namespace fs = std::filesystem;

namespace {

std::atomic<int> g_signal{0};
void on_signal(int s) { g_signal.store(s); }

std::vector<std::string> own_args() {
  std::ifstream f("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> v;
  std::string a;
  while (std::getline(f, a, '\0')) v.push_back(a);
  return v;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

bool parse_worker_spec(const std::string& spec, HubOptions& o) {
  const auto a = spec.find('/');
  if (a == std::string::npos) return false;
  const auto b = spec.find('/', a + 1);
  if (b == std::string::npos || b + 1 >= spec.size()) return false;
  try {
    const int i = std::stoi(spec.substr(0, a));
    const int k = std::stoi(spec.substr(a + 1, b - a - 1));
    if (i < 0 || k <= 0 || i >= k) return false;
    o.worker_index = i;
    o.worker_count = unsigned(k);
    o.worker_dir = spec.substr(b + 1);
  } catch (...) {
    return false;
  }
  return true;
}

int run_hub_workers(const HubOptions& o, unsigned k) {
  char tmpl[] = "/tmp/strata-load-XXXXXX";
  if (!::mkdtemp(tmpl)) {
    std::perror("strata load: mkdtemp");
    return 1;
  }
  const fs::path dir(tmpl);
  std::vector<std::string> args = own_args();
  if (args.empty()) {
    std::fprintf(stderr, "strata load: cannot read /proc/self/cmdline\n");
    return 1;
  }
  args[0] = fs::read_symlink("/proc/self/exe").string();
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int {}, old_term {};
  ::sigaction(SIGINT, &sa, &old_int);
  ::sigaction(SIGTERM, &sa, &old_term);

  const auto t0 = std::chrono::steady_clock::now();
  std::vector<pid_t> pids;
  for (unsigned i = 0; i < k; ++i) {
    std::vector<std::string> a = args;
    a.push_back("--worker");
    a.push_back(std::to_string(i) + "/" + std::to_string(k) + "/" + dir.string());
    std::vector<char*> av;
    for (auto& s : a) av.push_back(s.data());
    av.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    const std::string out = (dir / ("w" + std::to_string(i) + ".json")).string();
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, av[0], &fa, nullptr, av.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
      std::fprintf(stderr, "strata load: cannot spawn a worker: %s\n", std::strerror(rc));
      for (auto p : pids) ::kill(p, SIGTERM);
      break;
    }
    pids.push_back(pid);
  }
  std::vector<int> status(pids.size(), -1);
  std::size_t running = pids.size();
  bool ready = false, forwarded = false;
  while (running > 0) {
    const int sig = g_signal.load();
    if (sig && !forwarded) {
      forwarded = true;
      for (std::size_t i = 0; i < pids.size(); ++i)
        if (status[i] < 0) ::kill(pids[i], SIGTERM);
    }
    for (std::size_t i = 0; i < pids.size(); ++i) {
      if (status[i] >= 0) continue;
      int st = 0;
      if (::waitpid(pids[i], &st, WNOHANG) == pids[i]) {
        status[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
        --running;
      }
    }
    if (!ready && !o.ready_file.empty()) {
      bool all = true;
      for (unsigned i = 0; i < k && all; ++i)
        all = fs::exists(dir / ("w" + std::to_string(i) + ".ready"));
      if (all) {
        ready = true;
        const std::string tmp = o.ready_file + ".tmp";
        { std::ofstream(tmp) << "ready\n"; }
        std::rename(tmp.c_str(), o.ready_file.c_str());
      }
    }
    if (running) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  HubStats total;
  unsigned merged = 0;
  for (unsigned i = 0; i < pids.size(); ++i) {
    const std::string text = slurp(dir / ("w" + std::to_string(i) + ".json"));
    try {
      total.merge(hub_stats_from_json(text));
      ++merged;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "strata load: worker %u (exit %d): %s\n", i, status[i], e.what());
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  HubRunInfo info;
  info.mode = o.mode == HubMode::ws ? "ws" : "sse";
  info.protocol = o.protocol == ProtocolChoice::h2 ? "h2" : o.protocol == ProtocolChoice::h3 ? "h3" : "h1";
  info.connections = o.connections;
  info.processes = k;
  info.threads = o.threads;
  info.channels = o.channels;
  info.elapsed_s = elapsed;
  const std::string out = o.json ? hub_report_json(total, info) : hub_report_text(total, info);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  if (merged < pids.size() || pids.size() < k) return 2;
  return total.established > 0 ? 0 : 2;
}

}  // namespace strata::tools::load
