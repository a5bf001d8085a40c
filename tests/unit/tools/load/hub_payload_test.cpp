#include "tools/load/hub_payload.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace strata::tools::load;

TEST(HubPayload, HasTheRequestedSizeAndCarriesTheStamp) {
  const auto p = make_payload(1733312345678901ull, 100);
  EXPECT_EQ(p.size(), 100u);
  const auto j = nlohmann::json::parse(p);
  EXPECT_EQ(j.at("t_us").get<std::uint64_t>(), 1733312345678901ull);
  EXPECT_EQ(find_stamp(p), 1733312345678901ull);
}

TEST(HubPayload, SmallerThanTheStampStaysValidJson) {
  const auto p = make_payload(42, 5);
  EXPECT_EQ(nlohmann::json::parse(p).at("t_us").get<int>(), 42);
}

TEST(HubPayload, StampIsFoundInsideEnvelopes) {
  const auto p = make_payload(123456, 60);
  // strata's push
  EXPECT_EQ(find_stamp(R"({"push":{"channel":"c","pub":{"offset":6,"epoch":"e","data":)" + p + "}}}"),
            123456u);
  // inside a JSON string (pushpin content relayed as a string)
  EXPECT_EQ(find_stamp("{\"x\":" + json_quote(p) + "}"), 123456u);
  // blanks after the colon
  EXPECT_EQ(find_stamp(R"({"t_us" :  77})"), 77u);
}

TEST(HubPayload, NoStampMeansNullopt) {
  EXPECT_FALSE(find_stamp(R"({"id":1,"result":{}})"));
  EXPECT_FALSE(find_stamp(R"({"t_us":"abc"})"));
  EXPECT_FALSE(find_stamp("t_us"));
  EXPECT_FALSE(find_stamp(""));
  // a later good key is still found
  EXPECT_EQ(find_stamp(R"({"t_us_x":1,"t_us":9})"), 9u);
}

TEST(HubPayload, TemplateExpansion) {
  EXPECT_EQ(expand_template(R"({"channel":"{channel}","data":{payload}})", "a-1", R"({"t_us":1})", 1),
            R"({"channel":"a-1","data":{"t_us":1}})");
  EXPECT_EQ(expand_template("{payload_str}|{ts}|{other}|{", "c", R"({"k":"v"})", 99),
            R"("{\"k\":\"v\"}"|99|{other}|{)");
  EXPECT_EQ(expand_template("/publish?channel={channel}", "x", "", 0), "/publish?channel=x");
}

TEST(HubPayload, ChannelNames) {
  EXPECT_EQ(channel_names("b", 1), std::vector<std::string>{"b"});
  EXPECT_EQ(channel_names("b", 0), std::vector<std::string>{"b"});
  EXPECT_EQ(channel_names("b", 3), (std::vector<std::string>{"b-0", "b-1", "b-2"}));
}

TEST(HubPayload, JsonQuoteEscapes) {
  EXPECT_EQ(json_quote("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\nd\\u0001\"");
  EXPECT_EQ(nlohmann::json::parse(json_quote("x\"\\\t")).get<std::string>(), "x\"\\\t");
}
