// `strata lab`: the link between the client and server namespaces. Two TUN
// devices (one moved into each namespace) and a thread that copies every IP
// packet from one to the other after a one-way delay, dropping a fraction
// (loss). This is the "delay relay of our own" for kernels without the
// netem qdisc: it delays at the packet level, so the TCP handshake, TLS and
// QUIC all pay the round trip, as on a real path. Thread: its own; start()
// and the destructor on the owner's thread.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace strata::tools::lab {

struct LinkShape {
  double one_way_ms = 0;  // added in each direction: RTT = 2 x one_way_ms
  double loss = 0;        // fraction of packets dropped, each direction
  std::uint64_t seed = 1;
};

class TunRelay {
 public:
  // Creates TUN devices `a` and `b` (IFF_TUN | IFF_NO_PI) in the current
  // namespace; throws std::runtime_error (needs CAP_NET_ADMIN).
  TunRelay(const std::string& a, const std::string& b, LinkShape shape);
  ~TunRelay();
  TunRelay(const TunRelay&) = delete;
  TunRelay& operator=(const TunRelay&) = delete;

  void start();
  // Changes the one-way delay for packets read from now on (any thread).
  void set_one_way_ms(double ms) { delay_us_.store(static_cast<long>(ms * 1000)); }
  // Changes the fraction of packets dropped from now on (any thread).
  void set_loss(double fraction) { loss_.store(fraction); }
  std::uint64_t forwarded() const { return forwarded_.load(); }
  std::uint64_t dropped() const { return dropped_.load(); }

 private:
  void run();
  int fd_a_ = -1, fd_b_ = -1;
  LinkShape shape_;
  std::atomic<bool> stop_{false};
  std::atomic<long> delay_us_{0};
  std::atomic<double> loss_{0};
  std::atomic<std::uint64_t> forwarded_{0}, dropped_{0};
  std::thread thread_;
};

}  // namespace strata::tools::lab
