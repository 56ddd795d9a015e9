#include "engine/current_source.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/counter_rng.h"
#include "engine/errors.h"
#include "engine/random_distribution.h"

namespace spikeserve::engine {
namespace {
// Times beyond ~1e17 steps mean "never"; clamping keeps the conversion defined.
constexpr double kNeverSteps = 1e17;

int64_t ClampedSteps(const TimeGrid& grid, double t) {
  return t / grid.dt() > kNeverSteps ? INT64_MAX / 2
                                     : std::max<int64_t>(grid.Steps(t), INT64_MIN / 2);
}
}  // namespace

CurrentSource::CurrentSource(const CurrentSourceInfo& info)
    : info_(info),
      kind_(info.name == "ACSource"             ? Kind::kAC
            : info.name == "StepCurrentSource"  ? Kind::kStep
            : info.name == "NoisyCurrentSource" ? Kind::kNoisy
                                                : Kind::kDC) {
  for (const auto& p : info.parameters) {
    if (p.kind == ValueKind::kSequence)
      sequences_[p.name] = p.default_sequence;
    else
      parameters_[p.name] = p.default_value;
  }
}

absl::Status CurrentSource::Check(const TimeGrid& grid) const {
  if (kind_ == Kind::kNoisy) {
    const double dt = parameters_.at("dt");
    if (!(dt > 0) || grid.BelowOneStep(dt) || !grid.OnGrid(dt))
      return InvalidArgument("parameters.dt", reason::kNotOnTimeGrid,
                             absl::StrCat("dt ", dt,
                                          " ms must be a positive multiple of the "
                                          "time step ",
                                          grid.dt(), " ms"));
    if (!(parameters_.at("stdev") >= 0))
      return InvalidArgument("parameters.stdev", reason::kOutOfRange, "stdev must be >= 0");
  }
  if (kind_ != Kind::kStep) return absl::OkStatus();
  const auto& times = sequences_.at("times");
  if (times.size() != sequences_.at("amplitudes").size())
    return InvalidArgument("parameters.amplitudes", reason::kWrongLength,
                           absl::StrCat("amplitudes has ", sequences_.at("amplitudes").size(),
                                        " values, times ", times.size()));
  for (size_t k = 0; k < times.size(); ++k) {
    if (times[k] < 0 || times[k] / grid.dt() > kNeverSteps)
      return InvalidArgument(
          "parameters.times", reason::kOutOfRange,
          absl::StrCat("times[", k, "] = ", times[k], " ms is not a time on the simulation grid"));
    if (k > 0 && !(times[k] > times[k - 1]))
      return InvalidArgument("parameters.times", reason::kNotSorted,
                             "step times must be strictly increasing");
  }
  return absl::OkStatus();
}

std::vector<std::pair<int64_t, double>> CurrentSource::AppliedSteps(const TimeGrid& grid) const {
  std::vector<std::pair<int64_t, double>> steps;
  const auto& times = sequences_.at("times");
  const auto& amplitudes = sequences_.at("amplitudes");
  for (size_t k = 0; k < times.size(); ++k) {
    const int64_t s = grid.Steps(times[k]);
    if (!steps.empty() && steps.back().first == s)
      steps.back().second = amplitudes[k];
    else
      steps.emplace_back(s, amplitudes[k]);
  }
  return steps;
}

ParameterMap CurrentSource::Applied(const TimeGrid& grid) const {
  ParameterMap out;
  for (const auto& [name, v] : parameters_) out[name] = v;
  if (kind_ != Kind::kStep) return out;
  // Step k as k / (1 / dt) when 1 / dt is whole: one correctly rounded
  // division, so 3 steps of 0.1 ms read 0.3, not 3 * 0.1 = 0.30000000000000004.
  const bool whole = grid.OnGrid(1.0);
  const double per_ms = std::round(1.0 / grid.dt());
  Sequence times, amplitudes;
  for (const auto& [step, amplitude] : AppliedSteps(grid)) {
    const double k = static_cast<double>(step);
    times.values.push_back(whole ? k / per_ms : k * grid.dt());
    amplitudes.values.push_back(amplitude);
  }
  out["times"] = std::move(times);
  out["amplitudes"] = std::move(amplitudes);
  return out;
}

void CurrentSource::Prepare(const TimeGrid& grid, uint64_t seed, uint64_t id, uint64_t trial) {
  seed_ = seed;
  id_ = id;
  trial_ = trial;
  if (kind_ == Kind::kStep) {
    // The whole line is one window; the steps inside it decide the value.
    start_step_ = INT64_MIN / 2;
    stop_step_ = INT64_MAX / 2;
    step_starts_.clear();
    step_amplitudes_.clear();
    for (const auto& [step, amplitude] : AppliedSteps(grid)) {
      step_starts_.push_back(step);
      step_amplitudes_.push_back(amplitude);
    }
    return;
  }
  start_step_ = ClampedSteps(grid, parameters_["start"]);
  stop_step_ = ClampedSteps(grid, parameters_["stop"]);
  switch (kind_) {
    case Kind::kDC:
      amplitude_ = parameters_["amplitude"];
      break;
    case Kind::kAC:
      amplitude_ = parameters_["amplitude"];
      offset_ = parameters_["offset"];
      omega_ = 2.0 * M_PI * parameters_["frequency"] * 1e-3 * grid.dt();
      phase_ = parameters_["phase"] * M_PI / 180.0;
      break;
    case Kind::kNoisy:
      mean_ = parameters_["mean"];
      stdev_ = parameters_["stdev"];
      interval_steps_ = std::max<int64_t>(grid.Steps(parameters_["dt"]), 1);
      break;
    case Kind::kStep:
      break;
  }
}

double CurrentSource::AmplitudeAt(uint64_t step) const {
  const int64_t k = static_cast<int64_t>(step);
  if (k < start_step_ || k >= stop_step_) return 0.0;
  switch (kind_) {
    case Kind::kDC:
      return amplitude_;
    case Kind::kAC:
      return offset_ +
             amplitude_ * std::sin(omega_ * static_cast<double>(k - start_step_) + phase_);
    case Kind::kStep: {
      const auto it = std::upper_bound(step_starts_.begin(), step_starts_.end(), k);
      return it == step_starts_.begin() ? 0.0 : step_amplitudes_[it - step_starts_.begin() - 1];
    }
    case Kind::kNoisy: {
      const uint64_t interval = static_cast<uint64_t>((k - start_step_) / interval_steps_);
      CounterRng rng(seed_, RngPurpose::kNoisyCurrent, id_, interval, trial_);
      return mean_ + stdev_ * StandardNormal(rng);
    }
  }
  return 0.0;
}

}  // namespace spikeserve::engine
