#include "tools/load/hub_sub_stream.hpp"

#include "tools/load/hub_internal.hpp"
#include "tools/load/hub_payload.hpp"
#include "tools/load/ws_client_frames.hpp"

namespace strata::tools::load {

SubStream::SubStream(HubThread& t, bool websocket, std::uint64_t seed)
    : t_(t), ws_(websocket), rng_(seed) {}

SubStream::Result SubStream::feed(std::string_view in, std::string& out) {
  const std::int64_t now_us = std::int64_t(unix_us_now());
  return ws_ ? feed_ws(in, out, now_us) : feed_sse(in, now_us);
}

bool SubStream::message(std::string_view m, std::int64_t now_us) {
  if (auto stamp = find_stamp(m)) {
    t_.st.delivered(now_us, *stamp, m.size());
    t_.g.last_delivery_us.store(now_us, std::memory_order_relaxed);
    ++count_;
    if (t_.g.opt.messages && count_ == t_.g.opt.messages) {
      t_.g.finished.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    return false;
  }
  ++t_.st.other_messages;
  return false;
}

SubStream::Result SubStream::feed_ws(std::string_view data, std::string& out, std::int64_t now_us) {
  // Parse straight from `data` unless a frame is pending.
  std::string_view in = data;
  if (!part_.empty()) {
    part_.append(data);
    in = part_;
  }
  std::size_t off = 0;
  Result res = Result::more;
  while (res == Result::more) {
    WsFrame f;
    std::size_t used = 0;
    const auto r = parse_server_frame(in.substr(off), f, used);
    if (r == WsParse::need_more) break;
    if (r == WsParse::error) {
      t_.st.error(HubError::protocol);
      return Result::error;
    }
    off += used;
    switch (f.opcode) {
      case 1:
      case 2:
        if (f.fin && msg_.empty()) {
          if (message(f.payload, now_us)) res = Result::done;
        } else {
          msg_.assign(f.payload);
          if (f.fin) {
            if (message(msg_, now_us)) res = Result::done;
            msg_.clear();
          }
        }
        break;
      case 0:
        msg_.append(f.payload);
        if (f.fin) {
          if (message(msg_, now_us)) res = Result::done;
          msg_.clear();
        }
        break;
      case 9:
        out += ws_client_frame(10, f.payload, std::uint32_t(rng_()));
        break;
      case 8:
        out += ws_client_frame(8, f.payload.substr(0, std::min<std::size_t>(2, f.payload.size())),
                               std::uint32_t(rng_()));
        res = Result::closed;
        break;
      default:
        break;
    }
  }
  if (part_.empty()) part_.assign(in.substr(off));
  else part_.erase(0, off);
  return res;
}

SubStream::Result SubStream::feed_sse(std::string_view in, std::int64_t now_us) {
  if (!sse_.feed(in, events_)) {
    t_.st.error(HubError::protocol);
    return Result::error;
  }
  Result res = Result::more;
  for (auto& e : events_) {
    if (res != Result::more) break;
    if (e.event.empty() || e.event == "message") {
      if (message(e.data, now_us)) res = Result::done;
    } else {
      ++t_.st.other_messages;
    }
  }
  events_.clear();
  return res;
}

}  // namespace strata::tools::load
