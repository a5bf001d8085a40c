#include "upstream/pool/h1_client.hpp"

#include <array>
#include <cstdio>
#include <limits>
#include <optional>
#include <vector>

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

namespace strata::upstream::pool {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

bool idempotent(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "TRACE" || m == "PUT" ||
         m == "DELETE";
}

namespace {

bool clean(std::string_view s) {
  return http::no_line_breaks(s);
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

bool hop_by_hop_response_field(std::string_view n) {
  return n == "connection" || n == "keep-alive" || n == "transfer-encoding" ||
         n == "proxy-connection" || n == "upgrade" || n == "te";
}

asio::awaitable<http::IoResult> fill(H1Conn& c, std::size_t n) {
  auto mb = c.buf.prepare(n);
  auto r = co_await c.transport->read_some(std::span<char>(static_cast<char*>(mb.data()), mb.size()));
  if (!r.ec) c.buf.commit(r.n);
  co_return r;
}

}  // namespace

std::string serialize_h1_head(const UpstreamRequest& req) {
  std::string out;
  out.reserve(256 + req.headers.byte_size() + req.headers.size() * 4);
  out += req.method;
  out += ' ';
  out += req.target.empty() ? std::string_view("/") : std::string_view(req.target);
  out += " HTTP/1.1\r\nhost: ";
  out += clean(req.authority) ? std::string_view(req.authority) : std::string_view();
  out += "\r\n";
  for (const auto& f : req.headers) {
    if (f.name == "host" || f.name == "content-length" || f.name == "transfer-encoding") continue;
    append_field(out, f);
  }
  if (!req.upgrade.empty() && clean(req.upgrade)) {
    out += "connection: upgrade\r\nupgrade: ";
    out += req.upgrade;
    out += "\r\n";
  }
  if (req.content_length) {
    out += "content-length: ";
    out += std::to_string(*req.content_length);
    out += "\r\n";
  } else if (req.has_body) {
    out += "transfer-encoding: chunked\r\n";
  }
  out += "\r\n";
  return out;
}

asio::awaitable<H1Result> h1_forward(H1Conn& c, const UpstreamRequest& req, http::Exchange& ex,
                                     const H1Options& opt) {
  H1Result res;
  ++c.requests;
  const auto fail = [&](H1Outcome o, http::error_code ec) {
    res.outcome = o;
    res.ec = ec;
    res.reusable = false;
    c.transport->close();
    return res;
  };

  // --- request head and body -------------------------------------------------
  const std::string head = serialize_h1_head(req);
  if (auto ec = co_await c.transport->write(head); ec)
    co_return fail(H1Outcome::failed_before_send, ec);
  bool body_consumed = false;
  if (c.scratch_size < opt.chunk) {
    c.scratch.reset(new char[opt.chunk]);  // once per connection, not per request
    c.scratch_size = opt.chunk;
  }
  const std::span<char> buf(c.scratch.get(), opt.chunk);
  if (req.has_body) {
    const bool chunked = !req.content_length;
    for (;;) {
      body_consumed = true;
      auto r = co_await ex.read_body(buf);
      if (r.ec) co_return fail(H1Outcome::downstream_failed, r.ec);
      http::error_code ec;
      if (r.n == 0) {
        if (chunked) {
          std::string last = "0\r\n";
          if (const auto* t = ex.request_trailers()) append_fields(last, *t);
          last += "\r\n";
          ec = co_await c.transport->write(last);
        }
        if (ec) co_return fail(H1Outcome::failed_no_response, ec);
        break;
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
      if (ec) co_return fail(H1Outcome::failed_no_response, ec);
    }
  }
  const auto before_response = body_consumed ? H1Outcome::failed_no_response
                                             : H1Outcome::failed_before_send;

  // --- response head (skipping 1xx, relaying 103) ---------------------------
  std::optional<bhttp::response_parser<bhttp::buffer_body>> p;
  bool got_bytes = false;
  for (;;) {
    p.emplace();
    p->body_limit(std::numeric_limits<std::uint64_t>::max());
    p->header_limit(opt.max_header_bytes);
    if (req.method == "HEAD") p->skip(true);
    while (!p->is_header_done()) {
      if (c.buf.size() > 0) {
        http::error_code ec;
        const auto n = p->put(c.buf.data(), ec);
        c.buf.consume(n);
        if (!ec && n > 0) continue;
        if (ec && ec != bhttp::error::need_more) co_return fail(H1Outcome::bad_response, ec);
      }
      if (c.buf.size() >= opt.max_header_bytes)
        co_return fail(H1Outcome::bad_response, bhttp::error::header_limit);
      auto r = co_await fill(c, 16 * 1024);
      if (r.ec) co_return fail(got_bytes ? H1Outcome::bad_response : before_response, r.ec);
      got_bytes = true;
    }
    res.status = int(p->get().result_int());
    // A 408 on a reused connection is the upstream timing out the idle
    // connection (sent before it closed, read now as our answer): like a
    // closed pooled connection, an idempotent request goes again on a new
    // one (RFC 9110 15.5.9).
    if (res.status == 408 && c.requests > 1 && !body_consumed && idempotent(req.method))
      co_return fail(H1Outcome::failed_before_send, asio::error::connection_reset);
    if (res.status >= 200) break;
    if (res.status == 101) {
      if (req.upgrade.empty()) co_return fail(H1Outcome::bad_response, bhttp::error::bad_status);
      res.outcome = H1Outcome::upgraded;
      res.switching.status = 101;
      for (const auto& f : p->get()) {
        auto name = http::to_lower(f.name_string());
        if (name != "upgrade" && hop_by_hop_response_field(name)) continue;
        res.switching.headers.add(name, f.value());
      }
      co_return res;
    }
    if (res.status == 103) {
      http::Response interim;
      interim.status = 103;
      for (const auto& f : p->get())
        interim.headers.add(http::to_lower(f.name_string()), f.value());
      if (auto ec = co_await ex.send_interim(interim); ec)
        co_return fail(H1Outcome::downstream_failed, ec);
    }
  }

  http::Response resp;
  resp.status = res.status;
  std::size_t head_fields = 0;
  for (const auto& f : p->get()) {
    ++head_fields;
    auto name = http::to_lower(f.name_string());
    if (hop_by_hop_response_field(name)) continue;
    resp.headers.add(name, f.value());
  }
  if (auto ec = co_await ex.send_head(resp, p->is_done()); ec)
    co_return fail(H1Outcome::downstream_failed, ec);
  if (p->is_done()) {
    res.reusable = p->keep_alive() && c.buf.size() == 0;
    if (!res.reusable) c.transport->close();
    co_return res;
  }

  // --- response body ----------------------------------------------------------
  while (!p->is_done()) {
    auto& body = p->get().body();
    body.data = buf.data();
    body.size = buf.size();
    std::size_t consumed = 0;
    if (c.buf.size() > 0) {
      http::error_code ec;
      consumed = p->put(c.buf.data(), ec);
      c.buf.consume(consumed);
      if (ec == bhttp::error::need_buffer || ec == bhttp::error::need_more) ec = {};
      if (ec) co_return fail(H1Outcome::failed_mid_response, ec);
    }
    const std::size_t got = buf.size() - body.size;
    if (got == 0 && consumed > 0 && c.buf.size() > 0) continue;  // framing only; parse on
    if (got > 0) {
      if (auto ec = co_await ex.send_body(std::span<const char>(buf.data(), got), false); ec)
        co_return fail(H1Outcome::downstream_failed, ec);
      continue;
    }
    if (p->is_done()) break;
    auto r = co_await fill(c, buf.size());
    if (r.ec == asio::error::eof && p->need_eof()) {
      http::error_code ec;
      p->put_eof(ec);
      if (ec) co_return fail(H1Outcome::failed_mid_response, ec);
      break;
    }
    if (r.ec) co_return fail(H1Outcome::failed_mid_response, r.ec);
  }

  // Fields past the head are chunked trailers.
  http::Headers trailers;
  std::size_t i = 0;
  for (const auto& f : p->get()) {
    if (i++ < head_fields) continue;
    trailers.add(http::to_lower(f.name_string()), f.value());
  }
  http::error_code ec;
  if (!trailers.empty()) {
    ec = co_await ex.send_trailers(trailers);
  } else {
    ec = co_await ex.send_body({}, true);
  }
  if (ec) co_return fail(H1Outcome::downstream_failed, ec);
  res.reusable = p->keep_alive() && !p->need_eof() && c.buf.size() == 0;
  if (!res.reusable) c.transport->close();
  co_return res;
}

}  // namespace strata::upstream::pool
