// Input that synapses deliver to a cell group, summed per (receptor, arrival
// step, cell). Slots are indexed by step mod length, so a receptor's ring of
// max_delay_steps + 2 slots holds everything in flight to it; the owner
// consumes and clears a slot at the beginning of its step. The length is
// rounded up to a power of two: delivery finds a slot once per delay run, and
// a mask costs a cycle where a 64-bit division costs tens.
//
// Sums are single precision (Input): delivery is a random add into the rings
// for every synapse a spike reaches, so the rings' size decides how much of
// them the cache holds. Float halves it (the microcircuit's rings: 384
// instead of 768 B per neuron), and the microcircuit and Vogels-Abbott at
// 100,000 cells took about a tenth less CPU time (bench/RESULTS.md, session
// 8). The cost is rounding: each weight times its multiplicity arrives
// rounded to float (relative error at most 2^-24), and a slot that receives
// several spikes rounds each sum. Weights, cell state and parameters stay
// double.
#ifndef SPIKESERVE_ENGINE_RING_BUFFER_H_
#define SPIKESERVE_ENGINE_RING_BUFFER_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace spikeserve::engine {

class RingBuffer {
 public:
  using Input = float;

  // `receptors` rings of at least `slots` slots.
  void Resize(size_t cells, size_t receptors, size_t slots) {
    cells_ = cells;
    Lay(std::vector<size_t>(receptors, PowerOfTwoAtLeast(slots)));
    data_.assign(Size(), 0);
  }

  void Add(size_t receptor, uint64_t step, size_t cell, double value) {
    Slot(receptor, step)[cell] += static_cast<Input>(value);
  }

  // The contiguous per-cell sums arriving at `step` on `receptor`; the caller
  // zeroes each entry after reading it.
  Input* Slot(size_t receptor, uint64_t step) {
    const Ring& ring = rings_[receptor];
    return data_.data() + ring.offset + (step & ring.mask) * cells_;
  }

  // At least `slots` slots on `receptor`, for longer delays, keeping the
  // input already in flight: everything not yet consumed arrives in [now,
  // now + old slots). Each receptor has its own length, as excitatory and
  // inhibitory delays often differ (the microcircuit's by a factor of two).
  void Grow(size_t receptor, size_t slots, uint64_t now) {
    if (slots <= slots_of(receptor)) return;
    const std::vector<Ring> old = rings_;
    std::vector<size_t> lengths;
    for (size_t r = 0; r < rings_.size(); ++r) lengths.push_back(slots_of(r));
    lengths[receptor] = PowerOfTwoAtLeast(slots);
    Lay(lengths);
    std::vector<Input> data(Size(), 0);
    for (size_t r = 0; r < rings_.size(); ++r)
      for (uint64_t t = now; t <= now + old[r].mask; ++t)
        std::copy_n(data_.data() + old[r].offset + (t & old[r].mask) * cells_, cells_,
                    data.data() + rings_[r].offset + (t & rings_[r].mask) * cells_);
    data_ = std::move(data);
  }

  void Clear() { std::fill(data_.begin(), data_.end(), 0); }

  size_t slots_of(size_t receptor) const { return rings_[receptor].mask + 1; }
  size_t MemoryBytes() const { return data_.capacity() * sizeof(Input); }

 private:
  struct Ring {
    size_t offset;  // into data_
    uint64_t mask;  // slots - 1, slots a power of two
  };

  static size_t PowerOfTwoAtLeast(size_t n) {
    size_t p = 1;
    while (p < n) p <<= 1;
    return p;
  }
  // Rings of these lengths, one after the other.
  void Lay(const std::vector<size_t>& lengths) {
    rings_.clear();
    size_t offset = 0;
    for (size_t slots : lengths) {
      rings_.push_back({offset, slots - 1});
      offset += slots * cells_;
    }
  }
  size_t Size() const {
    return rings_.empty() ? 0 : rings_.back().offset + slots_of(rings_.size() - 1) * cells_;
  }

  size_t cells_ = 0;
  std::vector<Ring> rings_;  // per receptor
  std::vector<Input> data_;  // [receptor][slot][cell]
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_RING_BUFFER_H_
