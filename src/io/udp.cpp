#include "io/udp.hpp"

#include <fcntl.h>
#include <netinet/udp.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

namespace strata::io {

int set_udp_buffers(int fd, int bytes) {
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof bytes) != 0)
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
  int got = 0;
  socklen_t len = sizeof got;
  ::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len);
  return got;
}

std::vector<int> open_reuseport_udp(const boost::asio::ip::udp::endpoint& ep, unsigned count) {
  std::vector<int> fds;
  auto fail = [&](const char* what) {
    int e = errno;
    for (int fd : fds) ::close(fd);
    throw std::runtime_error(std::string("udp ") + what + " " + ep.address().to_string() + ":" +
                             std::to_string(ep.port()) + ": " + std::strerror(e));
  };
  boost::asio::ip::udp::endpoint bind_ep = ep;
  for (unsigned i = 0; i < count; ++i) {
    int fam = ep.address().is_v6() ? AF_INET6 : AF_INET;
    int fd = ::socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket");
    fds.push_back(fd);
    int one = 1, zero = 0;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) fail("SO_REUSEPORT");
    if (fam == AF_INET6) {
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
      ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof one);
    }
    ::setsockopt(fd, IPPROTO_IP, IP_RECVTOS, &one, sizeof one);
    set_udp_buffers(fd, 8 << 20);
    if (::bind(fd, bind_ep.data(), bind_ep.size()) != 0) fail("bind");
    if (bind_ep.port() == 0) {  // every socket shares the port the first one got
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
      bind_ep.resize(len);
      std::memcpy(bind_ep.data(), &ss, len);
    }
  }
  return fds;
}

bool enable_udp_gro(int fd) {
  int one = 1;
  return ::setsockopt(fd, IPPROTO_UDP, UDP_GRO, &one, sizeof one) == 0;
}

RecvBatch::RecvBatch(std::size_t slots, std::size_t size)
    : size_(size),
      buf_(new std::uint8_t[slots * size]),
      names_(slots),
      hdrs_(slots),
      iov_(slots),
      ctrl_(slots) {
  dgrams_.reserve(slots);
}

std::span<Datagram> RecvBatch::receive(int fd, int* err) {
  *err = 0;
  for (std::size_t i = 0; i < hdrs_.size(); ++i) {
    iov_[i] = {buf_.get() + i * size_, size_};
    auto& h = hdrs_[i].msg_hdr;
    h = {};
    h.msg_name = &names_[i];
    h.msg_namelen = sizeof(sockaddr_storage);
    h.msg_iov = &iov_[i];
    h.msg_iovlen = 1;
    h.msg_control = ctrl_[i].data();
    h.msg_controllen = ctrl_[i].size();
    hdrs_[i].msg_len = 0;
  }
  int n = ::recvmmsg(fd, hdrs_.data(), unsigned(hdrs_.size()), MSG_DONTWAIT, nullptr);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) *err = errno;
    return {};
  }
  dgrams_.clear();
  for (int i = 0; i < n; ++i) {
    auto& h = hdrs_[i].msg_hdr;
    if (h.msg_flags & MSG_TRUNC) continue;  // larger than any QUIC packet we accept
    Datagram d;
    std::memcpy(&d.remote, h.msg_name, h.msg_namelen);
    d.remote_len = h.msg_namelen;
    std::size_t segment = 0;  // with GRO: the size of each coalesced datagram
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
      if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS) ||
          (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS)) {
        int v = 0;
        std::memcpy(&v, CMSG_DATA(c), c->cmsg_len > CMSG_LEN(1) ? sizeof(int) : 1);
        d.ecn = std::uint8_t(v & 0x3);
      } else if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_GRO) {
        int v = 0;
        std::memcpy(&v, CMSG_DATA(c), sizeof v);
        if (v > 0) segment = std::size_t(v);
      }
    }
    std::uint8_t* base = buf_.get() + std::size_t(i) * size_;
    const std::size_t len = hdrs_[i].msg_len;
    if (segment == 0 || segment >= len) segment = len;
    std::size_t off = 0;
    do {  // an empty datagram is still one datagram
      d.data = std::span<std::uint8_t>(base + off, std::min(segment, len - off));
      dgrams_.push_back(d);
      off += segment;
    } while (off < len);
  }
  return std::span<Datagram>(dgrams_.data(), dgrams_.size());
}

namespace {

bool blocked(int e) { return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS; }

}  // namespace

SendResult send_datagrams(int fd, const sockaddr* remote, socklen_t len, const std::uint8_t* data,
                          std::size_t n, std::size_t segment, std::uint8_t ecn, bool& gso,
                          std::size_t* sent) {
  *sent = 0;
  (void)ecn;  // packets go out not-ECT: ngtcp2's ECN validation then turns ECN off
  if (segment == 0 || segment > n) segment = n;
  if (gso && n > segment) {
    iovec iov{const_cast<std::uint8_t*>(data), n};
    alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(std::uint16_t))] = {};
    msghdr h{};
    h.msg_name = const_cast<sockaddr*>(remote);
    h.msg_namelen = len;
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    h.msg_control = ctrl;
    h.msg_controllen = sizeof ctrl;
    cmsghdr* c = CMSG_FIRSTHDR(&h);
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
    std::uint16_t seg = std::uint16_t(segment);
    std::memcpy(CMSG_DATA(c), &seg, sizeof seg);
    for (;;) {
      ssize_t r = ::sendmsg(fd, &h, 0);
      if (r >= 0) {
        *sent = n;
        return SendResult::ok;
      }
      if (errno == EINTR) continue;
      if (blocked(errno)) return SendResult::would_block;
      if (errno == EIO || errno == EINVAL || errno == EOPNOTSUPP) {
        gso = false;  // no GSO here: fall through to sendmmsg
        break;
      }
      return SendResult::error;
    }
  }
  constexpr std::size_t kMax = 64;
  std::array<mmsghdr, kMax> msgs;
  std::array<iovec, kMax> iovs;
  std::size_t off = 0;
  while (off < n) {
    std::size_t cnt = 0;
    for (std::size_t o = off; o < n && cnt < kMax; o += segment, ++cnt) {
      iovs[cnt] = {const_cast<std::uint8_t*>(data + o), std::min(segment, n - o)};
      msgs[cnt] = {};
      msgs[cnt].msg_hdr.msg_name = const_cast<sockaddr*>(remote);
      msgs[cnt].msg_hdr.msg_namelen = len;
      msgs[cnt].msg_hdr.msg_iov = &iovs[cnt];
      msgs[cnt].msg_hdr.msg_iovlen = 1;
    }
    int r = ::sendmmsg(fd, msgs.data(), unsigned(cnt), 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (blocked(errno)) return SendResult::would_block;
      return SendResult::error;
    }
    for (int i = 0; i < r; ++i) off += iovs[i].iov_len;
    *sent = off;
    if (std::size_t(r) < cnt) return SendResult::would_block;
  }
  return SendResult::ok;
}

}  // namespace strata::io
