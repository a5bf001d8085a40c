// `strata lab`: a site of static files served by one strata in the server
// namespace (hol, migration). Owner's thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace strata::tools::lab {

// Writes `size` deterministic, incompressible-enough bytes (xorshift64
// from `seed`, which must not be 0) to `path`.
void write_pattern_file(const std::string& path, std::size_t size, std::uint64_t seed);

// Makes `dir`/www and writes `dir`/strata.yaml: one worker, a TLS listener
// (self-signed, h1 h2 h3) on the server address, port 8443, serving
// `dir`/www; with `admin`, the admin listener on 127.0.0.1:9901 (the server
// namespace's own loopback). A non-empty `congestion` sets the QUIC
// listener's controller (`quic: {congestion: ...}`; default: strata's).
// Returns the config's path.
std::string write_files_site(const std::string& dir, bool admin, const std::string& congestion = "");

}  // namespace strata::tools::lab
