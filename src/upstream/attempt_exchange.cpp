#include "upstream/attempt_exchange.hpp"

#include <algorithm>
#include <cstring>

namespace strata::upstream {

namespace asio = boost::asio;

void AttemptExchange::begin_try(std::function<bool(int)> suppress) {
  suppress_ = std::move(suppress);
  pos_ = 0;
  suppressed_ = false;
  suppressed_status_ = 0;
  swallowed_end_ = false;
  capturing_ = false;
  cap_ = {};
  cap_complete_ = false;
}

namespace {
// An awaitable that completes at once with `ec`.
asio::awaitable<http::error_code> done(http::error_code ec = {}) { co_return ec; }
}  // namespace

asio::awaitable<http::IoResult> AttemptExchange::read_body(std::span<char> buf) {
  if (pos_ < body_.size()) {
    const std::size_t n = std::min(buf.size(), body_.size() - pos_);
    std::memcpy(buf.data(), body_.data() + pos_, n);
    pos_ += n;
    co_return http::IoResult{{}, n};
  }
  if (body_done_) co_return http::IoResult{};
  auto r = co_await inner_.read_body(buf);
  if (r.ec) co_return r;
  if (r.n == 0) {
    body_done_ = true;
    co_return r;
  }
  if (!overflowed_ && body_.size() + r.n <= max_replay_) {
    body_.append(buf.data(), r.n);
    pos_ = body_.size();
  } else {
    overflowed_ = true;  // a later try could not send the start again
  }
  co_return r;
}

// The send_* wrappers below are plain functions that hand back the inner
// exchange's awaitable (not coroutines of their own): no coroutine frame
// per call on the proxy path. Callers co_await the result at once, so the
// work done here before the hand-over happens when it did as a coroutine.
asio::awaitable<http::error_code> AttemptExchange::send_interim(const http::Response& r) {
  if (suppressed_) return done();
  return inner_.send_interim(r);
}

// What a response head does here; false when it is swallowed (suppress).
bool AttemptExchange::pass_head(http::Response& r, bool end_stream) {
  if (suppress_ && suppress_(r.status)) {
    suppressed_ = true;
    suppressed_status_ = r.status;
    swallowed_end_ = end_stream;
    return false;
  }
  for (const auto& [k, v] : extra_) r.headers.set(k, v);
  if (capture_limit_ && r.status == 200) {
    capturing_ = true;
    cap_.status = r.status;
    std::size_t n = 0;
    for (const auto& h : r.headers) {
      n += h.name.size() + h.value.size();
      cap_.headers.emplace_back(h.name, h.value);
    }
    if (n > capture_limit_) capturing_ = false;
    if (capturing_ && end_stream) cap_complete_ = true;
  }
  return true;
}

// What body bytes do here; false when they are swallowed.
bool AttemptExchange::pass_body(std::span<const char> data, bool end_stream) {
  if (suppressed_) {
    swallowed_end_ = swallowed_end_ || end_stream;
    return false;
  }
  if (capturing_) {
    if (cap_.body.size() + data.size() > capture_limit_) {
      capturing_ = false;
      cap_.body.clear();
    } else {
      cap_.body.append(data.data(), data.size());
      if (end_stream) cap_complete_ = true;
    }
  }
  return true;
}

asio::awaitable<http::error_code> AttemptExchange::send_head(http::Response& r, bool end_stream) {
  if (!pass_head(r, end_stream)) return done();
  return inner_.send_head(r, end_stream);
}

asio::awaitable<http::error_code> AttemptExchange::send_body(std::span<const char> data,
                                                             bool end_stream) {
  if (!pass_body(data, end_stream)) return done();
  return inner_.send_body(data, end_stream);
}

bool AttemptExchange::send_head_now(http::Response& r, bool end_stream, http::error_code& ec) {
  if (pass_head(r, end_stream)) return inner_.send_head_now(r, end_stream, ec);
  ec = {};
  return true;
}

bool AttemptExchange::send_body_now(std::span<const char> data, bool end_stream,
                                    http::error_code& ec) {
  if (pass_body(data, end_stream)) return inner_.send_body_now(data, end_stream, ec);
  ec = {};
  return true;
}

asio::awaitable<http::error_code> AttemptExchange::send_trailers(const http::Headers& t) {
  if (suppressed_) {
    swallowed_end_ = true;
    return done();
  }
  capturing_ = false;  // trailers are not stored
  return inner_.send_trailers(t);
}

void AttemptExchange::reset() {
  if (suppressed_) {
    swallowed_end_ = true;
    return;
  }
  inner_.reset();
}

std::optional<AttemptExchange::Captured> AttemptExchange::take_capture() {
  if (!capturing_ || !cap_complete_) return std::nullopt;
  capturing_ = false;
  return std::move(cap_);
}

}  // namespace strata::upstream
