// Test helpers for src/redis: run an io_context until a condition holds
// (bounded), a handler that records pub/sub events, and a real
// redis-server started on a free loopback port (killed at the end).
#pragma once
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "config/redis.hpp"
#include "redis/subscriber.hpp"
#include "unit/support/temp_dir.hpp"

namespace strata::redis::test {

// Runs `io` until pred() or `limit` passes; returns pred().
template <class P>
bool run_until(boost::asio::io_context& io, P pred, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!pred() && std::chrono::steady_clock::now() < end) {
    io.run_one_for(std::chrono::milliseconds(5));
    if (io.stopped()) io.restart();
  }
  return pred();
}

// Runs `io` for `d` (to show that something does NOT happen).
inline void run_for(boost::asio::io_context& io, std::chrono::milliseconds d) {
  run_until(io, [] { return false; }, d);
}

struct Recorder : SubscriberHandler {
  std::vector<std::pair<std::string, std::string>> messages;
  std::vector<std::string> subscribed, interrupted;
  void on_message(std::string_view c, std::string_view p) override { messages.emplace_back(c, p); }
  void on_subscribed(std::string_view c) override { subscribed.emplace_back(c); }
  void on_interrupted(std::string_view c) override { interrupted.emplace_back(c); }
  std::size_t count_subscribed(std::string_view c) const {
    std::size_t n = 0;
    for (auto& s : subscribed) n += s == c;
    return n;
  }
};

inline std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

inline bool have_redis_server() { return std::system("command -v redis-server >/dev/null 2>&1") == 0; }

// redis-server --port P --save '' --appendonly no --daemonize no [extra...]
class RedisServer {
 public:
  // tls: the port speaks TLS only (--port 0 --tls-port P; `extra` gives the certificates).
  explicit RedisServer(std::vector<std::string> extra = {}, bool tls = false)
      : extra_(std::move(extra)), port_(free_port()), tls_(tls) {}
  ~RedisServer() { stop(); }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Starts it (on the same port after a stop()) and waits (bounded) until it answers PING.
  bool start() {
    std::vector<std::string> args = {"redis-server", "--port", tls_ ? "0" : std::to_string(port_), "--bind", "127.0.0.1",
                                     "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir_.path()};
    if (tls_) args.insert(args.end(), {"--tls-port", std::to_string(port_)});
    args.insert(args.end(), extra_.begin(), extra_.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execvp("redis-server", argv.data());
      ::_exit(127);
    }
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < end) {
      if (ping()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // an external process starting
    }
    return false;
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  bool ping() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port_);
    bool ok = false;
    const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    if (connected && tls_) {
      ok = true;  // listening is enough
    } else if (connected) {
      const char ping[] = "PING\r\n";
      char buf[64] = {};
      if (::write(fd, ping, sizeof ping - 1) > 0 && ::read(fd, buf, sizeof buf - 1) > 0)
        ok = std::string(buf).rfind("+PONG", 0) == 0;
    }
    ::close(fd);
    return ok;
  }
  std::vector<std::string> extra_;
  std::uint16_t port_;
  bool tls_ = false;
  strata::test::TempDir dir_;
  pid_t pid_ = -1;
};

inline config::RedisConfig local_cfg(const std::string& address) {
  config::RedisConfig c;
  c.addresses = {address};
  c.connect_timeout = std::chrono::milliseconds(1000);
  c.command_timeout = std::chrono::milliseconds(5000);
  c.reconnect_min = std::chrono::milliseconds(10);
  c.reconnect_max = std::chrono::milliseconds(100);
  return c;
}

}  // namespace strata::redis::test
