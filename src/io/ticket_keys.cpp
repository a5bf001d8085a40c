#include "io/ticket_keys.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <stdexcept>

#include <openssl/rand.h>

namespace strata::io {

namespace {

std::chrono::milliseconds sane(std::chrono::milliseconds r) {
  return r.count() > 0 ? r : std::chrono::milliseconds(1000);
}

TicketKeyRing::Key random_key() {
  TicketKeyRing::Key k;
  if (RAND_bytes(k.name.data(), int(k.name.size())) != 1 ||
      RAND_bytes(k.aes.data(), int(k.aes.size())) != 1 ||
      RAND_bytes(k.hmac.data(), int(k.hmac.size())) != 1)
    throw std::runtime_error("tls: RAND_bytes failed generating a session ticket key");
  return k;
}

}  // namespace

TicketKeyRing::TicketKeyRing(std::chrono::milliseconds rotation, const core::Clock& clock)
    : clock_(clock), rotation_(sane(rotation)) {}

void TicketKeyRing::maintain_locked(core::Clock::time_point now) {
  if (keys_.empty() || now - keys_.front().created >= rotation_) {
    if (!keys_.empty()) keys_.front().retired = now;
    keys_.push_front(Slot{random_key(), now, {}});
  }
  // Old keys decrypt for two rotation periods after they were replaced.
  while (keys_.size() > 1 && now - keys_.back().retired >= 2 * rotation_) keys_.pop_back();
  while (keys_.size() > 3) keys_.pop_back();
}

TicketKeyRing::Key TicketKeyRing::current() {
  std::lock_guard lk(mu_);
  maintain_locked(clock_.now());
  return keys_.front().key;
}

std::optional<TicketKeyRing::Found> TicketKeyRing::find(std::span<const unsigned char, 16> name) {
  std::lock_guard lk(mu_);
  maintain_locked(clock_.now());
  for (std::size_t i = 0; i < keys_.size(); ++i)
    if (std::memcmp(keys_[i].key.name.data(), name.data(), name.size()) == 0)
      return Found{keys_[i].key, i == 0};
  return std::nullopt;
}

std::size_t TicketKeyRing::size() {
  std::lock_guard lk(mu_);
  maintain_locked(clock_.now());
  return keys_.size();
}

void TicketKeyRing::set_rotation(std::chrono::milliseconds rotation) {
  std::lock_guard lk(mu_);
  rotation_ = sane(rotation);
}

std::shared_ptr<TicketKeyRing> TicketKeyRing::process_wide(std::chrono::milliseconds rotation) {
  static std::mutex mu;
  static std::map<long long, std::shared_ptr<TicketKeyRing>> rings;
  std::lock_guard lk(mu);
  auto& r = rings[sane(rotation).count()];
  if (!r) r = std::make_shared<TicketKeyRing>(rotation);
  return r;
}

}  // namespace strata::io
