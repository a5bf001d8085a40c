#include "tools/load/hub_sub_stream.hpp"

#include <gtest/gtest.h>

#include "tools/load/hub_internal.hpp"
#include "tools/load/hub_payload.hpp"
#include "tools/load/ws_client_frames.hpp"

using namespace strata::tools::load;

namespace {

std::string server_frame(std::uint8_t b0, std::string_view payload) {
  std::string f;
  f.push_back(char(b0));
  f.push_back(char(payload.size()));  // < 126 here
  f.append(payload);
  return f;
}

struct Fixture {
  HubShared g;
  HubThread t{g, 0};
};

std::string stamped(std::uint64_t ts) { return "{\"push\":{\"pub\":{\"data\":" + make_payload(ts, 40) + "}}}"; }

}  // namespace

TEST(HubSubStream, WebSocketMessagesInAnySplitArePingedAndCounted) {
  const auto now = unix_us_now();
  const std::string wire = server_frame(0x81, "{\"push\":{\"subscribe\":{}}}") +  // no stamp
                           server_frame(0x89, "hb") +                            // ping
                           server_frame(0x01, stamped(now - 1000).substr(0, 20)) +  // fragmented
                           server_frame(0x80, stamped(now - 1000).substr(20)) +
                           server_frame(0x81, stamped(now - 2000));
  for (std::size_t step : {std::size_t(1), std::size_t(3), std::size_t(7), wire.size()}) {
    Fixture f;
    SubStream s(f.t, true, 1);
    std::string out;
    for (std::size_t i = 0; i < wire.size(); i += step)
      ASSERT_EQ(s.feed(std::string_view(wire).substr(i, step), out), SubStream::Result::more);
    EXPECT_EQ(f.t.st.deliveries, 2u) << step;
    EXPECT_EQ(f.t.st.other_messages, 1u);
    EXPECT_EQ(s.messages(), 2u);
    // ~1 ms and ~2 ms old (clock may tick between stamping and receipt)
    EXPECT_GE(f.t.st.delivery.min(), 900'000u);
    EXPECT_LT(f.t.st.delivery.max(), 1'000'000'000u);
    EXPECT_GT(f.g.last_delivery_us.load(), 0);
    // the pong: masked, opcode 10, payload "hb"
    ASSERT_EQ(out.size(), 2u + 4u + 2u);
    EXPECT_EQ(std::uint8_t(out[0]), 0x8A);
    EXPECT_EQ(std::uint8_t(out[1]), 0x80 | 2);
    EXPECT_EQ(char(out[6] ^ out[2]), 'h');
    EXPECT_EQ(char(out[7] ^ out[3]), 'b');
  }
}

TEST(HubSubStream, CloseIsAnsweredAndReported) {
  Fixture f;
  SubStream s(f.t, true, 2);
  std::string out;
  EXPECT_EQ(s.feed(server_frame(0x88, std::string("\x0f\xa0", 2) + "slow"), out), SubStream::Result::closed);
  ASSERT_EQ(out.size(), 2u + 4u + 2u);  // the code echoed, no reason
  EXPECT_EQ(std::uint8_t(out[0]), 0x88);
  EXPECT_EQ(std::uint8_t(out[6] ^ out[2]), 0x0f);
  EXPECT_EQ(std::uint8_t(out[7] ^ out[3]), 0xa0);
}

TEST(HubSubStream, ProtocolErrorIsCounted) {
  Fixture f;
  SubStream s(f.t, true, 3);
  std::string out;
  EXPECT_EQ(s.feed("\x81\x85" "abcdefghi", out), SubStream::Result::error);  // masked by the server
  EXPECT_EQ(f.t.st.errors[std::size_t(HubError::protocol)], 1u);
}

TEST(HubSubStream, MessagesOptionEndsTheSubscriber) {
  Fixture f;
  f.g.opt.messages = 2;
  SubStream s(f.t, true, 4);
  std::string out;
  const auto now = unix_us_now();
  EXPECT_EQ(s.feed(server_frame(0x81, stamped(now)), out), SubStream::Result::more);
  EXPECT_EQ(s.feed(server_frame(0x81, stamped(now)) + server_frame(0x81, stamped(now)), out),
            SubStream::Result::done);
  EXPECT_EQ(f.g.finished.load(), 1u);
  EXPECT_EQ(f.t.st.deliveries, 2u);  // the third is not taken
}

TEST(HubSubStream, EventStreamCountsDataEventsOnly) {
  Fixture f;
  SubStream s(f.t, false, 5);
  std::string out;
  const auto now = unix_us_now();
  const std::string body = "retry: 3000\n\nevent: connect\ndata: {\"client\":\"1\"}\n\n: ping\n\nid: e:1\ndata: " +
                           stamped(now) + "\n\n";
  for (std::size_t i = 0; i < body.size(); i += 5)
    ASSERT_EQ(s.feed(std::string_view(body).substr(i, 5), out), SubStream::Result::more);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(f.t.st.deliveries, 1u);
  EXPECT_EQ(f.t.st.other_messages, 1u);
}

TEST(HubSubStream, SourceAddressesAndPaths) {
  EXPECT_EQ(hub_source_address(0, 200).to_string(), "127.1.0.1");
  EXPECT_EQ(hub_source_address(199, 200).to_string(), "127.1.0.200");
  EXPECT_EQ(hub_source_address(200, 200).to_string(), "127.1.0.1");
  EXPECT_EQ(hub_source_address(300, 1000).to_string(), "127.1.1.45");
  HubShared g;
  g.path_tpl = "/hub?channels={channel}";
  g.channels = channel_names("c", 3);
  EXPECT_EQ(hub_path_for(g, 4), "/hub?channels=c-1");
}
