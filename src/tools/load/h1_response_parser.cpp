#include "tools/load/h1_response_parser.hpp"

#include <algorithm>
#include <charconv>

namespace strata::tools::load {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (iequals(hay.substr(i, needle.size()), needle)) return true;
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

void H1ResponseParser::reset(bool head_request) {
  head_request_ = head_request;
  state_ = State::head;
  status_ = 0;
  keep_alive_ = true;
  remaining_ = 0;
  body_bytes_ = 0;
  error_.clear();
  headers_.clear();
}

H1ResponseParser::Status H1ResponseParser::fail(std::string msg) {
  error_ = std::move(msg);
  return Status::error;
}

H1ResponseParser::Status H1ResponseParser::parse_head(std::string_view head) {
  // head excludes the final CRLFCRLF. Status line: HTTP/1.x SP 3DIGIT ...
  std::size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ')
    return fail("bad status line");
  const bool http10 = line[7] == '0';
  int code = 0;
  auto [p, ec] = std::from_chars(line.data() + 9, line.data() + 12, code);
  if (ec != std::errc() || p != line.data() + 12 || code < 100 || code > 999)
    return fail("bad status code");
  status_ = code;
  keep_alive_ = !http10;
  bool chunked = false, have_length = false;
  std::uint64_t length = 0;
  headers_.clear();
  std::string_view rest = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
  while (!rest.empty()) {
    std::size_t e = rest.find("\r\n");
    std::string_view h = rest.substr(0, e);
    rest = e == std::string_view::npos ? std::string_view{} : rest.substr(e + 2);
    std::size_t colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0) return fail("bad header line");
    std::string_view name = h.substr(0, colon), value = trim(h.substr(colon + 1));
    if (iequals(name, "content-length")) {
      std::uint64_t v = 0;
      auto [q, ec2] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec2 != std::errc() || q != value.data() + value.size()) return fail("bad content-length");
      if (have_length && v != length) return fail("conflicting content-length");
      have_length = true;
      length = v;
    } else if (iequals(name, "transfer-encoding")) {
      chunked = icontains(value, "chunked");
    } else if (iequals(name, "connection")) {
      if (icontains(value, "close")) keep_alive_ = false;
      else if (icontains(value, "keep-alive")) keep_alive_ = true;
    }
    if (capture_) {
      std::string n(name);
      std::transform(n.begin(), n.end(), n.begin(),
                     [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; });
      headers_.emplace_back(std::move(n), std::string(value));
    }
  }
  if (status_ >= 100 && status_ < 200 && status_ != 101) {
    state_ = State::head;  // interim: the real response follows
    return Status::need_more;
  }
  if (head_request_ || status_ == 204 || status_ == 304 || status_ == 101) {
    state_ = State::done;
  } else if (chunked) {
    state_ = State::body_chunk_size;
  } else if (have_length) {
    remaining_ = length;
    state_ = length ? State::body_length : State::done;
  } else {
    keep_alive_ = false;
    state_ = State::body_until_close;
  }
  return Status::need_more;
}

H1ResponseParser::Status H1ResponseParser::parse(std::string_view in, std::size_t& consumed) {
  consumed = 0;
  for (;;) {
    std::string_view cur = in.substr(consumed);
    switch (state_) {
      case State::head: {
        std::size_t end = cur.find("\r\n\r\n");
        if (end == std::string_view::npos) {
          if (cur.size() > max_head_) return fail("response head too large");
          return Status::need_more;
        }
        if (end > max_head_) return fail("response head too large");
        if (parse_head(cur.substr(0, end)) == Status::error) return Status::error;
        consumed += end + 4;
        break;
      }
      case State::body_length: {
        std::size_t n = std::size_t(std::min<std::uint64_t>(remaining_, cur.size()));
        consumed += n;
        body_bytes_ += n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::done;
        else return Status::need_more;
        break;
      }
      case State::body_chunk_size: {
        std::size_t e = cur.find("\r\n");
        if (e == std::string_view::npos) {
          if (cur.size() > 1024) return fail("chunk size line too long");
          return Status::need_more;
        }
        std::string_view line = cur.substr(0, e);
        std::size_t semi = line.find(';');
        line = trim(line.substr(0, semi));
        std::uint64_t size = 0;
        auto [q, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
        if (line.empty() || ec != std::errc() || q != line.data() + line.size())
          return fail("bad chunk size");
        consumed += e + 2;
        remaining_ = size;
        state_ = size ? State::body_chunk_data : State::body_trailers;
        break;
      }
      case State::body_chunk_data: {
        std::size_t n = std::size_t(std::min<std::uint64_t>(remaining_, cur.size()));
        consumed += n;
        body_bytes_ += n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::body_chunk_crlf;
        else return Status::need_more;
        break;
      }
      case State::body_chunk_crlf:
        if (cur.size() < 2) return Status::need_more;
        if (cur[0] != '\r' || cur[1] != '\n') return fail("missing CRLF after chunk");
        consumed += 2;
        state_ = State::body_chunk_size;
        break;
      case State::body_trailers: {
        std::size_t e = cur.find("\r\n");
        if (e == std::string_view::npos) {
          if (cur.size() > max_head_) return fail("trailers too large");
          return Status::need_more;
        }
        consumed += e + 2;
        if (e == 0) state_ = State::done;
        break;
      }
      case State::body_until_close:
        consumed += cur.size();
        body_bytes_ += cur.size();
        return Status::need_more;
      case State::done:
        return Status::done;
    }
  }
}

H1ResponseParser::Status H1ResponseParser::finish_on_eof() {
  if (state_ == State::body_until_close || state_ == State::done) {
    state_ = State::done;
    return Status::done;
  }
  return fail("connection closed mid-response");
}

}  // namespace strata::tools::load
