#include "filter/forwarding/request_id.hpp"

#include <gtest/gtest.h>

namespace strata::filter::forwarding {
namespace {

TEST(ForwardingRequestId, KeepsValidIncoming) {
  core::FastRng rng(1);
  http::Headers h;
  h.add("x-request-id", "abc-123_x.y:z");
  EXPECT_EQ(ensure_request_id(h, rng), "abc-123_x.y:z");
  EXPECT_EQ(h.get("x-request-id"), "abc-123_x.y:z");
}

TEST(ForwardingRequestId, ReplacesInvalidOrMissing) {
  core::FastRng rng(1);
  http::Headers h;
  h.add("x-request-id", "bad id with spaces");
  const auto id = ensure_request_id(h, rng);
  EXPECT_NE(id, "bad id with spaces");
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
  EXPECT_EQ(id[8], '-');
  EXPECT_EQ(id[23], '-');
  EXPECT_TRUE(valid_request_id(id));
  http::Headers empty;
  EXPECT_NE(ensure_request_id(empty, rng), id);
  EXPECT_FALSE(valid_request_id(std::string(129, 'a')));
}

}  // namespace
}  // namespace strata::filter::forwarding
