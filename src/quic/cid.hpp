// Server connection IDs that name their owning worker.
//
// Every connection ID the server issues is kServerCidLen bytes: byte 0 is the
// id of the worker thread that owns the connection, bytes 1.. are CSPRNG
// output. A packet that the kernel hands to the wrong worker (SO_REUSEPORT
// hashing after client migration or NAT rebinding) is forwarded to the owner
// named by cid_owner(). Pure functions; thread-safe.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace strata::quic {

/// Length of every connection ID the server issues (<= NGTCP2_MAX_CIDLEN 20).
inline constexpr std::size_t kServerCidLen = 18;

/// Highest worker count a CID can name (byte 0 holds the worker id).
inline constexpr unsigned kMaxCidWorkers = 256;

/// Writes a fresh server CID to out[0..kServerCidLen): out[0] = worker,
/// out[1..] = OpenSSL RAND_bytes. Returns false (out unspecified) when
/// worker >= kMaxCidWorkers or the CSPRNG fails.
bool make_server_cid(std::uint8_t* out, unsigned worker);

/// Owner of a DCID we issued: nullopt when dcid.size() != kServerCidLen or
/// dcid[0] >= workers (not ours, or from a config with more workers).
std::optional<unsigned> cid_owner(std::span<const std::uint8_t> dcid, unsigned workers);

}  // namespace strata::quic
