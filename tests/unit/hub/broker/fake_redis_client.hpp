// Test helper: a redis::Client that records what it is asked and lets the
// test answer each call (any order) and drive pub/sub (on_subscribed,
// on_message, on_interrupted). While `down`, calls fail at once (inline,
// like the real client's fail-fast) with Errc::disconnected.
#pragma once
#include <algorithm>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "redis/client.hpp"

namespace strata::test {

class FakeRedisClient final : public redis::Client {
 public:
  struct Call {
    std::string route;
    std::string name;              // "eval" or the command (upper case as sent)
    const redis::Script* script = nullptr;
    std::vector<std::string> keys, args;
    redis::Callback cb;
  };

  void command(std::string_view route, std::vector<std::string> args, redis::Callback cb) override {
    if (down) return cb(redis::Result{redis::Errc::disconnected, {}});
    Call c{std::string(route), args.empty() ? "" : args[0], nullptr, {}, {}, std::move(cb)};
    c.args.assign(args.begin() + (args.empty() ? 0 : 1), args.end());
    calls.push_back(std::move(c));
  }
  void eval(std::string_view route, const redis::Script& script, std::vector<std::string> keys,
            std::vector<std::string> args, redis::Callback cb) override {
    if (down) return cb(redis::Result{redis::Errc::disconnected, {}});
    calls.push_back(Call{std::string(route), "eval", &script, std::move(keys), std::move(args), std::move(cb)});
  }
  void subscribe(std::string_view route, std::string_view channel) override {
    log.push_back("subscribe " + std::string(channel));
    wanted.insert(std::string(channel));
  }
  void unsubscribe(std::string_view route, std::string_view channel) override {
    log.push_back("unsubscribe " + std::string(channel));
    wanted.erase(std::string(channel));
  }
  void set_handler(redis::SubscriberHandler* h) override { handler = h; }
  bool up(std::string_view) const override { return !down; }
  bool sharded() const override { return cluster; }
  void close() override {
    closed = true;
    auto pending = std::move(calls);
    for (auto& c : pending) c.cb(redis::Result{redis::Errc::closed, {}});
  }

  // The first pending call of `script` (or command `name`); fails the test if none.
  Call take(const redis::Script* script, std::string_view name = "eval") {
    auto it = std::find_if(calls.begin(), calls.end(), [&](const Call& c) {
      return script ? c.script == script : c.name == name;
    });
    EXPECT_NE(it, calls.end()) << "no pending call " << name;
    if (it == calls.end()) return Call{};
    Call c = std::move(*it);
    calls.erase(it);
    return c;
  }
  std::size_t pending(const redis::Script* script) const {
    return std::size_t(std::count_if(calls.begin(), calls.end(), [&](const Call& c) { return c.script == script; }));
  }
  std::size_t pending_command(std::string_view name) const {
    return std::size_t(std::count_if(calls.begin(), calls.end(), [&](const Call& c) { return c.name == name; }));
  }

  std::deque<Call> calls;
  std::vector<std::string> log;    // "subscribe X" / "unsubscribe X" in order
  std::set<std::string> wanted;
  redis::SubscriberHandler* handler = nullptr;
  bool down = false;
  bool cluster = false;
  bool closed = false;
};

// Reply builders.
inline redis::Reply r_int(long long v) {
  redis::Reply r;
  r.type = redis::Reply::Type::integer;
  r.integer = v;
  return r;
}
inline redis::Reply r_str(std::string s) {
  redis::Reply r;
  r.type = redis::Reply::Type::string;
  r.str = std::move(s);
  return r;
}
inline redis::Reply r_arr(std::vector<redis::Reply> v) {
  redis::Reply r;
  r.type = redis::Reply::Type::array;
  r.elements = std::move(v);
  return r;
}
inline redis::Result ok(redis::Reply r) { return redis::Result{redis::Errc::ok, std::move(r)}; }

}  // namespace strata::test
