// An ordered list of cells of one or more populations, each a (population,
// index) pair, kept as runs of consecutive indices. The pre and post cells of
// a projection are usually whole populations or slices of them, one run
// each; kept as pairs, they took 8 bytes per cell and projection (about 130
// bytes per cell of the microcircuit, whose populations each take part in 16
// projections).
#ifndef SPIKESERVE_ENGINE_CELL_SEQUENCE_H_
#define SPIKESERVE_ENGINE_CELL_SEQUENCE_H_

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace spikeserve::engine {

class CellSequence {
 public:
  using Cell = std::pair<uint32_t, uint32_t>;  // population, index
  struct Run {
    uint32_t population;
    uint32_t begin;  // index of the run's first cell
    uint32_t count;
    bool operator==(const Run& o) const {
      return population == o.population && begin == o.begin && count == o.count;
    }
  };

  CellSequence() = default;
  explicit CellSequence(const std::vector<Cell>& cells) {
    for (const auto& [population, index] : cells) {
      if (runs_.empty() || runs_.back().population != population ||
          runs_.back().begin + runs_.back().count != index) {
        runs_.push_back({population, index, 0});
        first_.push_back(size_);
      }
      ++runs_.back().count;
      ++size_;
    }
    runs_.shrink_to_fit();
    first_.shrink_to_fit();
  }

  uint64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::vector<Run>& runs() const { return runs_; }

  // The k-th cell: a search among the runs.
  Cell operator[](uint64_t k) const {
    const size_t r = std::upper_bound(first_.begin(), first_.end(), k) - first_.begin() - 1;
    return {runs_[r].population, runs_[r].begin + static_cast<uint32_t>(k - first_[r])};
  }

  // f(k, population, index) for every cell, in order.
  template <class F>
  void ForEach(F&& f) const {
    uint64_t k = 0;
    for (const Run& run : runs_)
      for (uint32_t j = 0; j < run.count; ++j) f(k++, run.population, run.begin + j);
  }

  bool operator==(const CellSequence& o) const { return runs_ == o.runs_; }
  bool operator!=(const CellSequence& o) const { return !(*this == o); }

  uint64_t MemoryBytes() const {
    return runs_.capacity() * sizeof(Run) + first_.capacity() * sizeof(uint64_t);
  }

 private:
  std::vector<Run> runs_;
  std::vector<uint64_t> first_;  // position of each run's first cell
  uint64_t size_ = 0;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_CELL_SEQUENCE_H_
