// What a hub subscriber does with the bytes its stream delivers, whatever
// carries them (an HTTP/1.1 socket after the 101, an h1 chunked SSE body,
// an h2/h3 extended-CONNECT or GET stream): WebSocket server frames (pings
// answered, close answered, fragments joined) or an event stream, every
// complete message checked for a publisher stamp and accounted in the
// thread's HubStats. Keeps only an unfinished frame/line between calls.
// Thread: the owning HubThread's.
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "tools/load/sse_reader.hpp"

namespace strata::tools::load {

struct HubThread;

class SubStream {
 public:
  enum class Result {
    more,    // keep reading
    done,    // this subscriber received --messages
    closed,  // the server closed the WebSocket (close frame)
    error,   // unusable stream (protocol error, counted)
  };
  SubStream(HubThread& t, bool websocket, std::uint64_t seed);
  // Feeds received bytes; appends what must be sent back (masked pong or
  // close frames) to `out`.
  Result feed(std::string_view in, std::string& out);
  std::uint64_t messages() const { return count_; }

 private:
  Result feed_ws(std::string_view in, std::string& out, std::int64_t now_us);
  Result feed_sse(std::string_view in, std::int64_t now_us);
  bool message(std::string_view m, std::int64_t now_us);  // true: --messages reached

  HubThread& t_;
  bool ws_;
  std::mt19937_64 rng_;
  std::string part_;  // an unfinished frame
  std::string msg_;   // a fragmented message
  SseReader sse_;
  std::vector<SseEvent> events_;
  std::uint64_t count_ = 0;
};

}  // namespace strata::tools::load
