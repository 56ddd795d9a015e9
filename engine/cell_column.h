// One parameter or initial value of every cell of a group. Populations
// usually give all their cells the same value, so a column holds a single
// value until some cell is given a different one, and goes back to one value
// when an assignment leaves every cell equal again. Kept per cell, the
// parameters and initial values of an IF_curr_exp cell are 96 bytes: as
// much as a quarter of what a cell of the microcircuit may cost in all.
//
// Values compare bit for bit, so that a column reads back exactly what was
// written (0.0 and -0.0 are two values here).
#ifndef SPIKESERVE_ENGINE_CELL_COLUMN_H_
#define SPIKESERVE_ENGINE_CELL_COLUMN_H_

#include <cstdint>
#include <cstring>
#include <vector>

namespace spikeserve::engine {

class CellColumn {
 public:
  CellColumn(uint32_t size, double value) : size_(size), values_(1, value) {}

  uint32_t size() const { return size_; }
  // Every cell has the same value.
  bool uniform() const { return values_.size() == 1; }
  double operator[](uint32_t i) const { return values_[uniform() ? 0 : i]; }

  // values[k] to cell cells[k]; `cells` distinct.
  void Assign(const std::vector<uint32_t>& cells, const std::vector<double>& values) {
    if (cells.size() == size_ && AllSame(values)) {  // a new value for every cell
      if (!values.empty()) Share(values[0]);
      return;
    }
    for (size_t k = 0; k < cells.size(); ++k) {
      if (uniform()) {
        if (Same(values[k], values_[0])) continue;
        values_.assign(size_, values_[0]);
      }
      values_[cells[k]] = values[k];
    }
    if (!uniform() && AllSame(values_)) Share(values_[0]);
  }

  // The values lowered for `n` cells: n = 1 gives the shared value of a
  // uniform column, n = size() one value per cell.
  std::vector<double> Values(uint32_t n) const {
    return uniform() ? std::vector<double>(n, values_[0]) : values_;
  }
  std::vector<double> PerCell() const { return Values(size_); }

  size_t MemoryBytes() const { return values_.capacity() * sizeof(double); }

 private:
  static bool Same(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }
  static bool AllSame(const std::vector<double>& values) {
    for (double x : values)
      if (!Same(x, values.front())) return false;
    return true;
  }
  // One value for every cell, and the memory of the per-cell ones freed.
  void Share(double value) { values_ = std::vector<double>(1, value); }

  uint32_t size_;
  std::vector<double> values_;  // one shared value, or one per cell
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_CELL_COLUMN_H_
