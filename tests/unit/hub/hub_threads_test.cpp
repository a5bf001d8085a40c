// The hub on real worker threads (also in the TSan target): concurrent
// publishers on every worker while subscribers on every worker keep
// subscribing, unsubscribing and re-subscribing with recovery; every
// subscription must see its `missed` then every later publication, with no
// gap and no duplicate.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "config/hub.hpp"
#include "hub/hub_impl.hpp"
#include "io/worker.hpp"

using namespace strata;

namespace {

constexpr unsigned kWorkers = 4;
constexpr int kPerWorker = 1500;
constexpr int kClientsPerWorker = 6;

// Checks its own stream; touched only on its worker's thread (the atomics
// are read by the test thread at the end).
class Checker final : public hub::Client {
 public:
  Checker(hub::ClientId id, hub::WorkerHub& w, std::string ch) : Client(id, "", ""), w_(w), ch_(std::move(ch)) {}
  enum class State { idle, pending, active };

  void push(const hub::PushPtr& p, bool) override {
    if (state_ != State::active || p->offset != next_ || p->epoch != epoch_) {
      errors.fetch_add(1);
      return;
    }
    ++next_;
    last.store(p->offset);
    ++since_sub_;
  }
  void disconnect(std::uint16_t, std::string_view) override {}

  // One step of the client's life, on its worker.
  void step() {
    if (state_ == State::idle) {
      start();
    } else if (state_ == State::active && since_sub_ >= 50 + id() % 97) {
      w_.unsubscribe(*this, ch_);
      state_ = State::idle;
    }
  }
  void start() {
    if (state_ != State::idle) return;
    state_ = State::pending;
    std::optional<hub::Position> since;
    if (!epoch_.empty()) since = hub::Position{next_ - 1, epoch_};
    w_.subscribe(*this, ch_, since, [this, asked = since.has_value()](hub::SubscribeResult r) {
      if (r.error != hub::Error::none || state_ != State::pending) {
        errors.fetch_add(1);
        return;
      }
      if (asked) {
        if (!r.recovered || r.position.epoch != epoch_) errors.fetch_add(1);
        for (auto& p : r.missed) {
          if (p->offset != next_) errors.fetch_add(1);
          next_ = p->offset + 1;
        }
        if (next_ != r.position.offset + 1) errors.fetch_add(1);
      } else {
        epoch_ = r.position.epoch;
        next_ = r.position.offset + 1;
      }
      last.store(next_ - 1);
      since_sub_ = 0;
      state_ = State::active;
      subscriptions.fetch_add(1);
    });
  }
  State state() const { return state_; }

  std::atomic<int> errors{0};
  std::atomic<std::uint64_t> last{0};
  std::atomic<int> subscriptions{0};

 private:
  hub::WorkerHub& w_;
  std::string ch_;
  State state_ = State::idle;
  std::string epoch_;
  std::uint64_t next_ = 1;
  std::uint64_t since_sub_ = 0;
};

template <class F>
auto on_worker(io::Worker& w, F f) {
  std::promise<decltype(f())> p;
  auto fut = p.get_future();
  w.post([&] {
    if constexpr (std::is_void_v<decltype(f())>) {
      f();
      p.set_value();
    } else {
      p.set_value(f());
    }
  });
  return fut.get();
}

}  // namespace

TEST(HubThreads, NoGapNoDuplicateUnderConcurrentPublishAndSubscribe) {
  std::vector<std::unique_ptr<io::Worker>> workers;
  std::vector<boost::asio::any_io_executor> ex;
  for (unsigned i = 0; i < kWorkers; ++i) {
    workers.push_back(std::make_unique<io::Worker>(i));
    ex.push_back(workers.back()->executor());
  }
  auto cfg = std::make_shared<config::HubConfig>();
  cfg->namespaces.push_back(config::HubNamespace{.name = "", .history_size = 100000, .anonymous = true});
  auto hub = hub::make_hub(ex, cfg);
  const std::string ch = "stream";

  std::vector<std::vector<std::unique_ptr<Checker>>> clients(kWorkers);
  for (unsigned w = 0; w < kWorkers; ++w)
    for (int i = 0; i < kClientsPerWorker; ++i)
      clients[w].push_back(std::make_unique<Checker>(hub->on(w).next_client_id(), hub->on(w), ch));
  for (auto& w : workers) w->start();

  std::atomic<int> published{0};
  std::atomic<int> publish_errors{0};
  // Each worker publishes in turns of 10 and steps its clients between them.
  struct Loop {
    hub::WorkerHub* hub;
    io::Worker* worker;
    std::vector<std::unique_ptr<Checker>>* clients;
    std::atomic<int>* published;
    std::atomic<int>* errors;
    int sent = 0;
    std::string ch;
    void turn() {
      for (int i = 0; i < 10 && sent < kPerWorker; ++i, ++sent) {
        hub->publish(hub::PublishRequest{ch, "{\"n\":" + std::to_string(sent) + "}", nullptr},
                     [this](hub::PublishResult r) {
                       if (r.error != hub::Error::none) errors->fetch_add(1);
                       published->fetch_add(1);
                     });
      }
      for (auto& c : *clients) c->step();
      if (sent < kPerWorker) worker->post([this] { turn(); });
    }
  };
  std::vector<std::unique_ptr<Loop>> loops;
  for (unsigned w = 0; w < kWorkers; ++w) {
    loops.push_back(std::make_unique<Loop>(Loop{&hub->on(w), workers[w].get(), &clients[w], &published,
                                                &publish_errors, 0, ch}));
    workers[w]->post([l = loops.back().get()] { l->turn(); });
  }
  const std::uint64_t total = kWorkers * kPerWorker;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (published.load() < int(total) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(published.load(), int(total));
  EXPECT_EQ(publish_errors.load(), 0);

  // Everyone subscribes once more (recovering) and must reach the end.
  for (unsigned w = 0; w < kWorkers; ++w)
    on_worker(*workers[w], [&] {
      for (auto& c : clients[w]) c->start();
    });
  bool all = false;
  while (!all && std::chrono::steady_clock::now() < deadline) {
    all = true;
    for (auto& cw : clients)
      for (auto& c : cw) all = all && c->last.load() == total;
    if (!all) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  int errors = 0, subs = 0;
  for (auto& cw : clients)
    for (auto& c : cw) {
      errors += c->errors.load();
      subs += c->subscriptions.load();
      EXPECT_EQ(c->last.load(), total);
    }
  EXPECT_EQ(errors, 0);
  EXPECT_GT(subs, int(kWorkers * kClientsPerWorker) * 2);  // they did come and go

  for (unsigned w = 0; w < kWorkers; ++w)
    on_worker(*workers[w], [&] {
      for (auto& c : clients[w]) hub->on(w).remove(*c);
    });
  for (auto& w : workers) w->stop();
  for (auto& w : workers) w->join();
  hub.reset();
}

TEST(HubThreads, FanOutToManySingleSubscriberChannels) {
  std::vector<std::unique_ptr<io::Worker>> workers;
  std::vector<boost::asio::any_io_executor> ex;
  for (unsigned i = 0; i < 2; ++i) {
    workers.push_back(std::make_unique<io::Worker>(i));
    ex.push_back(workers.back()->executor());
  }
  auto cfg = std::make_shared<config::HubConfig>();
  cfg->namespaces.push_back(config::HubNamespace{.name = "", .anonymous = true});
  auto hub = hub::make_hub(ex, cfg);
  for (auto& w : workers) w->start();

  struct Count final : hub::Client {
    explicit Count(hub::ClientId id) : Client(id, "", "") {}
    void push(const hub::PushPtr&, bool) override { got.fetch_add(1, std::memory_order_relaxed); }
    void disconnect(std::uint16_t, std::string_view) override {}
    std::atomic<int> got{0};
  };
  constexpr int kChannels = 2000;
  std::vector<std::unique_ptr<Count>> cs;
  for (int i = 0; i < kChannels; ++i) cs.push_back(std::make_unique<Count>(i + 1));
  std::atomic<int> subscribed{0};
  for (unsigned w = 0; w < 2; ++w)
    on_worker(*workers[w], [&] {
      for (int i = int(w); i < kChannels; i += 2)
        hub->on(w).subscribe(*cs[i], "ch" + std::to_string(i), std::nullopt,
                             [&](hub::SubscribeResult) { subscribed.fetch_add(1); });
    });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (subscribed.load() < kChannels && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(subscribed.load(), kChannels);
  constexpr int kRounds = 5;
  for (unsigned w = 0; w < 2; ++w)
    workers[w]->post([&, w] {
      for (int r = 0; r < kRounds; ++r)
        for (int i = int(w); i < kChannels; i += 2)
          hub->on(w).publish({"ch" + std::to_string(i), "1", nullptr}, [](hub::PublishResult) {});
    });
  bool done = false;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    done = true;
    for (auto& c : cs) done = done && c->got.load() == kRounds;
    if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (auto& c : cs) EXPECT_EQ(c->got.load(), kRounds);
  for (unsigned w = 0; w < 2; ++w)
    on_worker(*workers[w], [&] {
      for (int i = int(w); i < kChannels; i += 2) hub->on(w).remove(*cs[i]);
    });
  for (auto& w : workers) w->stop();
  for (auto& w : workers) w->join();
  hub.reset();
}
