#include "upstream/pool/h1_client.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <limits>
#include <optional>
#include <vector>

#include "codec/http1/body_decoder.hpp"
#include "codec/http1/response_parser.hpp"
#include "core/str_writer.hpp"
#include "filter/early_hints.hpp"

namespace strata::upstream::pool {

namespace asio = boost::asio;

bool idempotent(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "TRACE" || m == "PUT" ||
         m == "DELETE";
}

namespace {

bool clean(std::string_view s) {
  return http::no_line_breaks(s);
}

// Fields serialize_h1_head writes itself (by length first: one compare at most).
bool written_by_us(std::string_view n) {
  switch (n.size()) {
    case 4: return n == "host";
    case 14: return n == "content-length";
    case 17: return n == "transfer-encoding";
    default: return false;
  }
}

void append_field(std::string& out, const http::Header& f) {
  if (f.name.empty() || !clean(f.name) || !clean(f.value)) return;
  out += f.name;
  out += ": ";
  out += f.value;
  out += "\r\n";
}

void append_fields(std::string& out, const http::Headers& h) {
  for (const auto& f : h) append_field(out, f);
}

std::string_view view(const boost::beast::flat_buffer& b) {
  return {static_cast<const char*>(b.data().data()), b.size()};
}

// Room for `n` more bytes at the end of c.buf; commit what a read put there
// with c.buf.commit() (inline at the call sites: no coroutine of its own).
std::span<char> room(H1Conn& c, std::size_t n) {
  auto mb = c.buf.prepare(n);
  return {static_cast<char*>(mb.data()), mb.size()};
}

}  // namespace

std::string serialize_h1_head(const UpstreamRequest& req) {
  std::string out;
  serialize_h1_head(req, out);
  return out;
}

namespace {

// Upper bound of what write_head writes: the fixed parts are at most 96
// bytes ("  HTTP/1.1\r\nhost: \r\n", the framing field, the upgrade
// field's name, the blank line).
std::size_t head_bound(const UpstreamRequest& req, std::string_view target, std::size_t cl_len) {
  std::size_t bound = 96 + req.method.size() + target.size() + req.authority.size() +
                      req.upgrade.size() + cl_len;
  for (const auto& f : req.headers) bound += core::StrWriter::field_size(f.name.size(), f.value.size());
  return bound;
}

template <class... Mode>
std::size_t write_head(const UpstreamRequest& req, std::string& out, Mode... mode) {
  const std::string_view target = req.target.empty() ? std::string_view("/") : req.target;
  const std::string_view authority = clean(req.authority) ? std::string_view(req.authority) : "";
  const bool upgrade = !req.upgrade.empty() && clean(req.upgrade);
  char cl[24];
  std::size_t cl_len = 0;
  if (req.content_length) {
    const auto r = std::to_chars(cl, cl + sizeof cl, *req.content_length);
    // (the min states the bound for GCC's -Wstringop-overread at -O3)
    cl_len = std::min(std::size_t(r.ptr - cl), sizeof cl);
  }
  core::StrWriter w(out, head_bound(req, target, cl_len), mode...);
  w.put(req.method);
  w.put(' ');
  w.put(target);
  w.lit(" HTTP/1.1\r\nhost: ");
  w.put(authority);
  w.lit("\r\n");
  for (const auto& f : req.headers) {
    if (f.name.empty() || written_by_us(f.name)) continue;
    w.field_if_clean(f.name, f.value);
  }
  if (upgrade) {
    w.lit("connection: upgrade\r\n");
    w.field("upgrade", req.upgrade);
  }
  if (req.content_length) {
    w.field("content-length", std::string_view(cl, cl_len));
  } else if (req.has_body) {
    w.lit("transfer-encoding: chunked\r\n");
  }
  w.lit("\r\n");
  return w.size();
}

}  // namespace

void serialize_h1_head(const UpstreamRequest& req, std::string& out) {
  out.clear();
  write_head(req, out);
}

std::size_t serialize_h1_head_reusing(const UpstreamRequest& req, std::string& buf) {
  return write_head(req, buf, core::StrWriter::Reuse{});
}

namespace {

// The response side of one exchange (the head, its parser, the body
// decoder, trailers), leased from the thread's cache and given back with
// its blocks kept when the lease ends. Taken when an upstream's answer has
// arrived and held until it is relayed, so the cache stays as deep as the
// responses relayed at once (usually one): the state in use is the one the
// last response used, still in the CPU's cache, instead of state per
// upstream connection or per request frame that went cold while the
// request waited for its upstream.
struct ResponseState {
  http::Response resp;
  std::optional<codec::http1::ResponseParser> parser;
  codec::http1::BodyDecoder body;
  http::Headers trailers;
};

class ResponseLease {
 public:
  ResponseLease() {
    auto& c = cache();
    if (c.dead || c.kept.empty()) {
      r_ = std::make_unique<ResponseState>();
    } else {
      r_ = std::move(c.kept.back());
      c.kept.pop_back();
    }
  }
  ~ResponseLease() {
    auto& c = cache();
    if (!c.dead && c.kept.size() < kKept) c.kept.push_back(std::move(r_));
  }
  ResponseLease(const ResponseLease&) = delete;
  ResponseLease& operator=(const ResponseLease&) = delete;
  ResponseState& operator*() { return *r_; }

 private:
  static constexpr std::size_t kKept = 64;
  struct Cache {
    std::vector<std::unique_ptr<ResponseState>> kept;
    bool dead = false;  // after the thread's exit (a frame destroyed late keeps its own)
    ~Cache() { dead = true; }
  };
  static Cache& cache() {
    thread_local Cache c;
    return c;
  }
  std::unique_ptr<ResponseState> r_;
};

// The thread's request-head buffer (h1_forward).
std::string& head_scratch() {
  thread_local std::string head;
  return head;
}

struct BodySent {
  H1Outcome outcome = H1Outcome::ok;  // with ec: downstream_failed or failed_no_response
  http::error_code ec;
};

// The request body, from the client to the upstream (chunked when it has
// no Content-Length), through the connection's scratch buffer; in a frame
// of its own, so requests without a body do not carry its state.
asio::awaitable<BodySent> write_request_body(H1Conn& c, http::Exchange& ex, std::size_t chunk,
                                             bool chunked) {
  BodySent out;
  if (c.scratch_size < chunk) {
    c.scratch.reset(new char[chunk]);  // once per connection, not per request
    c.scratch_size = chunk;
  }
  const std::span<char> buf(c.scratch.get(), chunk);
  for (;;) {
    auto r = co_await ex.read_body(buf);
    if (r.ec) {
      out.outcome = H1Outcome::downstream_failed;
      out.ec = r.ec;
      co_return out;
    }
    http::error_code ec;
    if (r.n == 0) {
      if (chunked) {
        std::string last = "0\r\n";
        if (const auto* t = ex.request_trailers()) append_fields(last, *t);
        last += "\r\n";
        ec = co_await c.transport->write(last);
      }
      if (ec) out.outcome = H1Outcome::failed_no_response, out.ec = ec;
      co_return out;
    }
    if (chunked) {
      char size_line[24];
      const int len = std::snprintf(size_line, sizeof size_line, "%zx\r\n", r.n);
      const std::array<asio::const_buffer, 3> bufs{asio::buffer(size_line, std::size_t(len)),
                                                   asio::buffer(buf.data(), r.n),
                                                   asio::buffer("\r\n", 2)};
      ec = co_await c.transport->write(bufs);
    } else {
      const asio::const_buffer b(buf.data(), r.n);
      ec = co_await c.transport->write(std::span<const asio::const_buffer>(&b, 1));
    }
    if (ec) {
      out.outcome = H1Outcome::failed_no_response;
      out.ec = ec;
      co_return out;
    }
  }
}

}  // namespace

asio::awaitable<H1Result> h1_forward(H1Conn& c, const UpstreamRequest& req, http::Exchange& ex,
                                     const H1Options& opt) {
  H1Result res;
  ++c.requests;
  const auto fail = [&](H1Outcome o, http::error_code ec) {
    res.outcome = o;
    res.ec = ec;
    res.reusable = false;
    c.transport->close();
    return std::move(res);  // the result: `res` is not used after a failure
  };

  // --- request head and body -------------------------------------------------
  {
    // Built in the thread's head buffer (the one the last request used, in
    // the CPU's cache) and straight into the socket when it has room (no
    // event-loop turn); what must wait for room (and a TLS upstream's
    // whole head) moves to the connection's own buffer first, so the
    // thread's is free for the next request meanwhile.
    std::string& head = head_scratch();
    const std::size_t head_len = serialize_h1_head_reusing(req, head);
    const asio::const_buffer hb(head.data(), head_len);
    io::Transport::Rest rest;
    http::error_code ec;
    c.transport->write_some_now(std::span<const asio::const_buffer>(&hb, 1), rest, ec);
    if (!ec && rest.n > 0) {
      c.head.assign(static_cast<const char*>(rest.bufs[0].data()), rest.bufs[0].size());
      ec = co_await c.transport->write(c.head);
    }
    if (ec) co_return fail(H1Outcome::failed_before_send, ec);
  }
  bool body_consumed = false;
  if (req.has_body) {
    body_consumed = true;
    const auto sent = co_await write_request_body(c, ex, opt.chunk, !req.content_length);
    if (sent.ec) co_return fail(sent.outcome, sent.ec);
  }
  const auto before_response = body_consumed ? H1Outcome::failed_no_response
                                             : H1Outcome::failed_before_send;

  // --- response head (skipping 1xx, relaying 103) ---------------------------
  // The answer's first bytes come before the response object is taken
  // (ResponseLease): a request waiting for its upstream holds none.
  bool got_bytes = false;
  if (c.buf.size() == 0) {
    auto rd = co_await c.transport->read_turn(room(c, 16 * 1024));
    if (rd.ec) co_return fail(before_response, rd.ec);
    c.buf.commit(rd.n);
    got_bytes = true;
  }
  // Parsed in place from c.buf by the strict codec parser: a response it
  // refuses (smuggling vectors, oversize heads) is a bad_response, never
  // relayed. Fields are copied into the leased response's blocks.
  ResponseLease lease;
  ResponseState& state = *lease;
  http::Response& resp = state.resp;
  codec::http1::Limits limits;
  limits.max_header_bytes = opt.max_header_bytes;
  limits.max_headers = opt.max_headers;
  limits.max_body = std::numeric_limits<std::uint64_t>::max();
  codec::http1::ResponseParser& p = state.parser.emplace(limits);
  p.set_fields(codec::http1::ResponseParser::Fields::end_to_end);
  p.start(&resp, req.method == "HEAD");
  const auto refuse = [&](codec::http1::Error e) {
    res.parse_error = e;
    return fail(H1Outcome::bad_response, boost::system::errc::make_error_code(boost::system::errc::bad_message));
  };
  for (;;) {
    for (;;) {
      const auto r = p.parse(view(c.buf));
      c.buf.consume(r.consumed);
      if (r.status == codec::http1::ResponseParser::Status::done) break;
      if (r.status == codec::http1::ResponseParser::Status::error) co_return refuse(p.error());
      // The answer to what we just wrote: a turn-taking read (no recv
      // that returns EAGAIN; io::Transport::read_turn).
      auto rd = co_await c.transport->read_turn(room(c, 16 * 1024));
      if (!rd.ec) c.buf.commit(rd.n);
      if (rd.ec) {
        if (!got_bytes) co_return fail(before_response, rd.ec);
        res.parse_error = codec::http1::Error::incomplete_message;
        co_return fail(H1Outcome::bad_response, rd.ec);
      }
      got_bytes = true;
    }
    res.status = resp.status;
    // A 408 on a reused connection is the upstream timing out the idle
    // connection (sent before it closed, read now as our answer): like a
    // closed pooled connection, an idempotent request goes again on a new
    // one (RFC 9110 15.5.9).
    if (res.status == 408 && c.requests > 1 && !body_consumed && idempotent(req.method))
      co_return fail(H1Outcome::failed_before_send, asio::error::connection_reset);
    if (!p.facts().interim && res.status != 101) break;
    if (res.status == 101) {
      if (req.upgrade.empty())
        co_return fail(H1Outcome::bad_response, boost::system::errc::make_error_code(boost::system::errc::bad_message));
      res.outcome = H1Outcome::upgraded;
      res.switching = std::make_unique<http::Response>();
      res.switching->status = 101;
      res.switching->headers = resp.headers;  // end-to-end fields and Upgrade
      co_return res;
    }
    if (res.status == 103) {
      if (auto ec = co_await filter::relay_early_hints(ex, resp); ec)  // honours relay: false
        co_return fail(H1Outcome::downstream_failed, ec);
    }
    p.next(&resp);
  }
  if (opt.require_switch && res.status >= 200 && res.status < 300)
    co_return fail(H1Outcome::bad_response,
                   boost::system::errc::make_error_code(boost::system::errc::bad_message));

  const bool no_body = p.facts().body == codec::http1::BodyFraming::none;
  {
    auto sent = http::send_head_fast(ex, resp, no_body);  // no frame unless it must wait
    if (!sent.done) sent.ec = co_await std::move(sent.wait);
    if (sent.ec) co_return fail(H1Outcome::downstream_failed, sent.ec);
  }
  if (no_body) {
    res.reusable = p.facts().keep_alive && c.buf.size() == 0;
    if (!res.reusable) c.transport->close();
    co_return res;
  }

  // --- response body ----------------------------------------------------------
  // Body bytes go to the client as views into c.buf (no copy); c.buf is not
  // touched while a send is pending.
  codec::http1::BodyDecoder& body = state.body;
  http::Headers& trailers = state.trailers;  // start_body clears them for a chunked body
  p.start_body(body, &trailers);
  bool ended = false;  // the last body bytes carried end_stream
  for (;;) {
    const auto s = body.step(view(c.buf), opt.chunk);
    if (s.status == codec::http1::BodyDecoder::Status::error) {
      res.parse_error = body.error();
      co_return fail(H1Outcome::failed_mid_response, boost::system::errc::make_error_code(boost::system::errc::bad_message));
    }
    if (s.status == codec::http1::BodyDecoder::Status::data) {
      // A Content-Length body's last bytes end the response with them: one
      // send (on h2/h3 one DATA frame with END_STREAM), not a second, empty one.
      ended = body.done() && !body.chunked();
      auto sent = http::send_body_fast(ex, std::span<const char>(s.data.data(), s.data.size()), ended);
      if (!sent.done) sent.ec = co_await std::move(sent.wait);
      c.buf.consume(s.consumed);
      if (sent.ec) co_return fail(H1Outcome::downstream_failed, sent.ec);
      if (ended) break;
      continue;
    }
    c.buf.consume(s.consumed);
    if (s.status == codec::http1::BodyDecoder::Status::done) break;
    auto r = co_await c.transport->read_some(room(c, opt.chunk));
    if (!r.ec) c.buf.commit(r.n);
    if (r.ec == asio::error::eof && body.finish_on_eof()) break;
    if (r.ec) {
      if (r.ec == asio::error::eof) res.parse_error = codec::http1::Error::incomplete_message;
      co_return fail(H1Outcome::failed_mid_response, r.ec);
    }
  }

  if (!ended) {
    const auto ec = trailers.empty() ? co_await ex.send_body({}, true)
                                     : co_await ex.send_trailers(trailers);
    if (ec) co_return fail(H1Outcome::downstream_failed, ec);
  }
  res.reusable = p.facts().keep_alive && c.buf.size() == 0;
  if (!res.reusable) c.transport->close();
  co_return res;
}

}  // namespace strata::upstream::pool
