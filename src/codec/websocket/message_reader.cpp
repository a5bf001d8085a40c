#include "codec/websocket/message_reader.hpp"

#include "codec/websocket/close.hpp"
#include "codec/websocket/deflate.hpp"

namespace strata::codec::websocket {

MessageReader::MessageReader(Role role, Limits limits)
    : parser_(role, FrameParser::Limits{limits.max_frame}), max_message_(limits.max_message) {}

MessageReader::~MessageReader() = default;

void MessageReader::enable_inflate(int window_bits, bool no_context_takeover) {
  inflater_ = std::make_unique<Inflater>(window_bits, no_context_takeover);
  parser_.set_allow_rsv1(true);
}

MessageReader::Event MessageReader::fail(Error e) {
  error_ = e;
  std::string().swap(buf_);
  Event ev;
  ev.kind = Event::Kind::error;
  ev.error = e;
  ev.code = close_code(e);
  return ev;
}

MessageReader::Event MessageReader::control(Opcode op, std::string_view payload) {
  Event ev;
  ev.opcode = op;
  ev.payload = payload;
  if (op == Opcode::ping) {
    ev.kind = Event::Kind::ping;
  } else if (op == Opcode::pong) {
    ev.kind = Event::Kind::pong;
  } else {
    CloseInfo info;
    if (Error e = parse_close_payload(payload, info); e != Error::none) return fail(e);
    ev.kind = Event::Kind::close;
    ev.code = info.code;
    ev.payload = info.reason;
    closed_ = true;
  }
  return ev;
}

MessageReader::Event MessageReader::next(std::span<char>& in) {
  // Drop what the previous event pointed into.
  if (release_ == Release::message) {
    std::string().swap(buf_);
  } else if (release_ == Release::control) {
    buf_.resize(ctl_start_);
    if (buf_.empty()) std::string().swap(buf_);
  }
  release_ = Release::none;
  if (error_ != Error::none) {
    in = {};
    Event ev;
    ev.kind = Event::Kind::error;
    ev.error = error_;
    ev.code = close_code(error_);
    return ev;
  }
  if (closed_) {
    in = {};
    return Event{};
  }
  while (true) {
    const FrameParser::Result r = parser_.parse(in);
    in = in.subspan(r.consumed);
    if (r.status == FrameParser::Status::need_more) return Event{};
    if (r.status == FrameParser::Status::error) return fail(parser_.error());
    const FrameHeader& h = parser_.header();
    const std::string_view piece(r.payload.data(), r.payload.size());

    if (is_control(h.opcode)) {
      if (r.first && r.last) return control(h.opcode, piece);
      if (r.first) ctl_start_ = buf_.size();
      buf_.append(piece);
      if (!r.last) continue;  // `in` is empty: the next call returns need_more
      release_ = Release::control;
      return control(h.opcode, std::string_view(buf_).substr(ctl_start_));
    }

    // Data frame (the parser checked the fragmentation sequence).
    if (r.first && h.opcode != Opcode::continuation) {
      opcode_ = h.opcode;
      compressed_ = h.rsv1;
      wire_size_ = 0;
      utf8_.reset();
    }
    wire_size_ += piece.size();
    if (wire_size_ > max_message_) return fail(Error::message_too_big);
    const bool end = r.last && h.fin;
    const bool text = opcode_ == Opcode::text;
    if (compressed_) {
      const std::size_t before = buf_.size();
      Error e = inflater_->inflate(piece, buf_, std::size_t(max_message_));
      if (e == Error::none && end) e = inflater_->finish(buf_, std::size_t(max_message_));
      if (e != Error::none) return fail(e);
      if (text && !utf8_.feed(std::string_view(buf_).substr(before))) return fail(Error::invalid_utf8);
    } else if (end && r.first && h.opcode != Opcode::continuation) {
      // The whole message is one frame inside this input: no copy.
      if (text && !is_valid_utf8(piece)) return fail(Error::invalid_utf8);
      Event ev;
      ev.kind = Event::Kind::message;
      ev.opcode = opcode_;
      ev.payload = piece;
      return ev;
    } else {
      if (text && !utf8_.feed(piece)) return fail(Error::invalid_utf8);
      buf_.append(piece);
    }
    if (!end) continue;
    if (text && !utf8_.complete()) return fail(Error::invalid_utf8);
    release_ = Release::message;
    Event ev;
    ev.kind = Event::Kind::message;
    ev.opcode = opcode_;
    ev.compressed = compressed_;
    ev.payload = buf_;
    return ev;
  }
}

}  // namespace strata::codec::websocket
