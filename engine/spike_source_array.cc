#include "engine/spike_source_array.h"

#include <algorithm>

namespace spikeserve::engine {

SpikeSourceArray::SpikeSourceArray(const CellTypeInfo& type, uint32_t size)
    : CellGroup(type, size), offset_(size + 1, 0), cursor_(size, 0) {}

void SpikeSourceArray::Prepare(const TimeGrid& grid, uint64_t step) {
  const auto& times = sequences_[0];
  end_steps_.clear();
  times_.clear();
  for (uint32_t i = 0; i < size_; ++i) {
    offset_[i] = end_steps_.size();
    for (double t : times[i]) end_steps_.push_back(grid.Steps(t));
    times_.insert(times_.end(), times[i].begin(), times[i].end());
    // Spikes ending at or before the current step are in the past.
    cursor_[i] = std::upper_bound(end_steps_.begin() + offset_[i], end_steps_.end(),
                                  static_cast<int64_t>(step)) -
                 end_steps_.begin();
  }
  offset_[size_] = end_steps_.size();
}

void SpikeSourceArray::Update(const StepContext& ctx, std::vector<SpikeEvent>& spikes) {
  const int64_t end = static_cast<int64_t>(ctx.step) + 1;
  emitted_.clear();
  for (uint32_t i = 0; i < size_; ++i) {
    uint32_t count = 0;
    while (cursor_[i] < offset_[i + 1] && end_steps_[cursor_[i]] == end) {
      emitted_.push_back(times_[cursor_[i]]);
      ++cursor_[i];
      ++count;
    }
    if (count > 0) spikes.push_back({i, count});
  }
}

}  // namespace spikeserve::engine
