// Incremental text/event-stream parser (the WHATWG EventSource rules that a
// load client needs) for `strata load --hub sse`: lines end in LF, CRLF or
// CR; `data:` lines of one event join with LF; `event:` and `id:` are kept;
// comments (`: ping`) and `retry:` are skipped; a blank line dispatches the
// event when it has data. Bounded: a line longer than max_line is an
// error. No I/O; thread-free; one per stream.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace strata::tools::load {

struct SseEvent {
  std::string event;  // "" = message
  std::string data;
  std::string id;
};

class SseReader {
 public:
  explicit SseReader(std::size_t max_line = 1 << 20) : max_line_(max_line) {}
  // Feeds body bytes (any split); appends the completed events to `out`.
  // False once a line exceeded the bound (the stream is unusable).
  bool feed(std::string_view in, std::vector<SseEvent>& out);
  // Comment lines seen (heartbeats).
  std::size_t comments() const { return comments_; }

 private:
  void line(std::string_view l, std::vector<SseEvent>& out);

  std::size_t max_line_;
  std::string partial_;   // an unterminated line
  bool skip_lf_ = false;  // the last byte was CR: a following LF belongs to it
  SseEvent cur_;
  bool has_data_ = false;
  std::size_t comments_ = 0;
};

}  // namespace strata::tools::load
