#include "io/worker.hpp"

#include <pthread.h>

#include <string>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace strata::io {

Worker::Worker(unsigned id)
    : id_(id),
      // One thread runs this context and every operation on its sockets is
      // started from that thread (other threads only post to it): Asio's
      // per-descriptor locks (REACTOR_IO) are left out, about four
      // uncontended lock/unlock pairs a proxied request (docs/architecture.md,
      // "Threads"). The scheduler and registration locks stay: other
      // threads post here and timers may be set up before the thread runs.
      io_(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO),
      guard_(std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
          io_.get_executor())) {}

Worker::~Worker() {
  stop();
  join();
}

void Worker::start() {
  thread_ = std::thread([this] {
    std::string name = "strata-w" + std::to_string(id_);
    pthread_setname_np(pthread_self(), name.c_str());
    for (;;) {
      try {
        io_.run();
        break;
      } catch (const std::exception& e) {
        // A handler escaped with an exception: log and keep serving.
        spdlog::error("worker {}: unhandled exception: {}", id_, e.what());
      }
    }
  });
}

void Worker::post(std::function<void()> fn) { boost::asio::post(io_, std::move(fn)); }

void Worker::release() { guard_.reset(); }

void Worker::stop() {
  guard_.reset();
  io_.stop();
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace strata::io
