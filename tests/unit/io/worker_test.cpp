#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "io/worker.hpp"

using strata::io::Worker;

TEST(WorkerThread, RunsPostedWorkOnItsOwnThread) {
  Worker w(3);
  w.start();
  std::promise<std::thread::id> p;
  w.post([&] { p.set_value(std::this_thread::get_id()); });
  auto id = p.get_future().get();
  EXPECT_NE(id, std::this_thread::get_id());
  w.stop();
  w.join();
}

TEST(WorkerThread, ManyPostersOneExecutor) {
  Worker w(0);
  w.start();
  int counter = 0;  // touched only on the worker thread
  std::atomic<int> done{0};
  std::vector<std::thread> posters;
  for (int t = 0; t < 4; ++t)
    posters.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) w.post([&] { ++counter; ++done; });
    });
  for (auto& t : posters) t.join();
  std::promise<int> p;
  w.post([&] { p.set_value(counter); });
  EXPECT_EQ(p.get_future().get(), 4000);
  w.stop();
  w.join();
}
