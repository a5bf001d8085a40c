// The result of one read: an error or a byte count (0 with no error = the
// end of a body). Below io/ and http/ so a byte stream (io::Transport) and
// an exchange (http::Exchange) share it without including each other.
#pragma once
#include <cstddef>

#include <boost/system/error_code.hpp>

namespace strata::core {

struct IoResult {
  boost::system::error_code ec;
  std::size_t n = 0;
};

}  // namespace strata::core
