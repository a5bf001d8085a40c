// A receive buffer for stream sockets that keeps Asio's epoll reactor from
// issuing a read it already knows will fail with EAGAIN.
//
// Asio registers every socket edge-triggered and, once an edge was seen,
// tries each new read at once ("speculatively") before queueing it; it stops
// only after a read returns 0 bytes. So a connection that reads a request,
// answers it and reads again pays a recvfrom that returns EAGAIN every time
// (and so does an upstream read issued right after its request is written).
// Reading through EdgeReadBuffer (socket.async_read_some(EdgeReadBuffer{b}))
// marks the socket exhausted also after a short read (fewer bytes than the
// buffer holds): on a stream socket that means the receive queue was empty
// when recv returned, so every byte that arrives later raises a new edge.
// The reactor then queues the next read without trying it and performs it on
// that edge, exactly as nginx's "ready = 0 after a short read" does. A full
// read (as many bytes as the buffer holds) keeps the speculative try.
// Except: a FIN (or reset) queued behind the bytes ends the read short and
// raises no later edge, so a read that must see EOF promptly tries a recv
// first (io::Transport::read_some does; read_turn, for turn-taking reads
// bounded by a deadline, does not). TCP urgent data likewise.
// No byte is lost: the flag is cleared inside the reactor's own perform
// step (under its descriptor lock, before any later edge is processed), and
// an edge that arrives afterwards sets it again and performs queued reads.
//
// Every read through it that found no bytes (EAGAIN) is counted in
// strata_io_read_would_block_total. Epoll/select reactor only; with Asio's
// io_uring backend the buffer is an ordinary single buffer.
// Pinned to Boost 1.81's reactor internals (CMake requires 1.81 EXACT).
#pragma once
#include <boost/asio/buffer.hpp>
#include <boost/asio/detail/reactive_socket_recv_op.hpp>
#include <boost/version.hpp>

static_assert(BOOST_VERSION == 108100,
              "io/edge_read.hpp specializes Boost 1.81's reactive_socket_recv_op_base: re-check it");

namespace strata::io {

// One mutable buffer, as a MutableBufferSequence of its own type.
struct EdgeReadBuffer {
  boost::asio::mutable_buffer b;
  const boost::asio::mutable_buffer* begin() const { return &b; }
  const boost::asio::mutable_buffer* end() const { return &b + 1; }
};

// Counts a read through EdgeReadBuffer that returned EAGAIN (any thread).
void note_read_would_block();
// The count so far (tests, the metric).
unsigned long long read_would_block_count();

}  // namespace strata::io

namespace boost::asio::detail {

// The reactor's receive operation for EdgeReadBuffer: one recv, and
// done_and_exhausted after a short read (see above).
template <>
class reactive_socket_recv_op_base<strata::io::EdgeReadBuffer> : public reactor_op {
 public:
  reactive_socket_recv_op_base(const boost::system::error_code& success_ec, socket_type socket,
                               socket_ops::state_type state, const strata::io::EdgeReadBuffer& buffers,
                               socket_base::message_flags flags, func_type complete_func)
      : reactor_op(success_ec, &reactive_socket_recv_op_base::do_perform, complete_func),
        socket_(socket),
        state_(state),
        buffer_(buffers.b),
        flags_(flags) {}

  static status do_perform(reactor_op* base) {
    auto* o = static_cast<reactive_socket_recv_op_base*>(base);
    const bool stream = (o->state_ & socket_ops::stream_oriented) != 0;
    if (!socket_ops::non_blocking_recv1(o->socket_, o->buffer_.data(), o->buffer_.size(), o->flags_,
                                        stream, o->ec_, o->bytes_transferred_)) {
      strata::io::note_read_would_block();
      return not_done;
    }
    // EOF and errors carry no bytes; a short read drained the queue.
    if (stream && (o->ec_ || o->bytes_transferred_ < o->buffer_.size())) return done_and_exhausted;
    return done;
  }

 private:
  socket_type socket_;
  socket_ops::state_type state_;
  boost::asio::mutable_buffer buffer_;
  socket_base::message_flags flags_;
};

}  // namespace boost::asio::detail
