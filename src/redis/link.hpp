// Internal to src/redis: the transport under Connection and
// PubSubConnection. One TCP (optionally TLS) connection to one node that
// connects at once, says hello (AUTH [username] password, SELECT db),
// reads replies with redis::Reader (max_reply enforced) and writes what
// one event-loop turn sent as one write. On loss or a failed attempt it
// reconnects with jittered exponential backoff (reconnect_min ..
// reconnect_max; a retry waits a uniform time in [d/2, d], d doubling).
// Subclasses see on_up / on_reply / on_down.
// Lifetime: owned by a shared_ptr; every asynchronous operation holds one,
// so an operation ending after the owner is gone finds the Link shut down.
// Thread: the executor's.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include "config/redis.hpp"
#include "redis/connection.hpp"
#include "redis/reply.hpp"

namespace strata::redis::detail {

// Reads the password: cfg.password, else the first line of cfg.password_file
// (trailing CR/LF stripped), else "". Throws std::runtime_error when the
// file cannot be read.
std::string read_password(const config::RedisConfig& cfg);

class Link : public std::enable_shared_from_this<Link> {
 public:
  enum class State : std::uint8_t { idle, connecting, hello, up, waiting, closed };

  // `select_db`: send SELECT cfg.db (when not 0) in the hello (command
  // connections; pub/sub ignores databases).
  Link(boost::asio::any_io_executor ex, Endpoint ep, const config::RedisConfig& cfg, std::string name,
       bool select_db);
  virtual ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  // First connection attempt (now).
  void start();
  // Queues bytes (formatted commands) for the write at the end of this
  // turn. Only while up.
  void send(std::string_view bytes);
  // Drops the connection (on_down(why) if it was up) and reconnects after
  // the backoff. `reason` is logged.
  void fail(Errc why, std::string_view reason);
  // For good: no more hooks, no reconnect.
  void shutdown();

  State state() const { return state_; }
  bool up() const { return state_ == State::up; }
  bool closed() const { return state_ == State::closed; }
  // Changes whenever a connection ends: a hook can tell whether the
  // connection it ran on is still the current one.
  std::uint64_t generation() const { return gen_; }
  const Endpoint& endpoint() const { return ep_; }
  const std::string& name() const { return name_; }
  const config::RedisConfig& cfg() const { return cfg_; }
  const boost::asio::any_io_executor& executor() const { return ex_; }
  // Idle connections send PING this often (max(command_timeout, 1s)) so a
  // silent loss (a network partition, no RST) is noticed within
  // about heartbeat + command_timeout.
  std::chrono::milliseconds heartbeat_interval() const {
    return std::max(cfg_.command_timeout, std::chrono::milliseconds(1000));
  }
  // The backoff before the next attempt (for tests: bounds).
  std::chrono::milliseconds next_backoff();

 protected:
  virtual void on_up() = 0;
  // The connection that was up is gone (not called for failed attempts).
  virtual void on_down(Errc why) = 0;
  virtual void on_reply(Reply& r) = 0;

 private:
  struct Io;
  void attempt();
  void connected(std::uint64_t gen);
  void hello_reply(Reply& r);
  void became_up();
  void read(std::uint64_t gen);
  void on_read(std::uint64_t gen, std::size_t n);
  void flush(std::uint64_t gen);
  void drop_io();

  boost::asio::any_io_executor ex_;
  Endpoint ep_;
  config::RedisConfig cfg_;
  std::string name_;
  bool select_db_;
  State state_ = State::idle;
  std::uint64_t gen_ = 0;
  unsigned attempts_ = 0;       // failed attempts since the last time up
  unsigned hello_left_ = 0;     // hello replies still expected
  bool hello_auth_ = false;     // the next hello reply answers AUTH
  bool flush_posted_ = false;
  bool writing_ = false;
  std::string out_;             // queued for the next write
  std::string wbuf_;            // being written
  std::unique_ptr<Io> io_;
};

}  // namespace strata::redis::detail
