#include "tools/load/hold.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

namespace strata::tools::load {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::string s;
  std::getline(f, s);
  return s;
}

// Three connections: two finish and are held, one gives up. Nobody is let
// go before the last has arrived; then the ready file says 2 held and the
// held ones return once the hold time has passed.
TEST(LoadHold, HeldUntilAllHaveArrivedThenForTheHoldTime) {
  asio::io_context io;
  const auto ready = std::filesystem::temp_directory_path() / ("strata-hold-" + std::to_string(::getpid()));
  std::filesystem::remove(ready);
  HoldState hold({&io}, 3, 0.2, ready.string());
  int returned = 0;
  auto held = [&]() -> asio::awaitable<void> {
    co_await hold.held(0);
    ++returned;
  };
  asio::co_spawn(io, held(), asio::detached);
  io.run_for(100ms);
  EXPECT_EQ(returned, 0);
  EXPECT_EQ(hold.held_now(), 1u);
  EXPECT_FALSE(std::filesystem::exists(ready));

  hold.done_unheld();  // one connection failed
  io.run_for(50ms);
  EXPECT_EQ(returned, 0);
  EXPECT_FALSE(std::filesystem::exists(ready));

  const auto t0 = std::chrono::steady_clock::now();
  asio::co_spawn(io, held(), asio::detached);  // the last one arrives
  io.run_for(50ms);
  ASSERT_TRUE(std::filesystem::exists(ready));
  EXPECT_EQ(read_file(ready), "2 held");
  EXPECT_EQ(returned, 0);  // the hold time has not passed
  io.run_for(1s);
  EXPECT_EQ(returned, 2);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 200ms);
  std::filesystem::remove(ready);
}

// With a hold of 0 the last arrival releases everyone at once; nobody held
// at all (every connection failed) still completes.
TEST(LoadHold, ZeroHoldAndNobodyHeld) {
  asio::io_context io;
  HoldState hold({&io}, 2, 0, "");
  int returned = 0;
  auto held = [&]() -> asio::awaitable<void> {  // named: the coroutine refers to its captures
    co_await hold.held(0);
    ++returned;
  };
  asio::co_spawn(io, held(), asio::detached);
  io.run_for(20ms);
  EXPECT_EQ(returned, 0);
  asio::co_spawn(io, held(), asio::detached);
  io.run_for(100ms);
  EXPECT_EQ(returned, 2);

  HoldState none({&io}, 2, 5, "");
  {
    HoldGuard a(&none);
    HoldGuard b(&none);
  }  // both ended unheld
  EXPECT_EQ(none.held_now(), 0u);
  HoldGuard off(nullptr);  // without --hold: nothing to count
}

}  // namespace
}  // namespace strata::tools::load
