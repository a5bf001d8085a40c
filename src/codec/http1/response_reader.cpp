#include "codec/http1/response_reader.hpp"

#include <limits>

namespace strata::codec::http1 {

ResponseReader::ResponseReader(bool keep_fields, const Limits& limits) {
  Limits l = limits;
  l.max_body = std::numeric_limits<std::uint64_t>::max();
  parser_.set_limits(l);
  parser_.set_fields(keep_fields ? ResponseParser::Fields::all : ResponseParser::Fields::none);
  reset();
}

void ResponseReader::reset(bool head_request) {
  parser_.start(&resp_, head_request);
  body_.start_none();
  error_ = Error::none;
  head_done_ = done_ = false;
  body_bytes_ = 0;
}

std::string_view ResponseReader::error() const {
  return error_ == Error::none ? std::string_view() : reason(error_);
}

ResponseReader::Status ResponseReader::parse(std::string_view in, std::size_t& consumed) {
  consumed = 0;
  if (error_ != Error::none) return Status::error;
  while (!head_done_) {
    const auto r = parser_.parse(in.substr(consumed));
    consumed += r.consumed;
    if (r.status == ResponseParser::Status::error) {
      error_ = parser_.error();
      return Status::error;
    }
    if (r.status == ResponseParser::Status::need_more) return Status::need_more;
    if (parser_.facts().interim) {
      parser_.next(&resp_);
      continue;
    }
    head_done_ = true;
    parser_.start_body(body_, nullptr);
  }
  while (!done_) {
    const auto s = body_.step(in.substr(consumed), std::numeric_limits<std::size_t>::max());
    consumed += s.consumed;
    switch (s.status) {
      case BodyDecoder::Status::error:
        error_ = body_.error();
        return Status::error;
      case BodyDecoder::Status::data:
        body_bytes_ += s.data.size();
        break;
      case BodyDecoder::Status::done:
        done_ = true;
        break;
      case BodyDecoder::Status::need_more:
        if (consumed == in.size() || s.consumed == 0) return Status::need_more;
        break;
    }
    if (body_.done()) done_ = true;
  }
  return Status::done;
}

ResponseReader::Status ResponseReader::finish_on_eof() {
  if (done_) return Status::done;
  if (error_ == Error::none && head_done_ && body_.finish_on_eof()) {
    done_ = true;
    return Status::done;
  }
  if (error_ == Error::none) error_ = head_done_ ? body_.error() : Error::incomplete_message;
  return Status::error;
}

}  // namespace strata::codec::http1
