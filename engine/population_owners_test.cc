#include "engine/population_owners.h"

#include <vector>

#include "gtest/gtest.h"

namespace spikeserve::engine {
namespace {

TEST(PopulationOwnersTest, LargestFirstToTheLeastLoadedMember) {
  const std::vector<PopulationWork> work = {{5}, {4}, {3}, {3}, {3}};
  // 5 -> 0, 4 -> 1, 3 -> 1 (7), 3 -> 0 (8), 3 -> 1 (10): 8 against 10, within
  // 1.2 times the mean 9 but not within 1.1.
  EXPECT_TRUE(WholePopulationOwners(work, {}, 2, 1.1).empty());
  const std::vector<int> owner = WholePopulationOwners(work, {}, 2, 1.2);
  ASSERT_EQ(owner.size(), 5u);
  EXPECT_EQ(owner, (std::vector<int>{0, 1, 1, 0, 1}));
  EXPECT_EQ(MemberLoads(work, owner, 2), (std::vector<double>{8, 10}));
}

TEST(PopulationOwnersTest, TooUnequalWholeMeansNone) {
  // Vogels-Abbott's 80/20: one member would carry 1.6 times the mean.
  EXPECT_TRUE(WholePopulationOwners({{80}, {20}}, {}, 2, 1.1).empty());
  EXPECT_EQ(WholePopulationOwners({{80}, {20}}, {}, 1, 1.1), (std::vector<int>{0, 0}));
}

TEST(PopulationOwnersTest, JoinedPopulationsShareAMember) {
  // Alone, 0 and 1 go to different members; joined (a background and its
  // target), they stay together, and so do 2 and 3, joined to them through
  // each other: 14 against 7 + 7.
  const std::vector<PopulationWork> work = {{6}, {6}, {1}, {1}, {7}, {7}};
  const std::vector<int> alone = WholePopulationOwners(work, {}, 2, 1.1);
  ASSERT_FALSE(alone.empty());
  EXPECT_NE(alone[0], alone[1]);
  const std::vector<int> owner = WholePopulationOwners(work, {{0, 1}, {2, 1}, {3, 2}}, 2, 1.1);
  EXPECT_EQ(owner, (std::vector<int>{0, 0, 0, 0, 1, 1}));
}

TEST(PopulationOwnersTest, GroupsThatAreNotSplittableGoToMemberZero) {
  // The unsplittable group and the one joined to it are member 0's (load 1),
  // counted first: 5 -> 1, 4 -> 0. Largest first alone would have put them,
  // the smallest unit, on member 1.
  const std::vector<PopulationWork> work = {{0.5, true}, {0.5, false}, {5, true}, {4, true}};
  const std::vector<int> owner = WholePopulationOwners(work, {{0, 1}}, 2, 1.1);
  EXPECT_EQ(owner, (std::vector<int>{0, 0, 1, 0}));
  EXPECT_EQ(MemberLoads(work, owner, 2), (std::vector<double>{5, 5}));
}

}  // namespace
}  // namespace spikeserve::engine
