#include "codec/http1/body_decoder.hpp"

#include <algorithm>
#include <cstring>

#include "codec/http1/syntax.hpp"

namespace strata::codec::http1 {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )
bool valid_extensions(std::string_view s) {
  std::size_t i = 0;
  auto skip_ws = [&] {
    while (i < s.size() && is_ows(s[i])) ++i;
  };
  auto token = [&] {
    std::size_t b = i;
    while (i < s.size() && is_tchar(s[i])) ++i;
    return i > b;
  };
  while (true) {
    skip_ws();
    if (i == s.size()) return true;
    if (s[i] != ';') return false;
    ++i;
    skip_ws();
    if (!token()) return false;
    skip_ws();
    if (i < s.size() && s[i] == '=') {
      ++i;
      skip_ws();
      if (i < s.size() && s[i] == '"') {
        ++i;
        bool closed = false;
        while (i < s.size()) {
          char c = s[i++];
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\') {
            if (i == s.size() || !is_field_char(s[i])) return false;
            ++i;
          } else if (!is_field_char(c)) {
            return false;
          }
        }
        if (!closed) return false;
      } else if (!token()) {
        return false;
      }
    }
  }
}

bool forbidden_trailer(std::string_view name) {
  return http::iequals(name, "content-length") || http::iequals(name, "transfer-encoding") ||
         http::iequals(name, "host") || http::iequals(name, "connection") ||
         http::iequals(name, "trailer") || http::iequals(name, "expect");
}

}  // namespace

void BodyDecoder::start_none() {
  chunked_ = false;
  remaining_ = received_ = 0;
  error_ = Error::none;
  state_ = State::done;
}

void BodyDecoder::start_length(std::uint64_t n) {
  start_none();
  remaining_ = n;
  state_ = n ? State::data : State::done;
}

void BodyDecoder::start_chunked(const Limits& limits, http::Headers* trailers) {
  start_none();
  limits_ = limits;
  trailers_ = trailers;
  if (trailers_) trailers_->clear();
  chunked_ = true;
  ext_bytes_ = trailer_bytes_ = 0;
  trailer_count_ = 0;
  state_ = State::size_line;
}

void BodyDecoder::start_until_close(const Limits& limits) {
  start_none();
  limits_ = limits;
  state_ = State::until_close;
}

bool BodyDecoder::finish_on_eof() {
  if (state_ == State::until_close || state_ == State::done) {
    state_ = State::done;
    return true;
  }
  if (state_ != State::error) fail(Error::incomplete_message);
  return false;
}

BodyDecoder::Step BodyDecoder::fail(Error e) {
  error_ = e;
  state_ = State::error;
  return Step{0, Status::error, {}};
}

BodyDecoder::Step BodyDecoder::step(std::string_view in, std::size_t max_data) {
  // Framing-only progress (a size line, a CRLF) loops on; each pass consumes
  // at least one byte, so this is bounded by in.size().
  std::size_t off = 0;
  while (true) {
    Step s = step_once(in.substr(off), max_data);
    if (s.status == Status::error) return s;
    s.consumed += off;
    if (s.status == Status::need_more && s.consumed > off && s.consumed < in.size()) {
      off = s.consumed;
      continue;
    }
    return s;
  }
}

BodyDecoder::Step BodyDecoder::step_once(std::string_view in, std::size_t max_data) {
  switch (state_) {
    case State::done: return Step{0, Status::done, {}};
    case State::error: return Step{0, Status::error, {}};
    case State::size_line: return size_line(in);
    case State::trailers: return trailer_lines(in);
    case State::until_close: {
      std::size_t n = std::min(in.size(), max_data);
      if (n == 0) return Step{0, Status::need_more, {}};
      if (received_ + n > limits_.max_body) return fail(Error::body_too_large);
      received_ += n;
      return Step{n, Status::data, in.substr(0, n)};
    }
    case State::data: {
      std::size_t n = std::size_t(std::min<std::uint64_t>(remaining_, in.size()));
      n = std::min(n, max_data);
      if (n == 0) return Step{0, Status::need_more, {}};
      remaining_ -= n;
      received_ += n;
      if (remaining_ == 0) state_ = chunked_ ? State::data_crlf : State::done;
      return Step{n, Status::data, in.substr(0, n)};
    }
    case State::data_crlf: {
      if (in.empty()) return Step{0, Status::need_more, {}};
      if (in[0] != '\r') return fail(Error::bad_chunk_data);
      if (in.size() < 2) return Step{0, Status::need_more, {}};
      if (in[1] != '\n') return fail(Error::bad_chunk_data);
      state_ = State::size_line;
      Step s = size_line(in.substr(2));
      if (s.status != Status::error) s.consumed += 2;
      return s;
    }
  }
  return fail(Error::bad_chunk_data);
}

BodyDecoder::Step BodyDecoder::size_line(std::string_view in) {
  const void* nl = in.empty() ? nullptr : std::memchr(in.data(), '\n', in.size());
  if (!nl) {
    if (in.size() > std::size_t(limits_.max_request_line) + 1) return fail(Error::bad_chunk_extension);
    return Step{0, Status::need_more, {}};
  }
  std::size_t len = std::size_t(static_cast<const char*>(nl) - in.data());
  if (len == 0 || in[len - 1] != '\r') return fail(Error::bad_chunk_size);
  std::string_view line = in.substr(0, len - 1);
  if (line.size() > limits_.max_request_line) return fail(Error::bad_chunk_extension);
  std::size_t i = 0;
  std::uint64_t size = 0;
  while (i < line.size()) {
    int v = hex_value(line[i]);
    if (v < 0) break;
    if (size > (UINT64_MAX >> 4)) return fail(Error::bad_chunk_size);
    size = (size << 4) | std::uint64_t(v);
    ++i;
  }
  if (i == 0) return fail(Error::bad_chunk_size);
  std::string_view ext = line.substr(i);
  if (!ext.empty()) {
    if (ext.front() != ';' && !is_ows(ext.front())) return fail(Error::bad_chunk_size);
    if (memchr(ext.data(), '\r', ext.size())) return fail(Error::bad_chunk_extension);
    ext_bytes_ += ext.size();
    if (ext_bytes_ > limits_.max_header_bytes || !valid_extensions(ext))
      return fail(Error::bad_chunk_extension);
  }
  if (size == 0) {
    state_ = State::trailers;
    Step s = trailer_lines(in.substr(len + 1));
    if (s.status != Status::error) s.consumed += len + 1;
    return s;
  }
  if (size > limits_.max_body || received_ + size > limits_.max_body)
    return fail(Error::body_too_large);
  remaining_ = size;
  state_ = State::data;
  return Step{len + 1, Status::need_more, {}};
}

BodyDecoder::Step BodyDecoder::trailer_lines(std::string_view in) {
  std::size_t pos = 0;
  while (true) {
    std::string_view rest = in.substr(pos);
    const void* nl = rest.empty() ? nullptr : std::memchr(rest.data(), '\n', rest.size());
    if (!nl) {
      if (trailer_bytes_ + rest.size() > limits_.max_header_bytes)
        return fail(Error::headers_too_large);
      return Step{pos, Status::need_more, {}};
    }
    std::size_t len = std::size_t(static_cast<const char*>(nl) - rest.data());
    if (len == 0 || rest[len - 1] != '\r') return fail(Error::bare_lf);
    std::string_view line = rest.substr(0, len - 1);
    pos += len + 1;
    trailer_bytes_ += len + 1;
    if (trailer_bytes_ > limits_.max_header_bytes) return fail(Error::headers_too_large);
    if (line.empty()) {
      state_ = State::done;
      return Step{pos, Status::done, {}};
    }
    if (++trailer_count_ > limits_.max_headers) return fail(Error::too_many_headers);
    std::string_view name, value;
    if (Error e = parse_field_line(line, name, value); e != Error::none) return fail(e);
    if (trailers_ && !forbidden_trailer(name)) trailers_->add(name, value);
  }
}

}  // namespace strata::codec::http1
