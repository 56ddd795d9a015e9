// Electrodes: DCSource, ACSource, StepCurrentSource, NoisyCurrentSource.
//
// Time grid: a source's value is held constant over each step, evaluated at
// the step's start t = k dt, and applies in steps with start <= t < stop
// (both rounded to the grid), so a source starting at `start` first changes v
// at start + dt, as PyNN's scenarios expect.
//  - ACSource: offset + amplitude sin(2 pi frequency (t - start) / 1000 + phase pi / 180).
//  - StepCurrentSource: 0 before round(times[0]); amplitudes[k] from
//    round(times[k]) on, holding the last one. Times must be >= 0 and strictly
//    increasing; when several round onto the same step the last one wins (as
//    PyNN's NEST backend does).
//  - NoisyCurrentSource: mean + stdev N(0,1), a new value every `dt` (a
//    multiple of the time step) counted from start; value n is drawn from the
//    counter stream (seed, source id, n, trial).
// Parameters may change between runs; Prepare lowers them at each run start.
#ifndef SPIKESERVE_ENGINE_CURRENT_SOURCE_H_
#define SPIKESERVE_ENGINE_CURRENT_SOURCE_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "engine/catalogue.h"
#include "engine/parameter_value.h"
#include "engine/simulation.h"
#include "engine/time_grid.h"

namespace spikeserve::engine {

class CurrentSource {
 public:
  explicit CurrentSource(const CurrentSourceInfo& info);
  const CurrentSourceInfo& info() const { return info_; }
  std::map<std::string, double>& parameters() { return parameters_; }
  const std::map<std::string, double>& parameters() const { return parameters_; }
  std::map<std::string, std::vector<double>>& sequences() { return sequences_; }
  const std::map<std::string, std::vector<double>>& sequences() const { return sequences_; }

  // Whether the parameters make sense on `grid`; errors name "parameters.<name>".
  absl::Status Check(const TimeGrid& grid) const;
  // StepCurrentSource's steps as applied on `grid`: (step, amplitude) with
  // the times rounded and several on one step collapsed into the last.
  std::vector<std::pair<int64_t, double>> AppliedSteps(const TimeGrid& grid) const;
  // Every parameter as applied on `grid` (see Simulation::CurrentSourceParameters).
  ParameterMap Applied(const TimeGrid& grid) const;
  // `id` and `trial` key the noise stream.
  void Prepare(const TimeGrid& grid, uint64_t seed, uint64_t id, uint64_t trial);
  // nA injected during `step`.
  double AmplitudeAt(uint64_t step) const;

  // Targets as (population, cell indices).
  std::vector<std::pair<PopulationId, std::vector<uint32_t>>>& targets() { return targets_; }
  const std::vector<std::pair<PopulationId, std::vector<uint32_t>>>& targets() const {
    return targets_;
  }

 private:
  enum class Kind { kDC, kAC, kStep, kNoisy };

  const CurrentSourceInfo& info_;
  const Kind kind_;
  std::map<std::string, double> parameters_;
  std::map<std::string, std::vector<double>> sequences_;
  std::vector<std::pair<PopulationId, std::vector<uint32_t>>> targets_;
  // Lowered at Prepare.
  double amplitude_ = 0.0;           // nA (DC, AC)
  double offset_ = 0.0;              // nA (AC)
  double omega_ = 0.0;               // rad per step (AC)
  double phase_ = 0.0;               // rad (AC)
  double mean_ = 0.0, stdev_ = 0.0;  // nA (noisy)
  int64_t interval_steps_ = 1;       // noisy
  int64_t start_step_ = 0;
  int64_t stop_step_ = 0;
  std::vector<int64_t> step_starts_;     // StepCurrentSource, strictly increasing
  std::vector<double> step_amplitudes_;  // nA
  uint64_t seed_ = 0, id_ = 0, trial_ = 0;
};

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_CURRENT_SOURCE_H_
