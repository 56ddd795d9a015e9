#include "server/stay_awake.h"

#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace spikeserve::server {
namespace {

// Waits until `done` holds, failing the test after a minute: the thread
// runs at the lowest priority, and a busy machine may keep it waiting.
void WaitFor(const std::function<bool()>& done) {
  const absl::Time give_up = absl::Now() + absl::Minutes(1);
  while (!done()) {
    ASSERT_LT(absl::Now(), give_up);
    absl::SleepFor(absl::Milliseconds(1));
  }
}

TEST(StayAwakeTest, SleepsUntilACallThenSpinsThroughItsWindow) {
  constexpr absl::Duration kWindow = absl::Milliseconds(300);
  StayAwake stay_awake(kWindow);
  WaitFor([&] { return stay_awake.Sleeps() == 1; });
  const absl::Time opened = absl::Now();
  stay_awake.CallEnding();
  WaitFor([&] { return stay_awake.Sleeps() == 2; });
  EXPECT_GE(absl::Now() - opened, kWindow);
}

TEST(StayAwakeTest, EveryCallReopensTheWindow) {
  constexpr absl::Duration kWindow = absl::Milliseconds(300);
  StayAwake stay_awake(kWindow);
  WaitFor([&] { return stay_awake.Sleeps() == 1; });
  absl::Time last_call;
  for (int call = 0; call < 4; ++call) {
    last_call = absl::Now();
    stay_awake.CallEnding();
    absl::SleepFor(kWindow / 2);
  }
  WaitFor([&] { return stay_awake.Sleeps() == 2; });
  EXPECT_GE(absl::Now() - last_call, kWindow);
}

TEST(StayAwakeTest, StopsWithoutWaitingForTheWindow) {
  const absl::Time start = absl::Now();
  {
    StayAwake stay_awake(absl::Hours(1));
    stay_awake.CallEnding();
  }
  EXPECT_LT(absl::Now() - start, absl::Minutes(1));
}

TEST(StayAwakeTest, AWindowOfZeroStartsNoThread) {
  StayAwake stay_awake(absl::ZeroDuration());
  stay_awake.CallEnding();
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(stay_awake.Sleeps(), 0);
}

}  // namespace
}  // namespace spikeserve::server
