// Hop-by-hop header removal (RFC 9110 7.6.1) for a message forwarded to the
// next hop. Pure function, no I/O.
#pragma once
#include <array>
#include <string_view>
#include <vector>

#include "http/headers.hpp"

namespace strata::filter::forwarding {

// Which fields of a message are hop-by-hop (RFC 9110 7.6.1): Connection and
// every field it lists, Keep-Alive, Proxy-Connection, Transfer-Encoding,
// Upgrade, HTTP2-Settings and TE; and whether a TE asked for trailers.
// Reads the list once; holds views into its values (`h` must outlive it,
// removing fields from it does not free them).
class HopByHop {
 public:
  explicit HopByHop(const http::Headers& h);
  bool drops(std::string_view name) const;
  bool trailers() const { return trailers_; }

 private:
  std::array<std::string_view, 8> few_;  // the first Connection tokens, no allocation
  std::size_t n_few_ = 0;
  std::vector<std::string_view> more_;
  bool trailers_ = false;
};

// Removes Connection and every field it lists, Keep-Alive, Proxy-Connection,
// Transfer-Encoding, Upgrade, HTTP2-Settings and TE (a TE that contained
// "trailers" is replaced by "te: trailers", which HTTP/2 also allows).
// Returns true when the request asked for trailers via TE.
bool strip_hop_by_hop(http::Headers& h);

}  // namespace strata::filter::forwarding
