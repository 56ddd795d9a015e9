// SpikeSourceArray: replays given spike times, each emitted in the step that
// ends at round(t / dt) dt (time_grid.h), and recorded at its exact time
// (PyNN's NEST off-grid behaviour). Times that round onto the same step
// are emitted once with multiplicity; times not after the current time when a
// run starts are skipped, so spike_times may be replaced between runs.
#ifndef SPIKESERVE_ENGINE_SPIKE_SOURCE_ARRAY_H_
#define SPIKESERVE_ENGINE_SPIKE_SOURCE_ARRAY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/cell_group.h"

namespace spikeserve::engine {

class SpikeSourceArray : public CellGroup {
 public:
  SpikeSourceArray(const CellTypeInfo& type, uint32_t size);
  void Prepare(const TimeGrid& grid, uint64_t step) override;
  void Reset(uint64_t) override {}
  void Update(const StepContext& ctx, std::vector<SpikeEvent>& spikes) override;
  const std::vector<double>* Variable(const std::string&) const override { return nullptr; }
  const std::vector<double>* ExactSpikeTimes() const override { return &emitted_; }

 private:
  // Spike end-steps of all cells, concatenated; cell i owns [offset_[i], offset_[i+1]).
  std::vector<int64_t> end_steps_;
  std::vector<double> times_;    // ms, parallel to end_steps_
  std::vector<double> emitted_;  // exact times of the last Update's spikes
  std::vector<size_t> offset_;
  std::vector<size_t> cursor_;  // next spike of each cell
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_SPIKE_SOURCE_ARRAY_H_
