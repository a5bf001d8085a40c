#include <gtest/gtest.h>
#include <zlib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "hub/push_build.hpp"

using namespace strata;

namespace {

// Payload of an unmasked single frame, checking the header.
std::string frame_payload(const std::string& f, bool rsv1) {
  EXPECT_GE(f.size(), 2u);
  EXPECT_EQ(std::uint8_t(f[0]), rsv1 ? 0xC1 : 0x81);
  std::size_t len = std::uint8_t(f[1]);
  EXPECT_EQ(len & 0x80, 0u);  // unmasked
  std::size_t at = 2;
  if (len == 126) {
    len = (std::size_t(std::uint8_t(f[2])) << 8) | std::uint8_t(f[3]);
    EXPECT_GE(len, 126u);
    at = 4;
  } else if (len == 127) {
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | std::uint8_t(f[2 + i]);
    EXPECT_GT(len, 0xffffu);
    at = 10;
  }
  EXPECT_EQ(f.size(), at + len);
  return f.substr(at);
}

std::string inflate_message(std::string in) {
  in.append("\0\0\xff\xff", 4);
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, -15), Z_OK);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(in.data());
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  int rc = inflate(&z, Z_SYNC_FLUSH);
  EXPECT_TRUE(rc == Z_OK || rc == Z_STREAM_END) << rc;
  out.resize(out.size() - z.avail_out);
  inflateEnd(&z);
  return out;
}

}  // namespace

TEST(HubPush, PublicationFormats) {
  auto p = hub::make_publication("chat:a", 6, "e1", R"({"text":"hi"})", 123, true);
  EXPECT_EQ(p->kind, hub::Push::Kind::publication);
  EXPECT_EQ(p->json, R"({"push":{"channel":"chat:a","pub":{"offset":6,"epoch":"e1","data":{"text":"hi"}}}})");
  EXPECT_EQ(p->sse_event,
            "id: e1:6\ndata: {\"channel\":\"chat:a\",\"offset\":6,\"epoch\":\"e1\",\"data\":{\"text\":\"hi\"}}\n\n");
  EXPECT_EQ(frame_payload(p->ws_frame, false), p->json);
  EXPECT_EQ(p->offset, 6u);
  EXPECT_EQ(p->epoch, "e1");
  EXPECT_EQ(p->published_us, 123);
  EXPECT_TRUE(p->skip_to_latest);
  EXPECT_TRUE(nlohmann::json::accept(p->json));
}

TEST(HubPush, JoinLeaveFormats) {
  auto j = hub::make_join("c", 17, "u\"1", R"({"n":1})");
  EXPECT_EQ(j->kind, hub::Push::Kind::join);
  EXPECT_EQ(j->json, R"({"push":{"channel":"c","join":{"client":"17","user":"u\"1","info":{"n":1}}}})");
  EXPECT_EQ(j->sse_event, "event: join\ndata: {\"channel\":\"c\",\"client\":\"17\",\"user\":\"u\\\"1\",\"info\":{\"n\":1}}\n\n");
  auto l = hub::make_leave("c", 17, "u1");
  EXPECT_EQ(l->json, R"({"push":{"channel":"c","leave":{"client":"17","user":"u1"}}})");
  EXPECT_EQ(l->sse_event, "event: leave\ndata: {\"channel\":\"c\",\"client\":\"17\",\"user\":\"u1\"}\n\n");
  auto noinfo = hub::make_join("c", 1, "", "");
  EXPECT_EQ(noinfo->json, R"({"push":{"channel":"c","join":{"client":"1","user":""}}})");
}

TEST(HubPush, FrameLengthForms) {
  for (std::size_t n : {10u, 200u, 70000u}) {
    std::string data = "\"" + std::string(n, 'x') + "\"";
    auto p = hub::make_publication("c", 1, "e", data, 0, false);
    EXPECT_EQ(frame_payload(p->ws_frame, false), p->json) << n;
  }
}

TEST(HubPush, DeflatedOnceAndInflatesBack) {
  std::string data = "\"" + std::string(5000, 'a') + "\"";
  auto p = hub::make_publication("c", 1, "e", data, 0, false);
  std::vector<const std::string*> seen(4);
  std::vector<std::thread> ts;
  for (int i = 0; i < 4; ++i) ts.emplace_back([&, i] { seen[i] = &p->ws_frame_deflated(); });
  for (auto& t : ts) t.join();
  for (auto* s : seen) EXPECT_EQ(s, seen[0]);  // built once
  std::string payload = frame_payload(*seen[0], true);
  EXPECT_LT(payload.size(), p->json.size() / 4);
  EXPECT_EQ(inflate_message(payload), p->json);
}

TEST(HubPush, JsonStringEscaping) {
  std::string out;
  hub::append_json_string(out, std::string("a\"\\\n\x01z", 6));
  EXPECT_EQ(out, "\"a\\\"\\\\\\n\\u0001z\"");
  EXPECT_EQ(nlohmann::json::parse(out).get<std::string>(), std::string("a\"\\\n\x01z", 6));
}
