// Test helper: a WorkerHub that records what the publish API and the admin
// endpoints ask of it and answers from canned data. Publications get
// offsets 1, 2, ... per channel in epoch "e1"; the channel "bad:x" is
// refused with Error::unknown_channel. With `defer`, publish callbacks are
// kept in `deferred` until release() (to test concurrent requests).
// Single-threaded.
#pragma once
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/hub.hpp"
#include "hub/hub.hpp"

namespace strata::test {

class FakeWorkerHub final : public hub::WorkerHub {
 public:
  config::HubConfig cfg;
  std::vector<hub::PublishRequest> published;
  std::map<std::string, std::uint64_t> offsets;
  bool defer = false;
  std::vector<std::function<void()>> deferred;
  struct Disconnect {
    std::string user;
    std::uint16_t code;
    std::string reason;
  };
  std::vector<Disconnect> disconnects;
  std::vector<std::pair<std::string, std::string>> unsubscribes;
  hub::PresenceResult presence_reply;
  hub::HistoryResult history_reply;
  std::vector<ChannelInfo> channel_list;
  std::string last_channel;  // of presence/history
  std::optional<hub::Position> last_since;
  std::uint32_t last_limit = 0;

  void release() {
    auto d = std::move(deferred);
    deferred.clear();
    for (auto& f : d) f();
  }

  unsigned worker() const override { return 0; }
  const config::HubConfig& config() const override { return cfg; }
  hub::ClientId next_client_id() override { return ++ids_; }
  hub::TimerWheel& wheel() override { std::abort(); }
  void attach(hub::Client&) override {}
  void subscribe(hub::Client&, std::string_view, std::optional<hub::Position>,
                 std::function<void(hub::SubscribeResult)>) override {}
  void unsubscribe(hub::Client&, std::string_view) override {}
  void remove(hub::Client&) override {}

  void publish(hub::PublishRequest req, std::function<void(hub::PublishResult)> done) override {
    hub::PublishResult r;
    if (req.channel.starts_with("bad:")) {
      r.error = hub::Error::unknown_channel;
    } else {
      r.position = {++offsets[req.channel], "e1"};
      published.push_back(req);
    }
    if (defer) deferred.push_back([done, r] { done(r); });
    else done(r);  // synchronously, as an owner on this worker may
  }
  void presence(std::string_view channel, std::function<void(hub::PresenceResult)> done) override {
    last_channel = channel;
    done(presence_reply);
  }
  void history(std::string_view channel, std::optional<hub::Position> since, std::uint32_t limit,
               std::function<void(hub::HistoryResult)> done) override {
    last_channel = channel;
    last_since = since;
    last_limit = limit;
    done(history_reply);
  }
  void disconnect_user(std::string_view user, std::uint16_t code, std::string_view reason) override {
    disconnects.push_back({std::string(user), code, std::string(reason)});
  }
  void unsubscribe_user(std::string_view user, std::string_view channel) override {
    unsubscribes.emplace_back(user, channel);
  }
  void channels(std::function<void(std::vector<ChannelInfo>)> done) override { done(channel_list); }

 private:
  hub::ClientId ids_ = 0;
};

}  // namespace strata::test
