#include "upstream/pool/h2_forward.hpp"

#include "codec/http2/server_session.hpp"  // error codes

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "filter/early_hints.hpp"

namespace strata::upstream::pool {

namespace asio = boost::asio;
namespace h2 = codec::http2;

asio::awaitable<http::IoResult> H2Body::next(std::span<char> buf) {
  if (pos_ < kept_.size()) {
    const std::size_t n = std::min(buf.size(), kept_.size() - pos_);
    std::memcpy(buf.data(), kept_.data() + pos_, n);
    pos_ += n;
    co_return http::IoResult{{}, n};
  }
  if (ended_) co_return http::IoResult{};
  auto r = co_await ex_.read_body(buf);
  if (r.ec) co_return r;
  if (r.n == 0) {
    ended_ = true;
    co_return r;
  }
  if (!lost_ && kept_.size() + r.n <= limit_) {
    kept_.append(buf.data(), r.n);
  } else {
    lost_ = true;
    std::string().swap(kept_);
  }
  pos_ = kept_.size();
  co_return r;
}

bool H2Body::rewind() {
  if (lost_) return false;
  pos_ = 0;
  return true;
}

namespace {

// The response body buffer, lent from this thread's free list (at most 8
// kept, any size up to 64 KiB): a request allocates none in the steady state.
class RecycledBuffer {
 public:
  explicit RecycledBuffer(std::size_t size) {
    auto& f = list();
    for (auto it = f.begin(); it != f.end(); ++it) {
      if (it->second < size) continue;
      p_ = std::move(it->first);
      size_ = it->second;
      f.erase(it);
      return;
    }
    p_.reset(new char[size]);
    size_ = size;
  }
  ~RecycledBuffer() {
    auto& f = list();
    if (p_ && f.size() < 8) f.emplace_back(std::move(p_), size_);
  }
  RecycledBuffer(const RecycledBuffer&) = delete;
  RecycledBuffer& operator=(const RecycledBuffer&) = delete;
  char* get() const { return p_.get(); }

 private:
  using Entry = std::pair<std::unique_ptr<char[]>, std::size_t>;
  static std::vector<Entry>& list() {
    thread_local std::vector<Entry> l = [] {
      std::vector<Entry> v;
      v.reserve(8);
      return v;
    }();
    return l;
  }
  std::unique_ptr<char[]> p_;
  std::size_t size_ = 0;
};

// A response head relayed downstream, from this thread's free list (at most
// 64 kept): status 200 and no fields when lent, header storage kept.
class RecycledResponse {
 public:
  RecycledResponse() {
    auto& f = list();
    if (f.empty()) {
      r_ = std::make_unique<http::Response>();
    } else {
      r_ = std::move(f.back());
      f.pop_back();
    }
  }
  ~RecycledResponse() {
    auto& f = list();
    if (r_ && f.size() < 64) {
      r_->status = 200;
      r_->headers.clear();
      f.push_back(std::move(r_));
    }
  }
  RecycledResponse(const RecycledResponse&) = delete;
  RecycledResponse& operator=(const RecycledResponse&) = delete;
  http::Response& operator*() const { return *r_; }

 private:
  static std::vector<std::unique_ptr<http::Response>>& list() {
    thread_local std::vector<std::unique_ptr<http::Response>> l = [] {
      std::vector<std::unique_ptr<http::Response>> v;
      v.reserve(64);
      return v;
    }();
    return l;
  }
  std::unique_ptr<http::Response> r_;
};


// Releases the stream and its slot whatever way h2_forward leaves.
struct StreamGuard {
  H2Conn& conn;
  h2::ClientStreamId sid;
  StreamWaker* waker;
  H2Cancel& cancel;
  ~StreamGuard() {
    cancel.waker = nullptr;
    conn.finish(sid, waker);
  }
};

// Fields that must not be relayed from an HTTP/2 response head.
bool hop_by_hop_response_field(std::string_view n) {
  return n == "connection" || n == "keep-alive" || n == "transfer-encoding" ||
         n == "proxy-connection" || n == "upgrade" || n == "te";
}

// The request side of a full-duplex forward: reads the client's body and
// queues it on the stream (up to `chunk` bytes buffered) while the caller
// relays the response. Returns early only when reading the client failed
// (`failed`); otherwise, once the body is sent or the stream can take no
// more, it waits until `done` (the response side finished) or cancellation.
asio::awaitable<void> upload(H2Conn& conn, h2::ClientStreamId sid, H2Body& body,
                             std::size_t chunk, StreamWaker& w, H2Cancel& cancel,
                             const bool& done, bool& failed) {
  auto& session = conn.session();
  std::unique_ptr<char[]> mem(new char[chunk]);
  const std::span<char> buf(mem.get(), chunk);
  while (!done) {
    const auto* s = session.find(sid);
    if (!s || s->closed || conn.dead() || cancel.fired || !session.writable(sid)) break;
    if (session.buffered(sid) >= chunk) {
      co_await w.wait();
      continue;
    }
    auto r = co_await body.next(buf);
    if (done || cancel.fired) break;
    if (r.ec) {
      failed = true;
      co_return;
    }
    if (!session.find(sid) || !session.writable(sid)) break;
    if (r.n == 0) {
      const auto* t = body.trailers();
      if (t && !t->empty())
        session.submit_trailers(sid, *t);
      else
        session.submit_data(sid, {}, true);
      conn.kick();
      break;
    }
    session.submit_data(sid, std::span<const char>(buf.data(), r.n), false);
    conn.kick();
  }
  while (!done) co_await w.wait();
}

}  // namespace

asio::awaitable<H2Result> h2_forward(std::shared_ptr<H2Conn> conn, const UpstreamRequest& req,
                                     http::Exchange& ex, H2Body& body,
                                     const H2ForwardOptions& opt, H2Cancel& cancel) {
  H2Result res;
  StreamWaker waker(ex.executor());
  auto& session = conn->session();
  const bool has_body = req.has_body;
  const auto sid = conn->open(req, !has_body, &waker);
  if (sid <= 0) {
    res.outcome = H2Outcome::refused;
    co_return res;
  }
  cancel.waker = &waker;
  StreamGuard guard{*conn, sid, &waker, cancel};
  const auto fail = [&](H2Outcome o) {
    res.outcome = o;
    session.reset(sid, h2::kCancel);
    conn->kick();
    return res;
  };

  // Not zeroed, and at most 64 KiB: a 256 KiB zero-filled vector per request
  // cost more than the proxying itself.
  const std::size_t buf_size = std::clamp<std::size_t>(opt.chunk, 1024, 64 * 1024);
  const RecycledBuffer buf_mem(buf_size);
  const std::span<char> buf(buf_mem.get(), buf_size);
  const auto proto = ex.request().protocol;
  // Full duplex for HTTP/2 and HTTP/3 clients (their exchanges let one
  // coroutine read the request body while another writes the response):
  // the body goes up in its own coroutine, so a bidirectional stream whose
  // client waits for each reply does not stall. HTTP/1.x clients: one
  // coroutine interleaves both directions.
  const bool duplex = has_body && (proto == http::Protocol::h2 || proto == http::Protocol::h3);
  auto response_side = [&]() -> asio::awaitable<H2Result> {
    bool upload_done = !has_body || duplex;
    bool head_relayed = false;
    // Every pass makes progress or waits for a wake-up (stream event, buffer
    // drained, connection death, cancel).
    for (;;) {
      if (cancel.fired) co_return fail(H2Outcome::timed_out);
      const auto* s = session.find(sid);
      if (!s) co_return fail(head_relayed ? H2Outcome::failed_mid_response
                                          : H2Outcome::failed_no_response);

      // --- response side ---
      if (!head_relayed) {
        http::Response interim;
        bool relayed_interim = false;
        while (session.take_interim(sid, interim)) {
          if (interim.status != 103) continue;  // 100 Continue etc. stay hop-local
          if (auto ec = co_await filter::relay_early_hints(ex, interim); ec)  // relay: false
            co_return fail(H2Outcome::downstream_failed);
          relayed_interim = true;
        }
        if (relayed_interim) continue;  // `s` may be stale after the co_await
        if (s->bad_response) co_return fail(H2Outcome::bad_response);
        if (s->refused) co_return fail(H2Outcome::refused);
        if (s->head_done) {
          const RecycledResponse recycled;  // its header storage reused
          http::Response& resp = *recycled;
          resp.status = s->response.status;
          for (const auto& f : s->response.headers)
            if (!hop_by_hop_response_field(f.name)) resp.headers.add(f.name, f.value);
          res.status = resp.status;
          const bool end = s->ended && s->unread() == 0 && !s->has_trailers;
          head_relayed = true;
          auto sent = http::send_head_fast(ex, resp, end);  // no frame unless it must wait
          if (!sent.done) sent.ec = co_await std::move(sent.wait);
          if (sent.ec) co_return fail(H2Outcome::downstream_failed);
          if (end) co_return res;
          continue;
        }
      } else {
        if (const std::size_t n = session.read_body(sid, buf); n > 0) {
          conn->kick();  // WINDOW_UPDATE may be due
          // The stream's last bytes end the response with them (one send).
          const bool end = s->ended && s->unread() == 0 && !s->has_trailers;
          auto sent = http::send_body_fast(ex, std::span<const char>(buf.data(), n), end);
          if (!sent.done) sent.ec = co_await std::move(sent.wait);
          if (sent.ec) co_return fail(H2Outcome::downstream_failed);
          if (end) co_return res;
          continue;
        }
        if (s->ended) {
          http::error_code ec;
          if (s->has_trailers) {
            const http::Headers trailers = s->trailers;
            ec = co_await ex.send_trailers(trailers);
          } else {
            ec = co_await ex.send_body({}, true);
          }
          if (ec) co_return fail(H2Outcome::downstream_failed);
          co_return res;
        }
      }
      if (s->closed || conn->dead()) {
        if (!head_relayed && s->refused) co_return fail(H2Outcome::refused);
        co_return fail(head_relayed ? H2Outcome::failed_mid_response
                                    : H2Outcome::failed_no_response);
      }

      // --- request side ---
      if (!upload_done) {
        if (!session.writable(sid)) {
          upload_done = true;  // the upstream stopped reading (or answered early)
          continue;
        }
        if (session.buffered(sid) < opt.chunk) {
          auto r = co_await body.next(std::span<char>(buf.data(), buf.size()));
          if (r.ec) co_return fail(H2Outcome::downstream_failed);
          if (cancel.fired) co_return fail(H2Outcome::timed_out);
          if (r.n == 0) {
            const auto* t = body.trailers();
            if (t && !t->empty())
              session.submit_trailers(sid, *t);
            else
              session.submit_data(sid, {}, true);
            upload_done = true;
          } else {
            session.submit_data(sid, std::span<const char>(buf.data(), r.n), false);
          }
          conn->kick();
          continue;
        }
      }
      co_await waker.wait();
    }
  };
  if (!duplex) co_return co_await response_side();

  using namespace asio::experimental::awaitable_operators;
  StreamWaker up_waker(ex.executor());
  waker.also = &up_waker;
  bool done = false;
  bool upload_failed = false;
  auto finished = [&]() -> asio::awaitable<H2Result> {
    auto r = co_await response_side();
    done = true;
    co_return r;
  };
  auto v = co_await (finished() ||
                     upload(*conn, sid, body, buf_size, up_waker, cancel, done, upload_failed));
  waker.also = nullptr;
  if (v.index() == 0) co_return std::get<0>(v);
  co_return fail(cancel.fired ? H2Outcome::timed_out : H2Outcome::downstream_failed);
}

}  // namespace strata::upstream::pool
