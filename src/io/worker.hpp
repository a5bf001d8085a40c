// A worker: one thread running one io_context (concurrency hint
// BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO: no per-descriptor locking, so
// every operation on a worker's sockets must start on its thread). All
// per-connection state lives on exactly one worker; cross-worker work is
// posted, never shared under a lock.
#pragma once
#include <functional>
#include <memory>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace strata::io {

class Worker {
 public:
  explicit Worker(unsigned id);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  unsigned id() const { return id_; }
  boost::asio::io_context& context() { return io_; }
  boost::asio::io_context::executor_type executor() { return io_.get_executor(); }

  void start();                                  // spawns the thread
  void post(std::function<void()> fn);           // run fn on the worker thread
  void release();                                // let run() return when idle
  void stop();                                   // stop now
  void join();
  bool on_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  unsigned id_;
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
  std::thread thread_;
};

}  // namespace strata::io
