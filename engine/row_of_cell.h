// The row each cell of a population has in one projection, -1 for cells
// that are not pre cells of it. The rows of a population that is pre whole,
// or a slice of it, follow its indices: then two numbers say it all, where a
// table took 4 bytes per cell and outgoing projection.
#ifndef SPIKESERVE_ENGINE_ROW_OF_CELL_H_
#define SPIKESERVE_ENGINE_ROW_OF_CELL_H_

#include <cstdint>
#include <vector>

namespace spikeserve::engine {

class RowOfCell {
 public:
  explicit RowOfCell(uint32_t population_size) : population_size_(population_size) {}

  // Cell `index` has row `row`; indices in the order of the projection's pre
  // cells.
  void Add(uint32_t index, uint32_t row) {
    if (table_.empty()) {
      if (count_ == 0) {
        first_index_ = index;
        first_row_ = row;
      }
      if (index == first_index_ + count_ && row == first_row_ + count_) {
        ++count_;
        return;
      }
      table_.assign(population_size_, -1);
      for (uint32_t j = 0; j < count_; ++j) table_[first_index_ + j] = first_row_ + j;
    }
    table_[index] = static_cast<int32_t>(row);
  }

  int32_t operator[](uint32_t index) const {
    if (!table_.empty()) return table_[index];
    const uint32_t offset = index - first_index_;  // wraps below the first
    return offset < count_ ? static_cast<int32_t>(first_row_ + offset) : -1;
  }

 private:
  uint32_t population_size_;
  // While table_ is empty, cells first_index_ + j have rows first_row_ + j,
  // j < count_, and no other cell has one.
  uint32_t first_index_ = 0, first_row_ = 0, count_ = 0;
  std::vector<int32_t> table_;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_ROW_OF_CELL_H_
