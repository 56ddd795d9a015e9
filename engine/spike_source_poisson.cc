#include "engine/spike_source_poisson.h"

#include <cmath>
#include <cstdint>

#include "engine/counter_rng.h"
#include "engine/random_distribution.h"

namespace spikeserve::engine {

SpikeSourcePoisson::SpikeSourcePoisson(const CellTypeInfo& type, uint32_t size,
                                       const CellGroupContext& context)
    : CellGroup(type, size),
      context_(context),
      mean_(size),
      exp_minus_mean_(size),
      window_(size) {}

void SpikeSourcePoisson::Prepare(const TimeGrid& grid, uint64_t) {
  const auto& rate = parameters_[ParameterIndex("rate")];
  const auto& start = parameters_[ParameterIndex("start")];
  const auto& duration = parameters_[ParameterIndex("duration")];
  for (uint32_t i = 0; i < size_; ++i) {
    mean_[i] = rate[i] * grid.dt() * 1e-3;
    exp_minus_mean_[i] = std::exp(-mean_[i]);
    window_[i] = StepWindow(grid, start[i], duration[i]);
  }
}

void SpikeSourcePoisson::Reset(uint64_t trial) { trial_ = trial; }

void SpikeSourcePoisson::UpdateRange(const StepContext& ctx, uint32_t begin, uint32_t end,
                                     std::vector<SpikeEvent>& spikes) {
  const int64_t step = static_cast<int64_t>(ctx.step);
  CounterRng::Key key{0, UINT64_MAX};
  for (uint32_t i = begin; i < end; ++i) {
    if (mean_[i] <= 0.0 || !window_[i].Contains(step)) continue;
    const uint64_t gid = context_.first_gid + i;
    if (gid >> 32 != key.a_high)
      key = CounterRng::KeyOf(context_.seed, RngPurpose::kPoissonSource, gid, trial_);
    CounterRng rng(key, gid, ctx.step);
    const uint64_t count = mean_[i] <= kPoissonInversionMaxMean
                               ? PoissonInversion(rng, mean_[i], exp_minus_mean_[i])
                               : PoissonCount(rng, mean_[i]);
    if (count > 0) spikes.push_back({i, static_cast<uint32_t>(count)});
  }
}

}  // namespace spikeserve::engine
