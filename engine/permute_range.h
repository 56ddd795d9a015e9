// Reordering a stretch of a per-synapse column, the way a projection's rows
// are regrouped (projection.h's Arrange): every per-synapse column of a row
// moves by the same order.
#ifndef SPIKESERVE_ENGINE_PERMUTE_RANGE_H_
#define SPIKESERVE_ENGINE_PERMUTE_RANGE_H_

#include <cstdint>
#include <vector>

namespace spikeserve::engine {

// Entry begin + j of `column` becomes its old entry begin + order[j], for j <
// order.size(); `scratch`, reused from call to call, holds the moved entries
// in a type they convert to and back from losslessly.
template <class T, class S>
void PermuteRange(std::vector<T>& column, uint64_t begin, const std::vector<uint32_t>& order,
                  std::vector<S>& scratch) {
  scratch.resize(order.size());
  for (size_t j = 0; j < order.size(); ++j) scratch[j] = column[begin + order[j]];
  for (size_t j = 0; j < order.size(); ++j) column[begin + j] = static_cast<T>(scratch[j]);
}

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_PERMUTE_RANGE_H_
