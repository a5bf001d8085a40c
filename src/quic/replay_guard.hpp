// 0-RTT replay guard (RFC 8470 §3, RFC 9001 §9.2): remembers fingerprints of
// requests that arrived in TLS early data for a time window and reports a
// second sighting as a replay, so the caller can answer 425 Too Early (or
// refuse early data) instead of acting twice.
//
// Bounded: at most max_entries live fingerprints; when that many unexpired
// entries exist, check() answers `full` and the caller rejects the early
// request (fails closed: the client retries after the handshake). Expiry is
// amortised O(1): entries sit in a FIFO ordered by expiry (the window is
// fixed and the clock monotonic) and are dropped from its front as time
// passes, plus a hash map for lookups.
//
// Thread: process-wide and thread-safe behind one mutex. It is consulted only
// for requests that arrive in 0-RTT early data, never on the normal (1-RTT)
// request path, so the lock is not on the hot path.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string_view>
#include <unordered_set>

#include "core/clock.hpp"

namespace strata::quic {

class ReplayGuard {
 public:
  /// max_entries: bound on remembered fingerprints (0 -> every check is `full`);
  /// window: how long a fingerprint is remembered (should cover the ticket's
  /// 0-RTT acceptance window). The clock must outlive the guard.
  ReplayGuard(std::size_t max_entries, std::chrono::nanoseconds window,
              const core::Clock& clock);

  enum class Verdict { fresh, replay, full };
  /// fresh: first sight within the window, now remembered; replay: seen
  /// within the window; full: max_entries live (unexpired) entries -> caller
  /// rejects (fails closed).
  Verdict check(std::uint64_t key);

  /// Live entries (expired ones are dropped lazily on check()/size()).
  std::size_t size() const;

  /// xxh3-64 (seeded with a per-process random seed, so collisions cannot be
  /// precomputed) over the TLS ClientHello bytes (which carry the ticket) and
  /// the request method, authority and path, each prefixed by its 64-bit
  /// length so bytes cannot move between fields. Stable within one process.
  static std::uint64_t fingerprint(std::string_view client_hello, std::string_view method,
                                   std::string_view authority, std::string_view path);

 private:
  struct Entry {
    core::Clock::time_point expiry;
    std::uint64_t key;
  };
  void expire_locked(core::Clock::time_point now) const;

  const std::size_t max_entries_;
  const std::chrono::nanoseconds window_;
  const core::Clock& clock_;
  mutable std::mutex mu_;
  mutable std::deque<Entry> fifo_;                       // ordered by expiry
  mutable std::unordered_set<std::uint64_t> live_;  // keys in fifo_
};

}  // namespace strata::quic
