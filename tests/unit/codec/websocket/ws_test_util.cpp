#include "unit/codec/websocket/ws_test_util.hpp"

#include <gtest/gtest.h>

namespace strata::codec::websocket::test {

std::vector<Ev> run_all_splits(const std::string& wire, MessageReader::Limits limits, bool inflate,
                               bool inflate_no_context) {
  std::vector<Ev> first;
  bool have = false;
  for (std::size_t chunk : {std::size_t(0), std::size_t(1), std::size_t(2), std::size_t(3),
                            std::size_t(5), std::size_t(7), std::size_t(64)}) {
    MessageReader r(Role::server, limits);
    if (inflate) r.enable_inflate(15, inflate_no_context);
    auto evs = drive(r, wire, chunk);
    if (!have) {
      first = evs;
      have = true;
    } else {
      EXPECT_TRUE(evs == first) << "split " << chunk << " gave different events";
    }
  }
  return first;
}

}  // namespace strata::codec::websocket::test
