// listeners[].quic and routes[].early_data.
#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "config_error.hpp"

namespace strata::config {
namespace {

std::string with_listener(const std::string& protocols, const std::string& quic,
                          const std::string& route_extra = "") {
  return "route_tables:\n"
         "  main:\n"
         "    - respond: {status: 200}\n" +
         route_extra +
         "listeners:\n"
         "  - name: web\n"
         "    address: 127.0.0.1:0\n"
         "    tls: {self_signed: true}\n"
         "    protocols: " + protocols + "\n" + quic;
}

std::string error_of(const std::string& yaml) { return strata::config_test::config_error(yaml); }

TEST(ConfigQuic, DefaultsWithH3) {
  auto c = load_string(with_listener("[h1, h2, h3]", ""), "t.yaml");
  const auto& l = c->listeners.at(0);
  EXPECT_TRUE(l.has("h3"));
  EXPECT_EQ(l.quic.retry, "under-load");
  EXPECT_EQ(l.quic.congestion, "bbr2");
  EXPECT_EQ(l.quic.drain_probe_timeouts, 3u);
  EXPECT_TRUE(l.quic.early_data);
  EXPECT_EQ(l.quic.max_streams_bidi, 100u);
  EXPECT_EQ(l.quic.ipv4_prefix, 24u);
  EXPECT_EQ(l.quic.ipv6_prefix, 64u);
  EXPECT_EQ(l.quic.alt_svc_max_age, 86400u);
  EXPECT_FALSE(c->route_tables.at("main").at(0).early_data);
}

TEST(ConfigQuic, ValuesAreRead) {
  auto c = load_string(with_listener("[h1, h2, h3]",
                                     "    quic:\n"
                                     "      retry: always\n"
                                     "      congestion: reno\n"
                                     "      idle_timeout: 5s\n"
                                     "      drain_probe_timeouts: 5\n"
                                     "      max_streams_bidi: 7\n"
                                     "      stream_window: 64KiB\n"
                                     "      early_data: false\n"
                                     "      max_connections_per_source: 3\n"
                                     "      ipv6_prefix: 48\n"
                                     "      handshakes_per_second: 9\n"
                                     "      alt_svc_max_age: 60\n",
                                     "      early_data: true\n"),
                       "t.yaml");
  const auto& q = c->listeners.at(0).quic;
  EXPECT_EQ(q.retry, "always");
  EXPECT_EQ(q.congestion, "reno");
  EXPECT_EQ(q.idle_timeout, Duration(5000));
  EXPECT_EQ(q.drain_probe_timeouts, 5u);
  EXPECT_EQ(q.max_streams_bidi, 7u);
  EXPECT_EQ(q.stream_window, 64u * 1024);
  EXPECT_FALSE(q.early_data);
  EXPECT_EQ(q.max_connections_per_source, 3u);
  EXPECT_EQ(q.ipv6_prefix, 48u);
  EXPECT_EQ(q.handshakes_per_second, 9.0);
  EXPECT_EQ(q.alt_svc_max_age, 60u);
  EXPECT_TRUE(c->route_tables.at("main").at(0).early_data);
  // The effective JSON loads back to the same settings.
  auto again = load_string(to_json(*c), "d.json");
  EXPECT_EQ(again->listeners.at(0).quic.congestion, "reno");
  EXPECT_EQ(again->listeners.at(0).quic.drain_probe_timeouts, 5u);
  EXPECT_EQ(again->listeners.at(0).quic.idle_timeout, Duration(5000));
  EXPECT_TRUE(again->route_tables.at("main").at(0).early_data);
}

TEST(ConfigQuic, Errors) {
  EXPECT_EQ(error_of(with_listener("[h1, h2]", "    quic: {retry: always}\n")),
            "t.yaml:9:11: quic: the listener does not list h3 in protocols");
  EXPECT_EQ(error_of(with_listener("[h1, h2, h3]", "    quic: {congestion: vegas}\n")),
            "t.yaml:9:24: congestion: unknown value 'vegas' (expected one of: cubic, bbr, bbr2, reno)");
  EXPECT_EQ(error_of(with_listener("[h1, h2, h3]", "    quic: {ipv4_prefix: 40}\n")).substr(0, 12),
            "t.yaml:9:25:");
  EXPECT_EQ(error_of(with_listener("[h1, h2, h3]", "    quic: {drain_probe_timeouts: 101}\n")).substr(0, 12),
            "t.yaml:9:34:");
  EXPECT_NE(error_of(with_listener("[h1, h2, h3]", "    quic: {retri: always}\n")).find(
                "unknown key 'retri' in quic"),
            std::string::npos);
}

TEST(ConfigQuic, H3NeedsTls) {
  auto e = error_of(
      "route_tables:\n  main:\n    - respond: {status: 200}\n"
      "listeners:\n  - {address: 127.0.0.1:0, protocols: [h1, h3]}\n");
  EXPECT_NE(e.find("'h3' needs tls"), std::string::npos) << e;
}

}  // namespace
}  // namespace strata::config
