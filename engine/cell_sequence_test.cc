#include "engine/cell_sequence.h"

#include <vector>

#include "gtest/gtest.h"

namespace spikeserve::engine {
namespace {

using Cell = CellSequence::Cell;

TEST(CellSequenceTest, KeepsConsecutiveIndicesOfAPopulationAsOneRun) {
  std::vector<Cell> cells;
  for (uint32_t i = 0; i < 1000; ++i) cells.push_back({2, i});
  const CellSequence sequence(cells);
  ASSERT_EQ(sequence.runs().size(), 1u);
  EXPECT_EQ(sequence.runs()[0], (CellSequence::Run{2, 0, 1000}));
  EXPECT_EQ(sequence.size(), 1000u);
  EXPECT_LT(sequence.MemoryBytes(), 100u);
}

TEST(CellSequenceTest, GivesBackEveryCellInOrderWhateverTheRuns) {
  // An assembly: a slice, a permuted view, a population listed twice.
  const std::vector<Cell> cells = {{0, 5}, {0, 6}, {0, 7}, {1, 3}, {1, 1}, {1, 2},
                                   {0, 5}, {0, 6}, {2, 0}, {2, 1}, {2, 9}};
  const CellSequence sequence(cells);
  EXPECT_EQ(sequence.runs().size(), 6u);
  ASSERT_EQ(sequence.size(), cells.size());
  std::vector<Cell> visited;
  sequence.ForEach([&](uint64_t k, uint32_t population, uint32_t index) {
    EXPECT_EQ(k, visited.size());
    visited.push_back({population, index});
  });
  EXPECT_EQ(visited, cells);
  for (size_t k = 0; k < cells.size(); ++k) EXPECT_EQ(sequence[k], cells[k]) << k;
}

TEST(CellSequenceTest, EqualOnlyForTheSameCellsInTheSameOrder) {
  const CellSequence a({{0, 0}, {0, 1}, {1, 0}});
  EXPECT_EQ(a, CellSequence({{0, 0}, {0, 1}, {1, 0}}));
  EXPECT_NE(a, CellSequence({{0, 1}, {0, 0}, {1, 0}}));
  EXPECT_NE(a, CellSequence({{0, 0}, {0, 1}}));
  EXPECT_TRUE(CellSequence().empty());
}

}  // namespace
}  // namespace spikeserve::engine
