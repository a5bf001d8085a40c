// Cross-worker posting for the hub, batched: messages to another worker are
// queued per target and sent as ONE asio post per target per event-loop
// turn (the first message of a turn schedules a flush on the sender's own
// executor, which runs after what is already queued there). Order is FIFO
// per (sender, target) pair: every message a worker sends to another is
// received in the order sent, which the hub's no-gap guarantee rests on.
// A delivery (a Push for the target's local subscribers) carries no
// std::function; other operations carry one.
// Thread: a Mailbox belongs to its sender worker; Sink::receive runs on the
// target worker.
#pragma once
#include <functional>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "hub/hub.hpp"

namespace strata::hub {

struct HubMsg {
  PushPtr push;                   // set: deliver to local subscribers of push->channel
  std::function<void()> fn;       // otherwise: run on the target worker
};

class MailSink {
 public:
  virtual ~MailSink() = default;
  virtual void receive(std::vector<HubMsg>& batch) = 0;  // on the sink's worker
};

class Mailbox {
 public:
  // `sinks[i]` receives on `executors[i]`; both vectors outlive the mailbox.
  // Flushes are posted with raw pointers: the mailbox (its hub) must outlive
  // every run of the executors it posts to.
  Mailbox(unsigned self, const std::vector<boost::asio::any_io_executor>& executors,
          const std::vector<MailSink*>& sinks)
      : self_(self), executors_(executors), sinks_(sinks), out_(executors.size()) {}

  void deliver(unsigned target, const PushPtr& p) { enqueue(target, HubMsg{p, {}}); }
  void call(unsigned target, std::function<void()> fn) { enqueue(target, HubMsg{nullptr, std::move(fn)}); }
  // Sends everything queued now (normally run by the scheduled flush).
  void flush();

 private:
  void enqueue(unsigned target, HubMsg&& m);

  unsigned self_;
  const std::vector<boost::asio::any_io_executor>& executors_;
  const std::vector<MailSink*>& sinks_;
  std::vector<std::vector<HubMsg>> out_;
  bool flush_scheduled_ = false;
};

}  // namespace strata::hub
