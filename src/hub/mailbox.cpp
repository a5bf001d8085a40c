#include "hub/mailbox.hpp"

#include <boost/asio/post.hpp>

namespace strata::hub {

void Mailbox::enqueue(unsigned target, HubMsg&& m) {
  auto& q = out_[target];
  if (q.capacity() == 0) q.reserve(64);
  q.push_back(std::move(m));
  if (!flush_scheduled_) {
    flush_scheduled_ = true;
    boost::asio::post(executors_[self_], [this] { flush(); });
  }
}

void Mailbox::flush() {
  flush_scheduled_ = false;
  for (unsigned t = 0; t < out_.size(); ++t) {
    if (out_[t].empty()) continue;
    MailSink* sink = sinks_[t];
    boost::asio::post(executors_[t], [sink, batch = std::move(out_[t])]() mutable { sink->receive(batch); });
    out_[t] = {};
  }
}

}  // namespace strata::hub
