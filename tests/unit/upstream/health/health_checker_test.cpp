#include "upstream/health/health_checker.hpp"

#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include "unit/upstream/test_origin.hpp"

namespace strata::upstream::health {
namespace {

namespace asio = boost::asio;

TEST(HealthCheck, StatusLineParsing) {
  EXPECT_EQ(parse_status_line("HTTP/1.1 200 OK\r\n"), 200);
  EXPECT_EQ(parse_status_line("HTTP/1.0 503\r\n"), 503);
  EXPECT_EQ(parse_status_line("HTTP/1.1 20"), 0);
  EXPECT_EQ(parse_status_line("SSH-2.0-OpenSSH\r\n"), 0);
  EXPECT_EQ(parse_status_line("HTTP/1.1 2x0 OK\r\n"), 0);
  config::HealthCheck hc;
  EXPECT_TRUE(status_expected(hc, 204));
  EXPECT_TRUE(status_expected(hc, 302));
  EXPECT_FALSE(status_expected(hc, 404));
  hc.expect_statuses = {404};
  EXPECT_TRUE(status_expected(hc, 404));
  EXPECT_FALSE(status_expected(hc, 200));
}

class HealthCheckLive : public ::testing::Test {
 protected:
  // A cluster named `name` with the live origin and a closed port.
  std::shared_ptr<HealthChecker> make(const std::string& name, config::HealthCheck hc) {
    config::Cluster c;
    c.name = name;
    c.endpoints.push_back({"127.0.0.1", origin_.port(), 1, {}});
    c.endpoints.push_back({"127.0.0.1", closed_port(), 1, {}});
    c.health_check = hc;
    cluster_ = std::make_shared<cluster::Cluster>(io_.get_executor(), c, 1);
    status_ = cluster_->status();
    return std::make_shared<HealthChecker>(io_.get_executor(), cluster_, status_, nullptr, 1);
  }
  std::uint16_t closed_port() {
    asio::ip::tcp::acceptor a(io_, {asio::ip::address_v4::loopback(), 0});
    return a.local_endpoint().port();  // closed when `a` goes away
  }
  void run_until(const std::function<bool()>& done) {
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < limit)
      io_.run_one_for(std::chrono::milliseconds(20));
  }
  asio::io_context io_;
  test::TestOrigin origin_{io_};
  std::shared_ptr<cluster::Cluster> cluster_;
  std::shared_ptr<cluster::ClusterStatus> status_;
};

TEST_F(HealthCheckLive, HttpCheckMarksDeadEndpointDownAfterFall) {
  config::HealthCheck hc;
  hc.path = "/health";
  hc.interval = std::chrono::milliseconds(10);
  hc.timeout = std::chrono::milliseconds(500);
  hc.fall = 2;
  auto hcr = make("hc-http", hc);
  hcr->start();
  run_until([&] { return !status_->endpoints[1]->healthy.load() && hcr->checks() >= 4; });
  EXPECT_TRUE(status_->endpoints[0]->healthy.load());
  EXPECT_FALSE(status_->endpoints[1]->healthy.load());
  ASSERT_FALSE(origin_.seen.empty());
  EXPECT_EQ(origin_.seen.front().target(), "/health");
  // The picker skips the endpoint that is down.
  for (int i = 0; i < 20; ++i) EXPECT_EQ(cluster_->pick(0)->port, origin_.port());
  hcr->stop();
  io_.run_for(std::chrono::milliseconds(50));
}

TEST_F(HealthCheckLive, UnexpectedStatusFailsTheCheck) {
  config::HealthCheck hc;
  hc.path = "/status/503";
  hc.interval = std::chrono::milliseconds(10);
  hc.fall = 1;
  auto hcr = make("hc-status", hc);
  std::string why;
  bool ok = true, done = false;
  asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
    ok = co_await hcr->check_once(*cluster_->endpoints()[0], &why);
    done = true;
  }, asio::detached);
  run_until([&] { return done; });
  EXPECT_FALSE(ok);
  EXPECT_EQ(why, "status 503");
}

TEST_F(HealthCheckLive, TcpCheck) {
  config::HealthCheck hc;
  hc.type = config::HealthCheckType::tcp;
  auto hcr = make("hc-tcp", hc);
  std::string why;
  int results[2] = {-1, -1};
  asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
    results[0] = co_await hcr->check_once(*cluster_->endpoints()[0], &why);
    results[1] = co_await hcr->check_once(*cluster_->endpoints()[1], &why);
  }, asio::detached);
  run_until([&] { return results[1] != -1; });
  EXPECT_EQ(results[0], 1);
  EXPECT_EQ(results[1], 0);
}

}  // namespace
}  // namespace strata::upstream::health
