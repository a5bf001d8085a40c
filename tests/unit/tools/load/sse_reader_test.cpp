#include "tools/load/sse_reader.hpp"

#include <gtest/gtest.h>

using namespace strata::tools::load;

TEST(SseReader, EventsCommentsAndFields) {
  SseReader r;
  std::vector<SseEvent> ev;
  ASSERT_TRUE(r.feed("retry: 3000\n\nevent: connect\ndata: {\"client\":\"1\"}\n\n: ping\n\n"
                     "id: e1:6\ndata: {\"a\":1}\n\n",
                     ev));
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].event, "connect");
  EXPECT_EQ(ev[0].data, "{\"client\":\"1\"}");
  EXPECT_EQ(ev[1].event, "");
  EXPECT_EQ(ev[1].id, "e1:6");
  EXPECT_EQ(ev[1].data, "{\"a\":1}");
  EXPECT_EQ(r.comments(), 1u);
}

TEST(SseReader, AnySplitGivesTheSameEvents) {
  const std::string s = "data: one\r\ndata:two\r\n\r\nid: 7\rdata: three\r\r: c\n\ndata: x\n";
  for (std::size_t step = 1; step <= s.size(); ++step) {
    SseReader r;
    std::vector<SseEvent> ev;
    for (std::size_t i = 0; i < s.size(); i += step) ASSERT_TRUE(r.feed(s.substr(i, step), ev));
    ASSERT_EQ(ev.size(), 2u) << "step " << step;
    EXPECT_EQ(ev[0].data, "one\ntwo");
    EXPECT_EQ(ev[1].data, "three");
    EXPECT_EQ(ev[1].id, "7");
  }
}

TEST(SseReader, LongLineIsAnError) {
  SseReader r(16);
  std::vector<SseEvent> ev;
  EXPECT_TRUE(r.feed("data: short\n\n", ev));
  EXPECT_FALSE(r.feed("data: " + std::string(40, 'x'), ev));
}
