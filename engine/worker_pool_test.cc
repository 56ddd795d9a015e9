#include "engine/worker_pool.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace spikeserve::engine {
namespace {

TEST(WorkerPoolTest, EveryMemberRunsEachTaskOnceAndRunWaitsForAll) {
  for (int size : {1, 2, 3}) {
    WorkerPool pool(size);
    EXPECT_EQ(pool.size(), size);
    std::vector<int> calls(size, 0);
    std::atomic<int> total{0};
    for (int round = 0; round < 2000; ++round) {
      pool.Run([&](int member) {
        ++calls[member];  // each member writes only its own entry
        total.fetch_add(1);
      });
      // Run has returned, so every member's call of this round is complete.
      ASSERT_EQ(total.load(), (round + 1) * size);
    }
    for (int c : calls) EXPECT_EQ(c, 2000);
  }
}

TEST(WorkerPoolTest, WorkersThatFellAsleepAreWokenUp) {
  WorkerPool pool(2);
  int runs = 0;
  for (int round = 0; round < 3; ++round) {
    // Longer than the spinning phase: both sides go to sleep in between.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::vector<int> seen(2, 0);
    pool.Run([&](int member) {
      if (member == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      seen[member] = 1;
    });
    EXPECT_EQ(seen, (std::vector<int>{1, 1}));
    ++runs;
  }
  EXPECT_EQ(runs, 3);
}

}  // namespace
}  // namespace spikeserve::engine
