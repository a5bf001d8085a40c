// Session ticket keys shared by every TLS context of the process, so a
// ticket issued by one worker (or before a reload) resumes on another.
// The current key encrypts new tickets and is replaced every `rotation`;
// a replaced key still decrypts (and triggers a renewed ticket) for two more
// rotation periods, then is forgotten. Rotation is lazy: it happens when a
// key is asked for, using the injected clock. Thread-safe (one mutex, held
// for a few copies; taken only during TLS handshakes).
#pragma once
#include <array>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>

#include "core/clock.hpp"

namespace strata::io {

class TicketKeyRing {
 public:
  struct Key {
    std::array<unsigned char, 16> name{};  // sent in the ticket, to find the key again
    std::array<unsigned char, 32> aes{};   // AES-256-CBC key
    std::array<unsigned char, 32> hmac{};  // HMAC-SHA256 key
  };
  struct Found {
    Key key;
    bool current = false;  // false: decrypt, then issue a fresh ticket
  };

  // `rotation` must be positive (a non-positive value is treated as 1 s).
  // `clock` must outlive the ring.
  explicit TicketKeyRing(std::chrono::milliseconds rotation,
                         const core::Clock& clock = core::SteadyClock::instance());

  // The key to encrypt a new ticket with (rotating first if due).
  Key current();
  // The key named `name` if it is still accepted for decryption.
  std::optional<Found> find(std::span<const unsigned char, 16> name);
  // Number of keys currently held (current + still-accepted old ones), after
  // rotating/expiring as of now. At most 3.
  std::size_t size();
  void set_rotation(std::chrono::milliseconds rotation);

  // The process-wide ring for this rotation period (one per distinct value),
  // on the steady clock. Lives until process exit.
  static std::shared_ptr<TicketKeyRing> process_wide(std::chrono::milliseconds rotation);

 private:
  struct Slot {
    Key key;
    core::Clock::time_point created;
    core::Clock::time_point retired;  // valid for old keys only
  };
  void maintain_locked(core::Clock::time_point now);

  const core::Clock& clock_;
  std::mutex mu_;
  std::chrono::milliseconds rotation_;
  std::deque<Slot> keys_;  // front = current
};

}  // namespace strata::io
