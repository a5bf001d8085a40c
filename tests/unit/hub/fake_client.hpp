// Test helper: a hub::Client that records what the hub hands it.
#pragma once
#include <string>
#include <vector>

#include "hub/hub.hpp"

namespace strata::test {

class FakeHubClient final : public hub::Client {
 public:
  FakeHubClient(hub::ClientId id, std::string user = "", std::string info = "")
      : Client(id, std::move(user), std::move(info)) {}
  void push(const hub::PushPtr& p, bool skip) override {
    pushes.push_back(p);
    last_skip = skip;
  }
  void disconnect(std::uint16_t code, std::string_view reason) override {
    disconnects.push_back(code);
    if (on_disconnect) on_disconnect();
  }
  void unsubscribed(std::string_view channel) override { dropped.emplace_back(channel); }

  std::vector<std::uint64_t> offsets(std::string_view channel = {}) const {
    std::vector<std::uint64_t> v;
    for (auto& p : pushes)
      if (p->kind == hub::Push::Kind::publication && (channel.empty() || p->channel == channel))
        v.push_back(p->offset);
    return v;
  }

  std::vector<hub::PushPtr> pushes;
  std::vector<std::uint16_t> disconnects;
  std::vector<std::string> dropped;
  std::function<void()> on_disconnect;
  bool last_skip = false;
};

}  // namespace strata::test
