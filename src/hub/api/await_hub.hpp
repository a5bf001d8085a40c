// Awaiting WorkerHub callbacks from a coroutine (hub/hub.hpp): the hub
// calls its `done` callback on the worker's thread, possibly before the
// method returns; these wrappers always resume the coroutine through a post
// to its executor, never inside the hub's call.
// Thread: the calling coroutine's worker (the WorkerHub's thread).
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace strata::hub::api {

// Runs start(cb) and resumes with the value cb receives. If cb is dropped
// without being called, the coroutine is destroyed without resuming.
template <class R, class Start>
boost::asio::awaitable<R> await_callback(Start start) {
  auto ex = co_await boost::asio::this_coro::executor;
  co_return co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(R)>(
      [ex, start = std::move(start)](auto handler) mutable {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        start(std::function<void(R)>([ex, h](R r) {
          boost::asio::post(ex, [h, r = std::move(r)]() mutable { (*h)(std::move(r)); });
        }));
      },
      boost::asio::use_awaitable);
}

// Runs start(i, cb_i) for i in [0, n) at once and resumes when every cb_i
// has been called, with the values in index order.
template <class R, class Start>
boost::asio::awaitable<std::vector<R>> await_all(std::size_t n, Start start) {
  struct State {
    std::vector<R> results;
    std::size_t left = 0;
    std::function<void(std::vector<R>)> finish;
  };
  co_return co_await await_callback<std::vector<R>>(
      [n, start = std::move(start)](std::function<void(std::vector<R>)> finish) mutable {
        auto st = std::make_shared<State>();
        st->results.resize(n);
        st->left = n;
        st->finish = std::move(finish);
        if (n == 0) {
          st->finish({});
          return;
        }
        for (std::size_t i = 0; i < n; ++i)
          start(i, std::function<void(R)>([st, i](R r) {
                  st->results[i] = std::move(r);
                  if (--st->left == 0) st->finish(std::move(st->results));
                }));
      });
}

}  // namespace strata::hub::api
