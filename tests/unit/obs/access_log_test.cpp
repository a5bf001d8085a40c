#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "obs/access_log.hpp"

using namespace strata;

namespace {

obs::AccessRecord sample() {
  obs::AccessRecord r;
  r.time = std::chrono::system_clock::time_point(std::chrono::seconds(971182536)) +
           std::chrono::milliseconds(250);  // 2000-10-10T12:55:36.250Z
  r.duration_us = 1500;
  r.bytes_sent = 2326;
  r.status = 200;
  r.peer_ip.assign("192.0.2.7");
  r.peer_port = 5555;
  r.protocol.assign("HTTP/1.1");
  r.method.assign("GET");
  r.scheme.assign("https");
  r.authority.assign("example.com");
  r.target.assign("/a\"b\\c\n");
  r.listener.assign("web");
  r.route.assign("root");
  r.user_agent.assign("curl/8");
  return r;
}

std::vector<std::string> lines_of(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  std::string l;
  while (std::getline(in, l)) out.push_back(l);
  return out;
}

std::filesystem::path temp(const char* tag) {
  auto p = std::filesystem::temp_directory_path() /
           (std::string("strata_access_") + tag + "_" + std::to_string(::getpid()) + ".log");
  std::filesystem::remove(p);
  return p;
}

}  // namespace

TEST(ObsAccessLog, JsonLineIsValidJson) {
  auto j = nlohmann::json::parse(obs::format_access_json(sample()));
  EXPECT_EQ(j["time"], "2000-10-10T12:55:36.250Z");
  EXPECT_EQ(j["target"], "/a\"b\\c\n");
  EXPECT_EQ(j["status"], 200);
  EXPECT_EQ(j["bytes_sent"], 2326);
  EXPECT_DOUBLE_EQ(j["duration_ms"].get<double>(), 1.5);
  EXPECT_EQ(j["peer"], "192.0.2.7");
  EXPECT_EQ(j["route"], "root");
}

TEST(ObsAccessLog, CombinedFormat) {
  EXPECT_EQ(obs::format_access_combined(sample()),
            "192.0.2.7 - - [10/Oct/2000:12:55:36 +0000] \"GET /a\\\"b\\\\c\\x0a HTTP/1.1\" 200 2326 "
            "\"-\" \"curl/8\"");
}

TEST(ObsAccessLog, InlineStringTruncates) {
  obs::InlineString<4> s;
  s.assign("abcdef");
  EXPECT_EQ(s.view(), "abcd");
}

TEST(ObsAccessLog, WritesFileAndReconfigures) {
  auto p1 = temp("a"), p2 = temp("b");
  obs::AccessLogger log(64);
  config::AccessLog c;
  EXPECT_FALSE(log.submit(sample()));  // disabled by default
  c.enabled = true;
  c.path = p1.string();
  ASSERT_TRUE(log.configure(c));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(log.submit(sample()));
  log.flush();
  EXPECT_EQ(lines_of(p1).size(), 3u);

  c.path = p2.string();
  c.format = "combined";
  ASSERT_TRUE(log.configure(c));
  EXPECT_TRUE(log.submit(sample()));
  log.flush();
  auto l2 = lines_of(p2);
  ASSERT_EQ(l2.size(), 1u);
  EXPECT_EQ(l2[0].rfind("192.0.2.7 - - [", 0), 0u);
  EXPECT_EQ(lines_of(p1).size(), 3u);

  c.path = "/nonexistent-dir/x.log";
  std::string err;
  EXPECT_FALSE(log.configure(c, &err));
  EXPECT_FALSE(err.empty());
  log.stop();
  std::filesystem::remove(p1);
  std::filesystem::remove(p2);
}

TEST(ObsAccessLog, FullQueueDropsAndCounts) {
  auto p = temp("drop");
  obs::AccessLogger log(2);
  config::AccessLog c;
  c.enabled = true;
  c.path = p.string();
  ASSERT_TRUE(log.configure(c));
  constexpr int kN = 20000;
  int accepted = 0;
  auto rec = sample();
  for (int i = 0; i < kN; ++i) accepted += log.submit(rec) ? 1 : 0;
  log.flush();
  log.stop();
  EXPECT_EQ(std::uint64_t(accepted) + log.dropped(), std::uint64_t(kN));
  EXPECT_EQ(lines_of(p).size(), std::size_t(accepted));
  EXPECT_GT(log.dropped(), 0u);
  std::filesystem::remove(p);
}
