// Response bodies sent from a file region (zero copy where the codec can).
// An Exchange that can send a file region itself (HTTP/1.1 over plain TCP:
// sendfile(2)) also implements FileBodySink; decorators that pass the body
// through unchanged implement it by forwarding. send_file_body() is what
// callers use: natively when the exchange can, otherwise the bytes go
// through send_body. Same thread rules as http::Exchange.
#pragma once
#include <cstdint>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

namespace strata::http {

class Exchange;

class FileBodySink {
 public:
  // True when send_file() on this exchange, now that the head is out, sends
  // without copying the bytes through user space.
  virtual bool native_send_file() const = 0;
  // `len` bytes at `offset` of `fd`, which the caller keeps open and
  // unchanged until this completes; same contract as Exchange::send_body
  // (backpressure, end_stream, framing of the announced content-length).
  virtual boost::asio::awaitable<boost::system::error_code> send_file(int fd, std::uint64_t offset,
                                                                     std::uint64_t len,
                                                                     bool end_stream) = 0;

 protected:
  ~FileBodySink() = default;
};

// The exchange's FileBodySink when it has one that is native now, else null.
FileBodySink* native_file_sink(Exchange& ex);

// Sends `len` bytes at `offset` of `fd` as (the rest of) the body of `ex`:
// with FileBodySink::send_file when native, otherwise with send_body from
// `mapped` (the same bytes, when the caller has them in memory; empty:
// read from the file with pread, 64 KiB at a time).
boost::asio::awaitable<boost::system::error_code> send_file_body(Exchange& ex, int fd,
                                                                 std::uint64_t offset,
                                                                 std::uint64_t len,
                                                                 std::string_view mapped,
                                                                 bool end_stream);

}  // namespace strata::http
