// Electrodes. A source's amplitude is held constant over each step and
// applies in steps [t, t+dt) with start <= t < stop (both rounded to the
// grid), so a DCSource starting at `start` first changes v at start + dt, as
// PyNN's scenarios expect.
#ifndef SPIKESERVE_ENGINE_CURRENT_SOURCE_H_
#define SPIKESERVE_ENGINE_CURRENT_SOURCE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/catalogue.h"
#include "engine/simulation.h"
#include "engine/time_grid.h"

namespace spikeserve::engine {

class CurrentSource {
 public:
  explicit CurrentSource(const CurrentSourceInfo& info);
  const CurrentSourceInfo& info() const { return info_; }
  std::map<std::string, double>& parameters() { return parameters_; }

  void Prepare(const TimeGrid& grid);
  // nA injected during `step`.
  double AmplitudeAt(uint64_t step) const {
    const int64_t k = static_cast<int64_t>(step);
    return k >= start_step_ && k < stop_step_ ? amplitude_ : 0.0;
  }

  // Targets as (population, cell indices).
  std::vector<std::pair<PopulationId, std::vector<uint32_t>>>& targets() { return targets_; }
  const std::vector<std::pair<PopulationId, std::vector<uint32_t>>>& targets() const {
    return targets_;
  }

 private:
  const CurrentSourceInfo& info_;
  std::map<std::string, double> parameters_;
  std::vector<std::pair<PopulationId, std::vector<uint32_t>>> targets_;
  double amplitude_ = 0.0;  // nA
  int64_t start_step_ = 0;
  int64_t stop_step_ = 0;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_CURRENT_SOURCE_H_
