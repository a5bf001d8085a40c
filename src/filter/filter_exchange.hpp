// The exchange decorator that runs the response side of the filter chain
// for one request, whatever protocol carried it: the pipeline wraps the
// codec's exchange in it (replacing router::ObservedExchange). send_head
// runs the local_reply phase (when ctx.local_reason is set), then
// response_head, then starts the response_body transforms; send_body feeds
// them. It records status, body bytes both ways and the head time in the
// RequestContext, and hands that context to inner decorators and the proxy
// through context(). Lives on the handler's coroutine frame; same thread
// rules as the wrapped exchange.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "filter/chain.hpp"
#include "http/context.hpp"
#include "http/exchange.hpp"
#include "http/file_body.hpp"

namespace strata::filter {

class FilterExchange final : public http::Exchange, public http::FileBodySink {
 public:
  FilterExchange(http::Exchange& inner, http::RequestContext& ctx, const Chain* listener)
      : inner_(inner), ctx_(ctx), listener_(listener) {}

  // The matched route's chain (null: none); set before the action runs.
  void set_route_chain(const Chain* c) { route_ = c; }
  const Chain* listener_chain() const { return listener_; }
  const Chain* route_chain() const { return route_; }

  http::Request& request() override { return inner_.request(); }
  const http::ConnInfo& conn() const override { return inner_.conn(); }
  boost::asio::any_io_executor executor() const override { return inner_.executor(); }
  boost::asio::awaitable<http::IoResult> read_body(std::span<char> buf) override;
  const http::Headers* request_trailers() const override { return inner_.request_trailers(); }
  boost::asio::awaitable<http::error_code> send_interim(const http::Response& r) override {
    return inner_.send_interim(r);
  }
  boost::asio::awaitable<http::error_code> send_head(http::Response& r, bool end_stream) override;
  boost::asio::awaitable<http::error_code> send_body(std::span<const char> data,
                                                     bool end_stream) override;
  boost::asio::awaitable<http::error_code> send_trailers(const http::Headers& t) override;
  // The synchronous protocol while no body transform runs (a transform may
  // hold bytes back and has its own scratch): forwarded to the inner exchange.
  bool sends_now() const override { return transforms_.empty() && inner_.sends_now(); }
  bool send_head_now(http::Response& r, bool end_stream, http::error_code& ec) override;
  bool send_body_now(std::span<const char> data, bool end_stream, http::error_code& ec) override;
  boost::asio::awaitable<http::error_code> finish_send() override { return inner_.finish_send(); }
  // Native when no body transform runs and the inner exchange is native;
  // send_file then forwards (counting the bytes) and is only called so.
  bool native_send_file() const override;
  boost::asio::awaitable<http::error_code> send_file(int fd, std::uint64_t offset, std::uint64_t len,
                                                     bool end_stream) override;
  bool head_sent() const override { return inner_.head_sent(); }
  bool finished() const override { return inner_.finished(); }
  void reset() override { inner_.reset(); }
  // Forwards with the response_head phase run on `r101`; ctx.status is 101
  // once switched.
  boost::asio::awaitable<std::unique_ptr<io::Transport>> upgrade(http::Response& r101,
                                                                 std::string& leftover) override;
  http::RequestContext* context() override { return &ctx_; }

 private:
  // Runs the transforms over `data`; the result views transform scratch.
  std::span<const char> transform(std::span<const char> data, bool end_stream);
  // What send_head does before the codec sees the head.
  void before_head(http::Response& r, bool end_stream);

  http::Exchange& inner_;
  http::RequestContext& ctx_;
  const Chain* listener_;
  const Chain* route_ = nullptr;
  std::vector<std::unique_ptr<BodyTransform>> transforms_;  // empty: pass through
  std::vector<std::string> scratch_;                        // one per transform
};

}  // namespace strata::filter
