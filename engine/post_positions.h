// The post position of every synapse of a projection (storage order), two
// bytes each when the post cell set has at most 65,536 positions, else four.
//
// Lossless either way, and many projections qualify: each of the
// microcircuit's projections targets one population of at most 21,915
// cells. There a synapse is its post position and its own weight, so the
// narrow form takes it from 12 to 10 bytes, and delivery reads a sixth less.
#ifndef SPIKESERVE_ENGINE_POST_POSITIONS_H_
#define SPIKESERVE_ENGINE_POST_POSITIONS_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "engine/permute_range.h"

namespace spikeserve::engine {

class PostPositions {
 public:
  static constexpr uint64_t kNarrowLimit = uint64_t{UINT16_MAX} + 1;

  // `positions` each below `n_post`.
  PostPositions(std::vector<uint32_t> positions, uint64_t n_post) {
    if (n_post > kNarrowLimit) {
      wide_ = std::move(positions);
      return;
    }
    narrow_.assign(positions.begin(), positions.end());
  }

  uint64_t size() const { return narrow_.size() + wide_.size(); }
  bool narrow() const { return wide_.empty(); }
  uint32_t operator[](uint64_t k) const { return narrow() ? narrow_[k] : wide_[k]; }

  // Where entry k is held, to prefetch.
  const void* address(uint64_t k) const {
    return narrow() ? static_cast<const void*>(narrow_.data() + k) : wide_.data() + k;
  }

  // Returns f(data), data a const uint16_t* or const uint32_t*: hot loops
  // are compiled once for each width and choose once per call.
  template <class F>
  decltype(auto) Visit(F&& f) const {
    return narrow() ? f(narrow_.data()) : f(wide_.data());
  }

  // Entry begin + j becomes the old entry begin + order[j], for j <
  // order.size(); `scratch` is reused from call to call.
  void Permute(uint64_t begin, const std::vector<uint32_t>& order, std::vector<uint32_t>& scratch) {
    if (narrow())
      PermuteRange(narrow_, begin, order, scratch);
    else
      PermuteRange(wide_, begin, order, scratch);
  }

  uint64_t MemoryBytes() const {
    return narrow_.capacity() * sizeof(uint16_t) + wide_.capacity() * sizeof(uint32_t);
  }

 private:
  std::vector<uint16_t> narrow_;  // when the post set has at most kNarrowLimit positions
  std::vector<uint32_t> wide_;    // otherwise
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_POST_POSITIONS_H_
