#include "engine/marked_cells.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace spikeserve::engine {
namespace {

TEST(MarkedCellsTest, VisitsExactlyTheMarkedCellsOfTheRangeInAscendingOrder) {
  constexpr uint32_t kCells = 1000;  // not a multiple of 64: a tail of single words
  std::mt19937 random(7);
  for (double density : {0.0, 0.002, 0.05, 0.5, 1.0}) {
    std::vector<Mark> marks(MarkedWords(kCells) * 8, Mark::kNo);
    std::bernoulli_distribution marked(density);
    for (uint32_t i = 0; i < kCells; ++i) marks[i] = marked(random) ? Mark::kYes : Mark::kNo;
    // Ranges start on a word; a range's end leaves no mark in its last word
    // past it, as the cell groups keep them. Marks in later words (other
    // blocks' cells) must not be visited.
    for (uint32_t begin : {0u, 8u, 64u, 504u, 992u}) {
      for (uint32_t end : {kCells, 960u, 512u, 65u}) {
        if (end <= begin) continue;
        std::vector<Mark> range_marks = marks;
        for (uint32_t i = end; i < 8 * MarkedWords(end); ++i) range_marks[i] = Mark::kNo;
        std::vector<uint32_t> expected, visited;
        for (uint32_t i = begin; i < end; ++i)
          if (range_marks[i] == Mark::kYes) expected.push_back(i);
        ForEachMarked(range_marks, begin, end, [&](uint32_t i) { visited.push_back(i); });
        EXPECT_EQ(visited, expected) << density << " " << begin << " " << end;
      }
    }
  }
}

}  // namespace
}  // namespace spikeserve::engine
