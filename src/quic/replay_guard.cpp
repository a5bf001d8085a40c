#include "quic/replay_guard.hpp"

#include <openssl/rand.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace strata::quic {

namespace {

std::uint64_t process_seed() {
  static const std::uint64_t seed = [] {
    std::uint64_t s = 0;
    // On CSPRNG failure the seed stays 0: fingerprints still work, they are
    // just predictable (collisions could be precomputed).
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&s), sizeof s) != 1) s = 0;
    return s;
  }();
  return seed;
}

void update_field(XXH3_state_t& st, std::string_view field) {
  unsigned char len[8];
  std::uint64_t n = field.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
  XXH3_64bits_update(&st, len, sizeof len);
  XXH3_64bits_update(&st, field.data(), field.size());
}

}  // namespace

ReplayGuard::ReplayGuard(std::size_t max_entries, std::chrono::nanoseconds window,
                         const core::Clock& clock)
    : max_entries_(max_entries), window_(window), clock_(clock) {}

void ReplayGuard::expire_locked(core::Clock::time_point now) const {
  while (!fifo_.empty() && fifo_.front().expiry <= now) {
    // Each live key has exactly one FIFO entry: a key is re-inserted only
    // after its previous entry expired, and expired entries are popped first.
    live_.erase(fifo_.front().key);
    fifo_.pop_front();
  }
}

ReplayGuard::Verdict ReplayGuard::check(std::uint64_t key) {
  const auto now = clock_.now();
  std::lock_guard lock(mu_);
  expire_locked(now);
  if (live_.contains(key)) return Verdict::replay;
  if (live_.size() >= max_entries_) return Verdict::full;
  const auto expiry = now + window_;
  live_.insert(key);
  fifo_.push_back(Entry{expiry, key});
  return Verdict::fresh;
}

std::size_t ReplayGuard::size() const {
  const auto now = clock_.now();
  std::lock_guard lock(mu_);
  expire_locked(now);
  return live_.size();
}

std::uint64_t ReplayGuard::fingerprint(std::string_view client_hello, std::string_view method,
                                       std::string_view authority, std::string_view path) {
  XXH3_state_t st;
  XXH3_64bits_reset_withSeed(&st, process_seed());
  update_field(st, client_hello);
  update_field(st, method);
  update_field(st, authority);
  update_field(st, path);
  return XXH3_64bits_digest(&st);
}

}  // namespace strata::quic
