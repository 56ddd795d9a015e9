#include "engine/cell_column.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace spikeserve::engine {
namespace {

std::vector<double> Read(const CellColumn& column) {
  std::vector<double> out;
  for (uint32_t i = 0; i < column.size(); ++i) out.push_back(column[i]);
  return out;
}

TEST(CellColumnTest, HoldsOneValueUntilACellDiffers) {
  CellColumn column(1000, -65.0);
  EXPECT_TRUE(column.uniform());
  EXPECT_EQ(column.MemoryBytes(), sizeof(double));
  column.Assign({0, 999}, {-65.0, -65.0});  // the same value: nothing to store
  EXPECT_TRUE(column.uniform());

  column.Assign({3}, {-70.0});
  EXPECT_FALSE(column.uniform());
  EXPECT_GE(column.MemoryBytes(), 1000 * sizeof(double));
  std::vector<double> expected(1000, -65.0);
  expected[3] = -70.0;
  EXPECT_EQ(Read(column), expected);
  EXPECT_EQ(column.PerCell(), expected);
}

TEST(CellColumnTest, GoesBackToOneValueWhenAnAssignmentMakesEveryCellEqual) {
  CellColumn column(4, 1.0);
  column.Assign({0, 1, 2, 3}, {1.0, 2.0, 3.0, 4.0});
  EXPECT_FALSE(column.uniform());
  column.Assign({0, 1, 2}, {4.0, 4.0, 4.0});
  EXPECT_TRUE(column.uniform());
  EXPECT_EQ(column.MemoryBytes(), sizeof(double));  // the per-cell values freed
  EXPECT_EQ(Read(column), std::vector<double>(4, 4.0));
  EXPECT_EQ(column.Values(1), std::vector<double>{4.0});
  EXPECT_EQ(column.Values(4), std::vector<double>(4, 4.0));
  // A new value for every cell at once stays one value.
  column.Assign({0, 1, 2, 3}, {7.5, 7.5, 7.5, 7.5});
  EXPECT_TRUE(column.uniform());
  EXPECT_EQ(column.MemoryBytes(), sizeof(double));
  EXPECT_EQ(column[2], 7.5);
}

TEST(CellColumnTest, ComparesBitForBitSoThatMinusZeroReadsBack) {
  CellColumn column(3, 0.0);
  column.Assign({1}, {-0.0});
  EXPECT_FALSE(column.uniform());
  EXPECT_TRUE(std::signbit(column[1]));
  EXPECT_FALSE(std::signbit(column[0]));
}

TEST(CellColumnTest, AnEmptyGroupHasAUniformColumn) {
  CellColumn column(0, 2.0);
  EXPECT_TRUE(column.uniform());
  column.Assign({}, {});
  EXPECT_TRUE(column.PerCell().empty());
}

}  // namespace
}  // namespace spikeserve::engine
