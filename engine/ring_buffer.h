// Input that synapses deliver to a cell group, summed per (receptor, arrival
// step, cell). Slots are indexed by step mod length, so a buffer of
// max_delay_steps + 2 slots holds everything in flight; the owner consumes and
// clears a slot at the beginning of its step. The length is rounded up to a
// power of two: delivery finds a slot once per delay run, and a mask costs a
// cycle where a 64-bit division costs tens.
#ifndef SPIKESERVE_ENGINE_RING_BUFFER_H_
#define SPIKESERVE_ENGINE_RING_BUFFER_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace spikeserve::engine {

class RingBuffer {
 public:
  // At least `slots` slots.
  void Resize(size_t cells, size_t receptors, size_t slots) {
    cells_ = cells;
    slots_ = PowerOfTwoAtLeast(slots);
    data_.assign(cells * receptors * slots_, 0.0);
  }

  void Add(size_t receptor, uint64_t step, size_t cell, double value) {
    data_[(receptor * slots_ + (step & (slots_ - 1))) * cells_ + cell] += value;
  }

  // The contiguous per-cell sums arriving at `step` on `receptor`; the caller
  // zeroes each entry after reading it.
  double* Slot(size_t receptor, uint64_t step) {
    return data_.data() + (receptor * slots_ + (step & (slots_ - 1))) * cells_;
  }

  // At least `slots` slots, for longer delays, keeping the input already in
  // flight: everything not yet consumed arrives in [now, now + old slots).
  void Grow(size_t slots, uint64_t now) {
    if (slots <= slots_) return;
    slots = PowerOfTwoAtLeast(slots);
    const size_t receptors = cells_ == 0 ? 0 : data_.size() / (cells_ * slots_);
    std::vector<double> data(cells_ * receptors * slots, 0.0);
    for (size_t r = 0; r < receptors; ++r)
      for (uint64_t t = now; t < now + slots_; ++t)
        std::copy_n(data_.data() + (r * slots_ + t % slots_) * cells_, cells_,
                    data.data() + (r * slots + t % slots) * cells_);
    slots_ = slots;
    data_ = std::move(data);
  }

  void Clear() { std::fill(data_.begin(), data_.end(), 0.0); }

  size_t slots() const { return slots_; }
  size_t MemoryBytes() const { return data_.capacity() * sizeof(double); }

 private:
  static size_t PowerOfTwoAtLeast(size_t n) {
    size_t p = 1;
    while (p < n) p <<= 1;
    return p;
  }

  size_t cells_ = 0;
  size_t slots_ = 1;
  std::vector<double> data_;  // [receptor][slot][cell]
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_RING_BUFFER_H_
