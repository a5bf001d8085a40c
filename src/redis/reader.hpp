// Turns bytes from a Redis node into Reply values with hiredis's reply
// reader (redisReader with our own object functions: the tree is built as
// redis::Reply directly, no redisReply copy). Enforces a size limit: a
// reply over `max_reply` bytes (a bulk string announcing more, an array
// announcing more elements than could fit, or bytes buffered for one
// unfinished reply) is rejected before it is buffered whole.
// After an error the reader stays failed until reset().
// Thread: one user at a time. hiredis types stay in reader.cpp.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "redis/reply.hpp"

namespace strata::redis {

class Reader {
 public:
  enum class Status : std::uint8_t {
    reply,       // `out` holds the next reply
    incomplete,  // feed more bytes
    malformed,   // not RESP (error() says why)
    too_large,   // over max_reply (error() says why)
  };
  explicit Reader(std::uint64_t max_reply);
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  void feed(const char* data, std::size_t n);
  Status next(Reply& out);
  // Why the last next() failed.
  const std::string& error() const;
  // Empty and ready again (after a reconnect).
  void reset();
  std::uint64_t max_reply() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::redis
