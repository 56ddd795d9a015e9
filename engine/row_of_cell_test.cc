#include "engine/row_of_cell.h"

#include <vector>

#include "gtest/gtest.h"

namespace spikeserve::engine {
namespace {

std::vector<int32_t> Rows(const RowOfCell& rows, uint32_t size) {
  std::vector<int32_t> out;
  for (uint32_t i = 0; i < size; ++i) out.push_back(rows[i]);
  return out;
}

TEST(RowOfCellTest, ASliceOfThePopulationHasConsecutiveRows) {
  RowOfCell rows(10);
  // Cells 3..6 are the projection's pre cells 4..7 (after another
  // population's four).
  for (uint32_t j = 0; j < 4; ++j) rows.Add(3 + j, 4 + j);
  EXPECT_EQ(Rows(rows, 10), (std::vector<int32_t>{-1, -1, -1, 4, 5, 6, 7, -1, -1, -1}));
}

TEST(RowOfCellTest, AnyOtherOrderKeepsEveryCellsRow) {
  RowOfCell permuted(5);
  permuted.Add(0, 0);
  permuted.Add(1, 1);
  permuted.Add(4, 2);  // leaves the run
  permuted.Add(2, 3);
  EXPECT_EQ(Rows(permuted, 5), (std::vector<int32_t>{0, 1, 3, -1, 2}));

  RowOfCell gap_in_rows(4);  // the population's cells, with another's between
  gap_in_rows.Add(0, 0);
  gap_in_rows.Add(1, 5);
  EXPECT_EQ(Rows(gap_in_rows, 4), (std::vector<int32_t>{0, 5, -1, -1}));

  EXPECT_EQ(Rows(RowOfCell(3), 3), (std::vector<int32_t>{-1, -1, -1}));
}

}  // namespace
}  // namespace spikeserve::engine
