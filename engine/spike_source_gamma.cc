#include "engine/spike_source_gamma.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/random_distribution.h"

namespace spikeserve::engine {

SpikeSourceGamma::SpikeSourceGamma(const CellTypeInfo& type, uint32_t size,
                                   const CellGroupContext& context)
    : CellGroup(type, size),
      context_(context),
      inhomogeneous_(type.name == "SpikeSourceInhGamma"),
      window_(size),
      draws_(size, 0),
      started_(size, 0),
      next_(size, 0.0),
      age_(size, 0.0),
      target_(size, 0.0) {}

void SpikeSourceGamma::Prepare(const TimeGrid& grid, uint64_t) {
  dt_ = grid.dt();
  const auto& start = parameter("start");
  const auto& duration = parameter("duration");
  for (uint32_t i = 0; i < size_; ++i) window_[i] = StepWindow(grid, start[i], duration[i]);
}

void SpikeSourceGamma::Reset(uint64_t trial) {
  trial_ = trial;
  std::fill(draws_.begin(), draws_.end(), 0);
  std::fill(started_.begin(), started_.end(), 0);
  std::fill(age_.begin(), age_.end(), 0.0);
}

double SpikeSourceGamma::Draw(uint32_t i, double shape, double scale_ms) {
  CounterRng rng(context_.seed,
                 inhomogeneous_ ? RngPurpose::kInhGammaSource : RngPurpose::kGammaSource,
                 context_.first_gid + i, draws_[i]++, trial_);
  if (!inhomogeneous_ && draws_[i] == 1)  // equilibrium start: J of alpha phases remain
    shape = static_cast<double>(1 + rng.Below(static_cast<uint64_t>(shape)));
  return StandardGamma(rng, shape) * scale_ms;
}

void SpikeSourceGamma::Update(const StepContext& ctx, std::vector<SpikeEvent>& spikes) {
  const int64_t step = static_cast<int64_t>(ctx.step);
  const double t = static_cast<double>(ctx.step) * dt_, t_end = t + dt_;
  for (uint32_t i = 0; i < size_; ++i) {
    if (!window_[i].Contains(step)) continue;
    uint32_t count = 0;
    if (!inhomogeneous_) {
      const double alpha = parameters_[0][i], beta = parameters_[1][i];
      if (beta <= 0.0) continue;
      const double scale = 1000.0 / beta;
      if (!started_[i]) {
        started_[i] = 1;
        next_[i] = t + Draw(i, alpha, scale);
      }
      // Times exactly on a step boundary belong to the step they start.
      for (; next_[i] < t_end; next_[i] += Draw(i, alpha, scale)) ++count;
    } else {
      const auto& a = sequences_[0][i];
      const auto& b = sequences_[1][i];
      const auto& tbins = sequences_[2][i];
      const auto bin = std::upper_bound(tbins.begin(), tbins.end(), t) - tbins.begin() - 1;
      if (bin < 0) continue;
      if (!started_[i]) {
        started_[i] = 1;
        target_[i] = Draw(i, a[bin], 1.0);
      }
      age_[i] += dt_ / (1000.0 * b[bin]);
      while (age_[i] >= target_[i]) {
        ++count;
        age_[i] -= target_[i];
        target_[i] = Draw(i, a[bin], 1.0);
      }
    }
    if (count > 0) spikes.push_back({i, count});
  }
}

}  // namespace spikeserve::engine
