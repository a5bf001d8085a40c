// http::Exchange methods of Http1Connection: request body reading with
// 100-continue, and response serialization with gathered writes.
#include <array>
#include <cstring>

#include <boost/system/errc.hpp>

#include "codec/http1/response_serializer.hpp"
#include "codec/http1/syntax.hpp"
#include "conn/http1_connection.hpp"
#include "conn/http1_metrics.hpp"

namespace strata::conn {

namespace asio = boost::asio;
using codec::http1::BodyDecoder;
using codec::http1::Error;
namespace errc = boost::system::errc;

namespace {
// Complete responses up to this size wait in w_->out while a pipelined request
// is already buffered, so a burst of small responses leaves in one write.
constexpr std::size_t kBatchLimit = 64 * 1024;
// Body bytes up to this size are copied behind a queued head (write_out_now).
constexpr std::size_t kJoinLimit = 4 * 1024;
thread_local codec::http1::DateCache t_date;

bool has_close_token(const http::Headers& h) {
  for (const auto& f : h) {
    if (f.name != "connection") continue;
    std::string_view v = f.value;
    while (!v.empty()) {
      auto comma = v.find(',');
      auto el = codec::http1::trim_ows(v.substr(0, comma));
      if (http::iequals(el, "close")) return true;
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return false;
}

asio::const_buffer cb(std::string_view s) { return asio::const_buffer(s.data(), s.size()); }

// A send that ends at once with an error.
bool failed(http::error_code& ec, errc::errc_t e) {
  ec = errc::make_error_code(e);
  return true;
}
}  // namespace

bool Http1Connection::write_out_now(std::span<const asio::const_buffer> extra,
                                    io::Transport::Rest& rest, http::error_code& ec) {
  // A small body joins the head in w_->out: one buffer, one send(2) (the
  // copy costs less than the kernel's work for a second iovec).
  if (!w_->out.empty()) {
    std::size_t more = 0;
    for (const auto& b : extra) more += b.size();
    if (more <= kJoinLimit) {
      for (const auto& b : extra) w_->out.append(static_cast<const char*>(b.data()), b.size());
      extra = {};
    }
  }
  std::array<asio::const_buffer, 8> bufs;
  std::size_t n = 0;
  if (!w_->out.empty()) bufs[n++] = asio::buffer(w_->out);
  for (const auto& b : extra)
    if (b.size() && n < bufs.size()) bufs[n++] = b;
  ec = {};
  if (n == 0) return true;
  if (broken_) {
    ec = errc::make_error_code(errc::connection_reset);
    return true;
  }
  // Straight into the socket when it has room (no event-loop turn); only
  // what it does not take is written asynchronously under the deadline.
  t_->write_some_now(std::span<const asio::const_buffer>(bufs.data(), n), rest, ec);
  if (!ec && rest.n > 0) return false;
  w_->out.clear();
  if (ec) broken_ = true;
  return true;
}

asio::awaitable<http::error_code> Http1Connection::finish_write(const io::Transport::Rest& rest) {
  set_deadline(Deadline::write, w_->timeouts.body_idle);
  writing_ = true;
  auto ec = co_await t_->write(rest.span());
  writing_ = false;
  write_deadline_ = time_point::max();
  w_->out.clear();
  if (ec) broken_ = true;
  co_return ec;
}

asio::awaitable<http::error_code> Http1Connection::write_out(
    std::span<const asio::const_buffer> extra) {
  io::Transport::Rest rest;
  http::error_code ec;
  if (write_out_now(extra, rest, ec)) co_return ec;
  co_return co_await finish_write(rest);
}

asio::awaitable<http::error_code> Http1Connection::flush() {
  co_return co_await write_out({});
}

bool Http1Connection::end_response_now(io::Transport::Rest& rest, http::error_code& ec) {
  finished_ = true;
  ec = {};
  if (!close_after_ && !pending().empty() && w_->out.size() <= kBatchLimit) return true;
  return write_out_now({}, rest, ec);
}

asio::awaitable<http::error_code> Http1Connection::end_response() {
  http::error_code ec;
  w_->rest.n = 0;
  if (end_response_now(w_->rest, ec)) co_return ec;
  co_return co_await finish_send();
}

const http::Headers* Http1Connection::request_trailers() const {
  return w_->decoder.chunked() && w_->decoder.done() ? &w_->trailers : nullptr;
}

asio::awaitable<http::IoResult> Http1Connection::read_body(std::span<char> buf) {
  if (body_error_status_) {
    co_return http::IoResult{errc::make_error_code(body_error_status_ == 413 ? errc::message_size
                                                                             : errc::bad_message)};
  }
  if (w_->decoder.done()) co_return http::IoResult{};
  if (broken_) co_return http::IoResult{errc::make_error_code(errc::connection_reset)};
  if (buf.empty()) co_return http::IoResult{errc::make_error_code(errc::invalid_argument)};
  if (facts_.expect_continue && !continue_sent_ && !head_sent_) {
    continue_sent_ = true;
    w_->out.append(codec::http1::kContinue);
    if (auto ec = co_await flush()) co_return http::IoResult{ec};
  }
  while (true) {
    // Fast path: a Content-Length body with nothing buffered is read
    // straight into the caller's buffer.
    if (pending().empty() && !w_->decoder.chunked()) {
      std::size_t want = std::size_t(std::min<std::uint64_t>(buf.size(), w_->decoder.remaining()));
      if (!w_->out.empty() && !writing_) {
        if (auto ec = co_await flush()) co_return http::IoResult{ec};
      }
      set_deadline(Deadline::body, w_->timeouts.body_idle);
      auto r = co_await t_->read_some(buf.first(want));
      clear_deadline();
      if (r.ec || r.n == 0) {
        broken_ = true;
        co_return http::IoResult{r.ec ? r.ec : errc::make_error_code(errc::connection_reset)};
      }
      auto s = w_->decoder.step(std::string_view(buf.data(), r.n), r.n);
      co_return http::IoResult{{}, s.data.size()};
    }
    auto s = w_->decoder.step(pending(), buf.size());
    switch (s.status) {
      case BodyDecoder::Status::data:
        std::memcpy(buf.data(), s.data.data(), s.data.size());
        consume(s.consumed);
        co_return http::IoResult{{}, s.data.size()};
      case BodyDecoder::Status::done:
        consume(s.consumed);
        co_return http::IoResult{};
      case BodyDecoder::Status::error: {
        Error e = w_->decoder.error();
        h1metrics::bad_request(e).inc();
        body_error_status_ = codec::http1::status(e);
        close_after_ = true;
        co_return http::IoResult{errc::make_error_code(
            e == Error::body_too_large ? errc::message_size : errc::bad_message)};
      }
      case BodyDecoder::Status::need_more:
        consume(s.consumed);
        if (!co_await fill(Deadline::body, w_->timeouts.body_idle))
          co_return http::IoResult{errc::make_error_code(errc::connection_reset)};
        break;
    }
  }
}

asio::awaitable<http::error_code> Http1Connection::send_interim(const http::Response& r) {
  if (r.status < 100 || r.status >= 200 || r.status == 101)
    co_return errc::make_error_code(errc::invalid_argument);
  if (head_sent_ || w_->req.protocol == http::Protocol::http10) co_return http::error_code{};
  if (r.status == 100) {
    if (continue_sent_) co_return http::error_code{};
    continue_sent_ = true;
  }
  codec::http1::serialize_interim(r, w_->out);
  co_return co_await flush();
}

bool Http1Connection::send_head_now(http::Response& r, bool end_stream, http::error_code& ec) {
  ec = {};
  if (head_sent_ || r.status < 200) return failed(ec, errc::invalid_argument);
  if (broken_) return failed(ec, errc::connection_reset);
  auto f = codec::http1::plan_framing(r, is_head_, w_->req.protocol, end_stream);
  if (!facts_.keep_alive || draining_ || ctx_.draining() || f.close_delimited ||
      body_error_status_ || has_close_token(r.headers))
    close_after_ = true;
  // The client waits for 100 before sending its body: we will not read it.
  if (facts_.expect_continue && !continue_sent_ && !w_->decoder.done()) close_after_ = true;

  codec::http1::HeadOptions o;
  o.close = close_after_;
  o.keep_alive = !close_after_ && w_->req.protocol == http::Protocol::http10;
  o.date = t_date.get();
  o.server = "strata";
  codec::http1::serialize_head(r, f, o, w_->out);

  head_sent_ = true;
  resp_no_body_ = f.no_body;
  resp_chunked_ = f.chunked;
  resp_has_length_ = f.content_length.has_value() && !f.no_body;
  resp_remaining_ = resp_has_length_ ? *f.content_length : 0;
  if (!end_stream) return true;  // head leaves with the first body bytes
  if (resp_has_length_ && resp_remaining_ > 0) close_after_ = true;  // promised bytes never come
  w_->rest.n = 0;
  return end_response_now(w_->rest, ec);
}

bool Http1Connection::send_body_now(std::span<const char> data, bool end_stream,
                                    http::error_code& ec) {
  ec = {};
  if (!head_sent_ || finished_) return failed(ec, errc::invalid_argument);
  if (broken_) return failed(ec, errc::connection_reset);
  if (resp_no_body_) data = {};
  if (resp_has_length_) {
    if (data.size() > resp_remaining_) {
      data = data.first(std::size_t(resp_remaining_));  // never overrun the framing
      close_after_ = true;
    }
    resp_remaining_ -= data.size();
    if (end_stream && resp_remaining_ > 0) close_after_ = true;
  }
  w_->rest.n = 0;
  // Body bytes leave now even when they end the response: only a response
  // that had nothing left to wait for (an empty end, a head with
  // end_stream) is held back for a pipelined request's answer, since the
  // one behind may take long (its upstream) and this one would wait for it.
  if (end_stream && !data.empty()) finished_ = true;
  if (!resp_chunked_) {
    if (end_stream && data.empty()) return end_response_now(w_->rest, ec);
    const asio::const_buffer b(data.data(), data.size());
    return write_out_now(std::span<const asio::const_buffer>(&b, 1), w_->rest, ec);
  }
  // Chunked: [size line][data][CRLF][last chunk if end]; an end alone is
  // the last chunk behind what is queued, held for a pipelined answer as
  // any end.
  if (end_stream && data.empty()) {
    w_->out.append(codec::http1::kLastChunk);
    return end_response_now(w_->rest, ec);
  }
  std::array<asio::const_buffer, 4> pieces;
  std::size_t n = 0;
  if (!data.empty()) {
    pieces[n++] = asio::const_buffer(
        w_->chunk_line, codec::http1::chunk_size_line(data.size(), w_->chunk_line));
    pieces[n++] = asio::const_buffer(data.data(), data.size());
    pieces[n++] = cb(codec::http1::kCrlf);
  }
  if (end_stream) pieces[n++] = cb(codec::http1::kLastChunk);
  return write_out_now(std::span<const asio::const_buffer>(pieces.data(), n), w_->rest, ec);
}

// What a send_*_now left in w_->rest, under the write deadline.
asio::awaitable<http::error_code> Http1Connection::finish_send() {
  return finish_write(w_->rest);
}

asio::awaitable<http::error_code> Http1Connection::send_head(http::Response& r, bool end_stream) {
  http::error_code ec;
  if (send_head_now(r, end_stream, ec)) co_return ec;
  co_return co_await finish_send();
}

asio::awaitable<http::error_code> Http1Connection::send_body(std::span<const char> data,
                                                             bool end_stream) {
  http::error_code ec;
  if (send_body_now(data, end_stream, ec)) co_return ec;
  co_return co_await finish_send();
}

asio::awaitable<http::error_code> Http1Connection::send_trailers(const http::Headers& t) {
  if (!head_sent_ || finished_) co_return errc::make_error_code(errc::invalid_argument);
  if (!resp_chunked_) co_return co_await send_body({}, true);
  codec::http1::serialize_last_chunk(t, w_->out);
  co_return co_await end_response();
}

asio::awaitable<std::unique_ptr<io::Transport>> Http1Connection::upgrade(
    http::Response& r101, std::string& leftover) {
  // CONNECT (RFC 9110 9.3.6): a 2xx switches the connection to a tunnel too.
  const bool connect = w_->req.method == "CONNECT" && r101.status >= 200 && r101.status < 300;
  if (handed_off_ || head_sent_ || broken_ || !t_ || !w_->decoder.done() || body_error_status_ ||
      (!connect && (r101.status != 101 || !http::is_upgrade_request(w_->req) ||
                    !r101.headers.has("upgrade"))))
    co_return nullptr;
  if (!w_->out.empty()) {  // batched responses of earlier pipelined requests
    if (co_await flush()) co_return nullptr;
  }
  if (connect) {
    std::string head;
    codec::http1::serialize_interim(r101, head);  // status line + fields, no framing
    w_->out += head;
    head_sent_ = finished_ = true;
    if (co_await flush()) co_return nullptr;
    handed_off_ = true;
    clear_deadline();
    leftover.assign(pending());
    in_begin_ = in_end_ = 0;
    co_return std::move(t_);
  }
  // The serializer leaves out codec-owned fields (connection, upgrade): add them.
  const std::string proto(*r101.headers.get("upgrade"));
  if (!http::no_line_breaks(proto)) co_return nullptr;
  std::string head;
  codec::http1::serialize_interim(r101, head);
  head.resize(head.size() - codec::http1::kCrlf.size());
  w_->out += head;
  w_->out += "connection: upgrade\r\nupgrade: ";
  w_->out += proto;
  w_->out += "\r\n\r\n";
  head_sent_ = finished_ = true;
  if (co_await flush()) co_return nullptr;
  handed_off_ = true;
  clear_deadline();
  leftover.assign(pending());
  in_begin_ = in_end_ = 0;
  h1metrics::upgrades().inc();
  co_return std::move(t_);
}

}  // namespace strata::conn
