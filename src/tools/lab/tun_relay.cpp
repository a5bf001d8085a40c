#include "tools/lab/tun_relay.hpp"

#include <chrono>
#include <cstring>
#include <queue>
#include <random>
#include <stdexcept>
#include <vector>

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace strata::tools::lab {

namespace {

int open_tun(const std::string& name) {
  int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw std::runtime_error("open /dev/net/tun: " + std::string(std::strerror(errno)));
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
    const int e = errno;
    ::close(fd);
    throw std::runtime_error("TUNSETIFF " + name + ": " + std::strerror(e));
  }
  return fd;
}

using Clock = std::chrono::steady_clock;

struct Pending {
  Clock::time_point due;
  std::uint64_t seq;
  int fd;
  std::vector<std::uint8_t> bytes;
  bool operator>(const Pending& o) const { return due != o.due ? due > o.due : seq > o.seq; }
};

}  // namespace

TunRelay::TunRelay(const std::string& a, const std::string& b, LinkShape shape) : shape_(shape) {
  set_one_way_ms(shape.one_way_ms);
  set_loss(shape.loss);
  fd_a_ = open_tun(a);
  try {
    fd_b_ = open_tun(b);
  } catch (...) {
    ::close(fd_a_);
    throw;
  }
}

TunRelay::~TunRelay() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_a_ >= 0) ::close(fd_a_);
  if (fd_b_ >= 0) ::close(fd_b_);
}

void TunRelay::start() { thread_ = std::thread([this] { run(); }); }

void TunRelay::run() {
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> queue;
  std::mt19937_64 rng(shape_.seed);
  std::uniform_real_distribution<double> coin(0, 1);
  std::uint64_t seq = 0;
  std::vector<std::uint8_t> buf(65536);
  while (!stop_) {
    int timeout_ms = 5;
    if (!queue.empty()) {
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(queue.top().due - Clock::now()).count();
      timeout_ms = static_cast<int>(std::max<long>(0, std::min<long>(wait, 5)));
    }
    pollfd fds[2] = {{fd_a_, POLLIN, 0}, {fd_b_, POLLIN, 0}};
    ::poll(fds, 2, timeout_ms);
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      const int out = i == 0 ? fd_b_ : fd_a_;
      for (int n = 0; n < 256; ++n) {  // drain what is there, bounded
        const auto r = ::read(fds[i].fd, buf.data(), buf.size());
        if (r <= 0) break;
        const double loss = loss_.load(std::memory_order_relaxed);
        if (loss > 0 && coin(rng) < loss) {
          dropped_.fetch_add(1);
          continue;
        }
        queue.push({Clock::now() + std::chrono::microseconds(delay_us_.load()), seq++, out, std::vector<std::uint8_t>(buf.begin(), buf.begin() + r)});
      }
    }
    const auto now = Clock::now();
    while (!queue.empty() && queue.top().due <= now) {
      const auto& p = queue.top();
      if (::write(p.fd, p.bytes.data(), p.bytes.size()) > 0) forwarded_.fetch_add(1);
      queue.pop();
    }
  }
}

}  // namespace strata::tools::lab
