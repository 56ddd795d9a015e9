#include "engine/spike_source_poisson.h"

#include <cstdint>

#include "engine/counter_rng.h"
#include "engine/random_distribution.h"

namespace spikeserve::engine {

SpikeSourcePoisson::SpikeSourcePoisson(const CellTypeInfo& type, uint32_t size,
                                       const CellGroupContext& context)
    : CellGroup(type, size), context_(context), mean_(size), window_(size) {}

void SpikeSourcePoisson::Prepare(const TimeGrid& grid, uint64_t) {
  const auto& rate = parameters_[ParameterIndex("rate")];
  const auto& start = parameters_[ParameterIndex("start")];
  const auto& duration = parameters_[ParameterIndex("duration")];
  for (uint32_t i = 0; i < size_; ++i) {
    mean_[i] = rate[i] * grid.dt() * 1e-3;
    window_[i] = StepWindow(grid, start[i], duration[i]);
  }
}

void SpikeSourcePoisson::Reset(uint64_t trial) { trial_ = trial; }

void SpikeSourcePoisson::Update(const StepContext& ctx, std::vector<SpikeEvent>& spikes) {
  const int64_t step = static_cast<int64_t>(ctx.step);
  for (uint32_t i = 0; i < size_; ++i) {
    if (mean_[i] <= 0.0 || !window_[i].Contains(step)) continue;
    CounterRng rng(context_.seed, RngPurpose::kPoissonSource, context_.first_gid + i, ctx.step,
                   trial_);
    const uint64_t count = PoissonCount(rng, mean_[i]);
    if (count > 0) spikes.push_back({i, static_cast<uint32_t>(count)});
  }
}

}  // namespace spikeserve::engine
