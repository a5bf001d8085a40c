// UDP sockets for QUIC: one SO_REUSEPORT socket per worker on the same
// address (dual-stack for "[::]"), batched receive (recvmmsg) and batched
// send (UDP GSO via UDP_SEGMENT when the kernel has it, else sendmmsg).
// Plain non-blocking fds; the caller waits for readiness with Asio.
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <boost/asio/ip/udp.hpp>

namespace strata::io {

// Opens `count` non-blocking UDP sockets bound to `ep` with SO_REUSEPORT
// (IPV6_V6ONLY off for "::"), ECN reception on. Throws std::runtime_error.
std::vector<int> open_reuseport_udp(const boost::asio::ip::udp::endpoint& ep, unsigned count);

// Asks for `bytes` of kernel receive and send buffer on a UDP socket:
// SO_RCVBUFFORCE/SO_SNDBUFFORCE when permitted (root), else the plain
// options, which the kernel caps at net.core.rmem_max/wmem_max. QUIC on a
// fast path (loopback, LAN) drops packets at the default ~200 KiB, and
// every drop is a congestion event. Best effort; returns the receive size
// the kernel reports.
int set_udp_buffers(int fd, int bytes);

struct Datagram {
  sockaddr_storage remote{};
  socklen_t remote_len = 0;
  std::uint8_t ecn = 0;
  std::span<std::uint8_t> data;
};

// Turns on UDP generic receive offload: the kernel may hand a run of
// same-sized datagrams from one sender to a single recvmsg (up to 64 KiB,
// with their size in a UDP_GRO control message) instead of one skb and one
// socket wake-up per datagram. On loopback the sender's GSO batch then
// arrives whole. Receive buffers must hold 64 KiB; RecvBatch splits.
// Returns false when the kernel does not support it.
bool enable_udp_gro(int fd);

// Largest coalesced read with GRO on.
inline constexpr std::size_t kGroBufferSize = 65535;

// A reusable receive batch: up to `slots` reads of up to `size` bytes.
// Coalesced (GRO) reads are split back into their datagrams.
class RecvBatch {
 public:
  RecvBatch(std::size_t slots, std::size_t size);
  // recvmmsg into the batch; returns the datagrams received (empty when
  // the socket would block; truncated datagrams are dropped).
  std::span<Datagram> receive(int fd, int* err);

 private:
  std::size_t size_;
  std::unique_ptr<std::uint8_t[]> buf_;  // not zeroed: pages are touched as reads fill them
  std::vector<Datagram> dgrams_;            // the datagrams of the last receive()
  std::vector<sockaddr_storage> names_;     // per read slot: the sender's address
  std::vector<mmsghdr> hdrs_;
  std::vector<iovec> iov_;
  std::vector<std::array<char, 64>> ctrl_;
};

enum class SendResult { ok, would_block, error };

// Sends `data` as datagrams of `segment` bytes (the last may be shorter) to
// `remote`. With `gso` it tries one sendmsg with UDP_SEGMENT and clears
// `gso` when the kernel refuses it, then falls back to sendmmsg. On
// would_block, `*sent` tells how many bytes went out (whole segments).
// Packets go out not-ECT (`ecn` is accepted for the interface only).
SendResult send_datagrams(int fd, const sockaddr* remote, socklen_t len, const std::uint8_t* data,
                          std::size_t n, std::size_t segment, std::uint8_t ecn, bool& gso,
                          std::size_t* sent);

}  // namespace strata::io
