// HTTP/1.1 connection driver for the load tool: keeps up to -m requests in
// flight (pipelining; 1 by default), parses responses in order.
#include <cstring>
#include <deque>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "tools/load/client_protocol.hpp"
#include "codec/http1/response_reader.hpp"

namespace strata::tools::load {

namespace asio = boost::asio;

namespace {

ErrorKind classify(const boost::system::error_code& ec, const ConnRuntime& rt) {
  if (rt.timed_out) return ErrorKind::timeout;
  if (ec == asio::error::connection_reset || ec == asio::error::eof ||
      ec == asio::error::broken_pipe || ec == asio::ssl::error::stream_truncated)
    return ErrorKind::reset;
  return ErrorKind::reset;
}

}  // namespace

asio::awaitable<void> drive_h1(ConnState& cs, std::shared_ptr<ConnRuntime> rt) {
  const RunShared& g = cs.g;
  io::Transport& t = *rt->transport;
  const unsigned depth = g.opt.streams ? g.opt.streams : 1;
  const bool head_method = false;
  std::deque<InFlight> inflight;
  std::vector<asio::const_buffer> batch;
  batch.reserve(depth);
  std::vector<char> buf(64 * 1024);
  std::size_t begin = 0, end = 0;
  codec::http1::ResponseReader parser;
  parser.reset(head_method);
  asio::steady_timer wait(t.get_executor());
  bool front_has_bytes = false;

  auto lose_all = [&] {  // in flight when the run ended: unfinished, else lost
    if (rt->stopped) cs.cut(inflight.size());
    else cs.lose(inflight.size());
    inflight.clear();
  };

  for (;;) {
    // Issue what we may.
    batch.clear();
    while (inflight.size() < depth) {
      const auto now = clock_type::now();
      auto r = cs.take(now);
      if (!r) {
        auto next = cs.next_intended();
        if (next && inflight.empty() && batch.empty() && cs.more(now)) {
          // Open loop, idle: sleep until the next request is due.
          wait.expires_at(*next);
          co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
          if (rt->stopped || !t.is_open()) co_return;
          continue;
        }
        break;
      }
      const std::string& req = g.h1_requests[r->path];
      batch.emplace_back(req.data(), req.size());
      inflight.push_back(*r);
    }
    if (inflight.empty()) co_return;  // quota done or deadline reached
    rt->oldest = inflight.front().start;
    if (!batch.empty()) {
      auto ec = co_await t.write(std::span<const asio::const_buffer>(batch.data(), batch.size()));
      if (ec) {
        if (!rt->stopped) cs.st.error(classify(ec, *rt));
        lose_all();
        co_return;
      }
    }
    // Read until at least one response completes.
    bool completed = false;
    while (!completed) {
      if (end == buf.size()) {
        if (begin > 0) {
          std::memmove(buf.data(), buf.data() + begin, end - begin);
          end -= begin;
          begin = 0;
        } else {
          buf.resize(buf.size() * 2);
        }
      }
      auto [ec, n] = co_await t.read_some(std::span<char>(buf.data() + end, buf.size() - end));
      const auto now = clock_type::now();
      if (ec) {
        if (ec == asio::error::eof && parser.finish_on_eof() == codec::http1::ResponseReader::Status::done &&
            !inflight.empty()) {
          cs.complete(inflight.front(), now, parser.status(), parser.body_bytes());
          inflight.pop_front();
        }
        if (!inflight.empty() && !rt->stopped) cs.st.error(classify(ec, *rt));
        lose_all();
        co_return;
      }
      if (cs.measuring(now)) cs.st.bytes_read += n;
      end += n;
      if (!front_has_bytes) {
        inflight.front().first_byte = now;
        front_has_bytes = true;
      }
      for (;;) {
        std::size_t used = 0;
        auto s = parser.parse(std::string_view(buf.data() + begin, end - begin), used);
        begin += used;
        if (s == codec::http1::ResponseReader::Status::error) {
          cs.st.error(ErrorKind::protocol);
          lose_all();
          co_return;
        }
        if (s == codec::http1::ResponseReader::Status::need_more) break;
        if (inflight.empty()) {  // a response nobody asked for
          cs.st.error(ErrorKind::protocol);
          co_return;
        }
        cs.complete(inflight.front(), now, parser.status(), parser.body_bytes());
        inflight.pop_front();
        completed = true;
        const bool keep = parser.keep_alive();
        parser.reset(head_method);
        front_has_bytes = false;
        if (!keep) {
          lose_all();  // pipelined requests behind a close are lost
          co_return;
        }
        if (inflight.empty()) break;
        if (begin < end) {
          inflight.front().first_byte = now;
          front_has_bytes = true;
        }
      }
      if (begin == end) begin = end = 0;
    }
    rt->oldest = inflight.empty() ? time_point::max() : inflight.front().start;
  }
}

}  // namespace strata::tools::load
